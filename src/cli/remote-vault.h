/* A vault named on the command line, local or remote: the one place where DEVICE / IMAGE /
 * VAULT arguments become a path libcryptsetup opens (docs/remote.md). Every verb that takes a
 * vault (DEVICE, IMAGE, VAULT) calls cli_vault_resolve(); a remote one is reached through a
 * temporary sshfs mount, unmounted by cli_vault_ref_done() unless `open` keeps it. */
#pragma once

#include <stdbool.h>

#include "cli/cli.h"
#include "shared/remote-url.h"
#include "vault/remote.h"
#include "vault/vault.h"

/* How long a remote vault's SSH connection may take to come up (connect, authenticate, mount). */
#define REMOTE_CONNECT_S 30

struct cli_vault_ref {
        struct vault_location loc; /* loc.device: the local path, or the image inside the sshfs mount */
        const char *given;         /* as typed, for messages */
        bool remote;
        struct remote_url url;
        struct remote_mount *mount;
};

/* Checks `device` (a malformed ssh:// address: usage error, exit 1) and, for a remote one,
 * mounts its directory (needs root; waits up to timeout_s for the connection: exit 8 when it
 * fails, with sshfs's and ssh's own messages above ours). Only checks, mounts nothing, when
 * `check_only`. Returns an exit code; on failure nothing is left mounted. */
int cli_vault_resolve(const char *device, const struct cli_global *g, unsigned timeout_s, bool check_only,
                      struct cli_vault_ref *ret);

/* Mounts a remote vault that cli_vault_resolve() checked only (nothing for a local one). */
int cli_vault_ref_mount(struct cli_vault_ref *r, const struct cli_global *g, unsigned timeout_s);

/* The mapping `name` is open on a remote vault: its mount stays, watched (open). Exit code. */
int cli_vault_ref_keep(struct cli_vault_ref *r, const char *name);

/* The mapping `name` is open on a remote vault: its loop device is switched to direct I/O
 * (remote_mount_direct_io); a refusal is a warning, the vault stays usable. Nothing for a
 * local vault. */
void cli_vault_ref_direct_io(const struct cli_vault_ref *r, const char *name);

/* Unmounts what cli_vault_resolve mounted, unless kept. */
void cli_vault_ref_done(struct cli_vault_ref *r);

/* The name of the vault in messages when it has no label: the address as typed. */
const char *cli_vault_ref_name(const struct cli_vault_ref *r);

/* What messages call `path`: the ssh:// address as typed when it is the image inside a remote
 * vault's sshfs mount (never the mount path under /run/ykunlock/remote), else `path` itself. */
const char *cli_shown(const char *path);
