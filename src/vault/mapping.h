/* The state of an open vault's mapping, and locking it while it stays open: suspend (the
 * volume key leaves the kernel, I/O waits) and resume with a present enrolled token. For
 * `ykunlock status` and the plug-in actions (docs/plug-in.md). Never prints. */
#pragma once

#include "vault/vault.h"

enum vault_state {
        VAULT_STATE_CLOSED,    /* no mapping by that name (also: no device-mapper) */
        VAULT_STATE_OPEN,
        VAULT_STATE_SUSPENDED, /* luksSuspend'ed: no volume key in the kernel */
};

const char *vault_state_name(enum vault_state s); /* "closed", "open", "suspended" */

/* The state of the mapping `name`. A mapping of another target than crypt still counts as
 * open (its name is taken). */
int vault_mapping_state(const char *name, enum vault_state *ret);

/* crypt_suspend: -ENODEV when `name` is not active, -ENOSYS without device-mapper. */
int vault_suspend(const char *name);

/* Resumes the suspended mapping `name` (header: a detached header, or NULL) with the volume key
 * unlocked by a present token enrolled in it (no waiting). -EINVAL when it is not suspended;
 * -ENODEV when no enrolled token is present; -ENOANO for a PIN token without pin. */
int vault_resume(const char *name, const char *header, const struct vault_tokens_ctx *ctx,
                 const struct secret *pin);
