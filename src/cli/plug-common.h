/* What `status` and `plug-event` share: the vaults of /etc/ykunlock/vaults (or --config FILE),
 * their bad lines reported once, and which present token can open each. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "shared/sizes.h"

#include "cli/cli.h"
#include "otp/discover.h"
#include "vault/mapping.h"
#include "vault/registry.h"

/* Loads `path` (NULL: the default). Each bad line becomes one message "FILE:LINE: ..." on
 * stderr (the journal, under systemd). A missing default file is no vaults, not an error; a
 * missing --config file is. Returns an exit code. */
int plug_load_config(const char *path, struct vault_registry *ret);

/* The vault's location from its configuration (ret_device is malloc'ed). */
int plug_location(const struct vault_config *c, char **ret_device, struct vault_location *ret);

/* An enrollment as far as a group is concerned: one challenge to one slot of one key. */
struct plug_challenge {
        uint32_t serial;
        int slot;
        uint8_t challenge[YK_CHALLENGE_MAX];
        size_t challenge_len;
};

/* One configured vault as `status` shows it and `plug-event` acts on it. */
struct plug_vault {
        const struct vault_config *config;
        char *device;                /* the path opened */
        enum vault_state state;
        int error;                   /* reading its header failed: why (0: fine) */
        const struct yk_token *can_open; /* a present token enrolled in it, or NULL */
        bool any_enrolled;           /* any token is enrolled in it */
        char uuid[40];               /* its LUKS UUID ("" when unread) */
        struct plug_challenge *challenges; /* its tokens of a known serial */
        size_t n_challenges;
};

/* Fills v for config c against the present tokens. */
void plug_vault_inspect(const struct vault_config *c, const struct yk_token_list *present, struct plug_vault *v);
void plug_vault_clear(struct plug_vault *v);

/* The groups among n inspected vaults: vaults of different UUIDs holding the same challenge for
 * the same key and slot (`enroll --share-challenge-with`), which one response opens together.
 * ret_group[i] is 1, 2, ... in the order the groups first appear, or 0 for a vault in no group. */
void plug_vault_groups(const struct plug_vault *v, size_t n, unsigned *ret_group);

/* cli_strerror() with the words the plug-in lines need (no device-mapper, no such device). */
const char *plug_strerror(int r);
