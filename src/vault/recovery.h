/* The recovery key: 32 random bytes in a keyslot of their own, with the marker token. */
#pragma once

#include "vault/internal.h"

/* Adds the recovery keyslot (the volume key must be in `cd`, as right after crypt_format)
 * and its `ykunlock-recovery` marker. *ret gets the 32 bytes. */
int vault_add_recovery_key(struct crypt_device *cd, struct secret *ret);
