/* ykunlock close NAME [--unmount]: remove the mapping (after unmounting it, when asked). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/mount-holders.h"
#include "cli/run.h"
#include "cli/table.h"
#include "cli/vault-common.h"
#include "shared/errors.h"
#include "shared/macros.h"
#include "vault/remote.h"

static int on_option(int id, const char *arg, void *userdata) {
        bool *unmount = userdata;
        (void) arg;
        if (id == CLI_OPT_UNMOUNT)
                *unmount = true;
        return EXIT_OK;
}

static int unmount(const char *name, const char *dev) {
        if (!mount_is_mounted(dev))
                return EXIT_OK;
        const char *argv[] = { "umount", "--all-targets", "--", dev, NULL };
        int r = cli_run(argv);
        if (r != 0)
                return cli_error(-EBUSY, "cannot unmount %s (umount %s %d); %s stays open", dev,
                                 r < 0 ? "error" : "exit status", r, name);
        return EXIT_OK;
}

/* After the mapping: the loop device and the sshfs mount of a remote vault (docs/remote.md). */
static int detach_remote(const char *name, bool closed_now) {
        bool lost = false;
        int r = remote_detach(name, &lost);
        if (r < 0 && r != -ENOENT)
                return cli_error(r, "%s: cannot unmount the sshfs mount of its remote vault under %s: %s", name,
                                 REMOTE_STATE_DIR, cli_strerror(r));
        if (lost)
                cli_info("%s was closed when its SSH connection was lost; its state is cleared now", name);
        else if (!closed_now)
                cli_info("%s was not open any more; the sshfs mount of its remote vault is unmounted", name);
        else
                cli_info("unmounted the sshfs mount of %s", name);
        return EXIT_OK;
}

int verb_close(int argc, char **argv, struct cli_global *g) {
        bool unmount_first = false;
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &unmount_first, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        const char *name = argv[first];
        char dev[300];
        if (strchr(name, '/') || cli_mapper_path(name, dev, sizeof(dev)) < 0)
                return cli_usage_error("'%s' is not a mapping name (give NAME, not /dev/mapper/NAME)", name);
        if (!vault_have_device_mapper())
                return cli_error(-YK_ERR_NEEDS_DM, "closing %s needs device-mapper, which this kernel does not have",
                                 name);
        if (geteuid() != 0)
                return cli_error(-YK_ERR_NEEDS_ROOT, "closing %s needs root", name);
        cli_vault_verbose(g);

        if (unmount_first && (code = unmount(name, dev)) != EXIT_OK)
                return code;
        bool remote = remote_is_attached(name);
        int r = vault_close(name);
        if (r == -ENODEV && remote)
                return detach_remote(name, /* closed_now= */ false);
        if (r == -ENODEV)
                return cli_usage_error("no vault is open as %s", name);
        if (r == -EBUSY)
                return cli_error(r, "%s is in use (mounted?); --unmount unmounts it first", dev);
        if (r < 0)
                return cli_error(r, "cannot close %s: %s", name, cli_strerror(r));
        cli_info("closed %s", name);
        return remote ? detach_remote(name, /* closed_now= */ true) : EXIT_OK;
}
