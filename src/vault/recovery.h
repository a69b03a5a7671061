/* The recovery key (its text form) in a keyslot of its own, with the marker token. */
#pragma once

#include "vault/internal.h"

/* Adds the recovery keyslot (the volume key must be in `cd`, as right after crypt_format)
 * and its `ykunlock-recovery` marker. *ret gets the key's text form. */
int vault_add_recovery_key(struct crypt_device *cd, struct secret *ret);
