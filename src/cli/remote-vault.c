#include "cli/remote-vault.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli/exit-code.h"
#include "shared/errors.h"

/* Run in the keeper, after this command returned: one line on stderr (when it still leads
 * somewhere, remote.c) and one in the journal. */
static void say_event(void *userdata, enum remote_event ev, const char *name, const char *host, int r) {
        (void) userdata;
        char line[600];
        if (ev == REMOTE_EVENT_LOST)
                snprintf(line, sizeof(line),
                         "the connection to %s was lost (sshfs ended, status %d): closing the vault open as %s", host, r,
                         name);
        else if (r == 0)
                snprintf(line, sizeof(line),
                         "%s was closed after its connection was lost: its file systems unmounted lazily, the "
                         "mapping and the loop device removed; ykunlock close %s clears its state",
                         name, name);
        else
                snprintf(line, sizeof(line), "%s could not be taken down after its connection was lost: %s", name,
                         strerror(-r));
        fprintf(stderr, "ykunlock: %s\n", line);
        openlog("ykunlock", LOG_PID, LOG_DAEMON);
        syslog(ev == REMOTE_EVENT_LOST ? LOG_ERR : LOG_WARNING, "%s", line);
        closelog();
}

static const struct remote_report report = { .report = say_event };

/* The image inside the sshfs mount of the one remote vault of this command, and its address as
 * typed: messages show the address (cli_shown). */
static const char *shown_path, *shown_as;

const char *cli_shown(const char *path) {
        return path && shown_path && strcmp(path, shown_path) == 0 ? shown_as : path;
}

static int mount_error(const struct cli_vault_ref *r, int e) {
        if (e == -ENOENT)
                return cli_error(-YK_ERR_NO_TRANSPORT, "%s: sshfs is not installed (Debian: apt install sshfs)",
                                 r->given);
        if (e == -ETIMEDOUT)
                return cli_error(-YK_ERR_NO_ANSWER, "%s: the SSH connection was not up within the timeout", r->given);
        if (e == -EHOSTUNREACH)
                return cli_error(-YK_ERR_NO_ANSWER,
                                 "%s: sshfs could not mount %s (its message is above; the host key must be known "
                                 "and a key must log in without a password)",
                                 r->given, r->url.host);
        return cli_error(e, "%s: cannot mount it with sshfs: %s", r->given, cli_strerror(e));
}

int cli_vault_resolve(const char *device, const struct cli_global *g, unsigned timeout_s, bool check_only,
                      struct cli_vault_ref *ret) {
        *ret = (struct cli_vault_ref) { .loc = { .device = device, .header = g->header }, .given = device };
        if (!remote_url_is_remote(device)) {
                if (g->ssh_command)
                        return cli_usage_error("--ssh-command is for a vault given as ssh://…, not %s", device);
                return EXIT_OK;
        }
        const char *why = NULL;
        if (remote_url_parse(device, &ret->url, &why) < 0)
                return cli_usage_error("'%s' is not a remote vault address (ssh://[user@]host[:port]/path): %s",
                                       device, why);
        if (g->ssh_command && remote_ssh_command_check(g->ssh_command) < 0)
                return cli_usage_error("--ssh-command takes a program and its options, without ',' or control "
                                       "characters, not '%s'",
                                       g->ssh_command);
        ret->remote = true;
        return check_only ? EXIT_OK : cli_vault_ref_mount(ret, g, timeout_s);
}

int cli_vault_ref_mount(struct cli_vault_ref *ref, const struct cli_global *g, unsigned timeout_s) {
        if (!ref->remote || ref->mount)
                return EXIT_OK;
        if (geteuid() != 0)
                return cli_error(-YK_ERR_NEEDS_ROOT, "%s: a remote vault needs root (sshfs mounts it under %s)",
                                 ref->given, REMOTE_STATE_DIR);
        struct remote_params p = { .ssh_command = g->ssh_command, .timeout_s = timeout_s, .report = &report };
        int r = remote_mount(&ref->url, &p, &ref->mount);
        if (r < 0)
                return mount_error(ref, r);
        ref->loc.device = remote_mount_image(ref->mount);
        shown_path = ref->loc.device;
        shown_as = ref->given;
        return EXIT_OK;
}

int cli_vault_ref_keep(struct cli_vault_ref *r, const char *name) {
        if (!r->mount)
                return EXIT_OK;
        int e = remote_mount_keep(r->mount, name);
        if (e < 0)
                return cli_error(e, "%s is open as %s, but its remote state could not be kept: %s", r->given, name,
                                 cli_strerror(e));
        return EXIT_OK;
}

void cli_vault_ref_direct_io(const struct cli_vault_ref *r, const char *name) {
        if (!r->mount)
                return;
        /* Not fatal: the vault works, but large writes may stall (docs/remote.md). */
        int e = remote_mount_direct_io(r->mount, name);
        if (e < 0)
                cli_info("warning: the loop device under %s stays in buffered mode (direct I/O: %s); large writes "
                         "into it may stall",
                         name, cli_strerror(e));
}

void cli_vault_ref_done(struct cli_vault_ref *r) {
        if (r->mount && shown_path == r->loc.device)
                shown_path = shown_as = NULL;
        remote_mount_free(r->mount);
        r->mount = NULL;
}

const char *cli_vault_ref_name(const struct cli_vault_ref *r) {
        return r->given;
}
