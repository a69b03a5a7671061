/* ykunlock backup VAULT SOURCE... [--delete] [--exclude PATTERN]...: open (one touch), mount on a
 * private directory, rsync -a, sync, unmount and close — also after a failure or a signal
 * (docs/cli.md, "backup"). A remote VAULT (ssh://…) is reached through a temporary sshfs mount,
 * unmounted last (docs/remote.md). rsync gets paths only: no secret ever reaches it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/backup-rsync.h"
#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/remote-vault.h"
#include "cli/run.h"
#include "cli/signals.h"
#include "cli/table.h"
#include "cli/unlock-ask.h"
#include "cli/vault-args.h"
#include "cli/vault-common.h"
#include "shared/errors.h"
#include "shared/macros.h"

#define MAX_EXCLUDES 64

struct backup_args {
        const char *pin_file;
        const char *excludes[MAX_EXCLUDES];
        size_t n_excludes;
        bool delete;
        unsigned timeout;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct backup_args *a = userdata;
        switch (id) {
        case CLI_OPT_DELETE:
                a->delete = true;
                return EXIT_OK;
        case CLI_OPT_EXCLUDE:
                if (a->n_excludes == MAX_EXCLUDES)
                        return cli_usage_error("more than %d --exclude patterns", MAX_EXCLUDES);
                if (!arg[0])
                        return cli_usage_error("--exclude takes a pattern, not an empty string");
                a->excludes[a->n_excludes++] = arg;
                return EXIT_OK;
        case CLI_OPT_TIMEOUT:
                return cli_parse_timeout(arg, &a->timeout);
        case CLI_OPT_PIN_FILE:
                a->pin_file = arg;
                return EXIT_OK;
        }
        return EXIT_USAGE;
}

struct backup_ctx {
        const struct backup_args *a;
        const struct cli_global *g;
        struct cli_vault_ref ref; /* its sshfs mount goes last, after the mapping */
        struct vault_location loc;
        struct vault *v;
        struct vault_info info;
        const char *vault_name;
        char map[64], dev[300], dir[64];
        bool opened, mounted, dir_made;
        struct secret pin;
};

/* Unmount (after a sync), close, remove the mount point: whatever was done is undone, also
 * after a failure or a signal. Returns EXIT_OK, or EXIT_PARTIAL after saying what stays. */
static int backup_teardown(struct backup_ctx *c) {
        int code = EXIT_OK;
        if (c->mounted) {
                int fd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) syncfs(fd);
                        close(fd);
                }
                const char *umount[] = { "umount", "--", c->dir, NULL };
                int r = cli_run(umount);
                if (r != 0) {
                        cli_error(-EBUSY, "cannot unmount %s (umount %s %d); %s stays open as %s and mounted there",
                                  c->dir, r < 0 ? "error" : "exit status", r, c->vault_name, c->dev);
                        return EXIT_PARTIAL;
                }
                c->mounted = false;
        }
        if (c->opened) {
                int r = vault_close(c->map);
                if (r < 0) {
                        cli_error(r, "cannot close %s: %s (ykunlock close %s)", c->map, cli_strerror(r), c->map);
                        code = EXIT_PARTIAL;
                } else
                        c->opened = false;
        }
        if (c->dir_made && rmdir(c->dir) == 0)
                c->dir_made = false;
        return code;
}

static void backup_ctx_clear(struct backup_ctx *c) {
        (void) backup_teardown(c);
        secret_clear(&c->pin);
        vault_info_free(&c->info);
        vault_unref(c->v);
        c->v = NULL;
        cli_vault_ref_done(&c->ref);
}

/* Every SOURCE exists (a missing one is refused before the token is asked anything). */
static int check_sources(char **src, int n) {
        for (int i = 0; i < n; i++) {
                struct stat st;
                if (!src[i][0])
                        return cli_usage_error("a SOURCE is an empty string");
                if (lstat(src[i], &st) < 0)
                        return cli_file_error(-errno, "%s: %m; nothing was opened", src[i]);
        }
        return EXIT_OK;
}

/* What opening and copying need, checked before a remote vault is mounted. */
static int check_tools(void) {
        if (!vault_have_device_mapper())
                return cli_error(-YK_ERR_NEEDS_DM, "backup opens the vault, which needs device-mapper, and this kernel "
                                                   "does not have it; nothing was opened");
        if (geteuid() != 0)
                return cli_error(-YK_ERR_NEEDS_ROOT, "backup opens and mounts the vault, which needs root; nothing was "
                                                     "opened");
        char path[256];
        if (cli_find_program("rsync", path, sizeof(path)) < 0)
                return cli_error(-YK_ERR_NEEDS_DM, "backup needs rsync (Debian: rsync); nothing was opened");
        return EXIT_OK;
}

static int check_system(const struct backup_ctx *c) {
        int code = c->ref.remote ? EXIT_OK : check_tools();
        if (code != EXIT_OK)
                return code;
        struct vault_mapping m;
        if (vault_find_mapping(c->info.uuid, c->loc.device, &m) == 0)
                return cli_error(-YK_ERR_REFUSED, "%s is open already as /dev/mapper/%s: back up into where it is "
                                                  "mounted, or close it first (ykunlock close %s --unmount)",
                                 c->vault_name, m.name, m.name);
        return EXIT_OK;
}

/* A private mount point: /run/ykunlock/backup-XXXXXX, mode 0700. */
static int make_dir(struct backup_ctx *c) {
        if (mkdir("/run/ykunlock", 0700) < 0 && errno != EEXIST)
                return cli_error(-errno, "cannot create /run/ykunlock: %m");
        snprintf(c->dir, sizeof(c->dir), "/run/ykunlock/backup-XXXXXX");
        if (!mkdtemp(c->dir))
                return cli_error(-errno, "cannot create a mount point in /run/ykunlock: %m");
        c->dir_made = true;
        return EXIT_OK;
}

static int open_and_mount(struct backup_ctx *c) {
        struct vault_tokens_ctx ctx = cli_tokens_ctx(c->g, /* with_serial= */ true, /* touch= */ true);
        struct cli_ask ask_state = { .vault_name = c->vault_name, .say_no_token = true, .batch = c->g->batch };
        struct vault_ask ask = cli_vault_ask(&ask_state);
        ctx.ask = &ask;
        struct vault_open_params p = { .name = c->map, .timeout_s = c->a->timeout, .pin = c->pin.data ? &c->pin : NULL };
        struct vault_open_result res;
        int r = vault_open_loaded(c->v, &ctx, &p, &res);
        if (r == -ECANCELED && ask_state.code != EXIT_OK)
                return ask_state.code;
        if (r < 0)
                return cli_error(r, "cannot open %s: %s; nothing was copied", c->vault_name, cli_strerror(r));
        c->opened = true;
        cli_vault_ref_direct_io(&c->ref, c->map);
        int code = make_dir(c);
        if (code != EXIT_OK)
                return code;
        const char *mount[] = { "mount", "-o", "nodev,nosuid", "--", c->dev, c->dir, NULL };
        r = cli_run(mount);
        if (r != 0)
                return cli_error(-EIO, "%s opened, but mount could not mount %s (%s %d); nothing was copied",
                                 c->vault_name, c->dev, r < 0 ? "error" : "exit status", r);
        c->mounted = true;
        cli_info("opened %s and mounted it on %s", c->vault_name, c->dir);
        return EXIT_OK;
}

static int copy(struct backup_ctx *c, char **src, int n) {
        struct backup_rsync_params p = {
                .sources = (const char *const *) src, .n_sources = (size_t) n, .dest = c->dir,
                .excludes = c->a->excludes, .n_excludes = c->a->n_excludes, .delete = c->a->delete,
                .progress = isatty(STDERR_FILENO),
        };
        int status, sig = 0;
        int r = backup_rsync_run(&p, &status, &sig);
        if (r < 0)
                return cli_error(r, "cannot run rsync: %s; nothing was copied", cli_strerror(r));
        if (sig) {
                cli_info("stopped by signal %d: rsync was stopped, the copy in %s is incomplete; closing it", sig,
                         c->vault_name);
                return EXIT_PARTIAL;
        }
        if (status == 0) {
                cli_info("copied into %s: complete", c->vault_name);
                return EXIT_OK;
        }
        cli_error(-EIO, "the copy into %s is incomplete: rsync exit status %d (%s)", c->vault_name, status,
                  backup_rsync_meaning(status));
        return EXIT_PARTIAL;
}

/* Mounts a remote vault, reads its header, checks the system. */
static int prepare(struct backup_ctx *c) {
        int code = c->ref.remote ? check_tools() : EXIT_OK;
        if (code == EXIT_OK)
                code = cli_vault_ref_mount(&c->ref, c->g, REMOTE_CONNECT_S);
        if (code != EXIT_OK)
                return code;
        c->loc = c->ref.loc;
        code = cli_vault_load(&c->loc, &c->v, &c->info);
        if (code != EXIT_OK)
                return code;
        c->vault_name = cli_vault_name(&c->info, &c->loc);
        code = check_system(c);
        if (code == EXIT_OK && c->a->pin_file)
                code = cli_read_pin(c->a->pin_file, &c->pin);
        if (code != EXIT_OK)
                return code;
        snprintf(c->map, sizeof(c->map), "ykunlock-backup-%ld", (long) getpid());
        (void) cli_mapper_path(c->map, c->dev, sizeof(c->dev));
        return EXIT_OK;
}

int verb_backup(int argc, char **argv, struct cli_global *g) {
        struct backup_args a = { .timeout = YK_TIMEOUT_DEFAULT_S };
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        cli_vault_verbose(g);
        _cleanup_(backup_ctx_clear) struct backup_ctx c = { .a = &a, .g = g };
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ true, &c.ref);
        if (code == EXIT_OK)
                code = check_sources(argv + first + 1, argc - first - 1);
        if (code != EXIT_OK)
                return code;

        /* From here on a signal is caught: rsync gets it, then everything is undone (the
         * mapping, then a remote vault's sshfs mount), then main() re-raises it. */
        cli_signals_catch();
        code = prepare(&c);
        if (code == EXIT_OK)
                code = cli_signal_caught() ? EXIT_PARTIAL : open_and_mount(&c);
        if (code == EXIT_OK && !cli_signal_caught())
                code = copy(&c, argv + first + 1, argc - first - 1);
        int down = backup_teardown(&c);
        if (c.opened)
                /* The mapping stays (said above): a remote vault's connection is kept and watched
                 * as for open, until ykunlock close. */
                (void) cli_vault_ref_keep(&c.ref, c.map);
        vault_unref(TAKE_PTR(c.v));
        cli_vault_ref_done(&c.ref);
        cli_signals_release();
        if (code == EXIT_OK && down == EXIT_OK)
                cli_info("unmounted and closed %s", c.vault_name);
        return code != EXIT_OK ? code : down;
}
