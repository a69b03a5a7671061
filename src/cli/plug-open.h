/* The vaults of one insertion opened at once (docs/plug-in.md): verb-plug-event.c gets each
 * vault's volume key from the token, one vault after the other (one key; one touch per group);
 * plug_open_all() then activates and mounts every prepared vault, each in a child process of its
 * own, all at the same time, each printing its own line. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "vault/registry.h"
#include "vault/vault.h"

struct plug_open {
        const struct vault_config *config;
        struct vault_prepared *prep; /* NULL: nothing left to do for it */
        uint32_t serial;             /* the token that gave its key */
        int code;                    /* its exit code: set by the caller, or by plug_open_all */
};

/* Activates and mounts jobs[i] for each i with a prep, sets its code, and frees (wipes) the
 * preps. Without a process to spare (fork fails) a vault is done in this one. */
void plug_open_all(struct plug_open *jobs, size_t n);
