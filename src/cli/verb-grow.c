/* ykunlock grow VAULT --size NEW|+DELTA: the image first, the mapping second, the file system
 * last (docs/cli.md, "grow"). Each step leaves a vault that opens; a failure after the image
 * grew is exit 12, and running the same command again finishes the steps that are left. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/mount-holders.h"
#include "cli/remote-vault.h"
#include "cli/run.h"
#include "cli/signals.h"
#include "cli/table.h"
#include "cli/unlock-ask.h"
#include "cli/vault-args.h"
#include "cli/vault-common.h"
#include "shared/errors.h"
#include "shared/parse.h"

struct grow_args {
        const char *size_text, *pin_file;
        uint64_t size;
        bool plus;
        unsigned timeout;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct grow_args *a = userdata;
        switch (id) {
        case CLI_OPT_SIZE: {
                int r = parse_size_or_increment(arg, &a->size, &a->plus);
                if (r == -ERANGE)
                        return cli_usage_error("--size '%s' is too large", arg);
                if (r < 0)
                        return cli_usage_error("--size takes a new size such as 2G, or an increment such as +512M "
                                               "(powers of 1024; MB, GB: of 1000), not '%s'",
                                               arg);
                a->size_text = arg;
                return EXIT_OK;
        }
        case CLI_OPT_TIMEOUT:
                return cli_parse_timeout(arg, &a->timeout);
        case CLI_OPT_PIN_FILE:
                a->pin_file = arg;
                return EXIT_OK;
        }
        return EXIT_USAGE;
}

struct grow_ctx {
        const struct grow_args *a;
        const struct cli_global *g;
        struct vault_location loc;
        const char *given; /* the vault as typed (an ssh:// address for a remote one) */
        bool remote;
        struct vault *v;
        struct vault_info info;
        const char *vault_name;
        bool block;
        uint64_t old_size, new_size;
        char map[128], loop[80], dev[300]; /* loop: as struct vault_mapping's */
        bool temp_open; /* a closed vault, opened here for the file system */
        struct secret pin;
};

static void grow_ctx_clear(struct grow_ctx *c) {
        if (c->temp_open && vault_close(c->map) < 0)
                cli_info("could not close the temporary mapping %s (ykunlock close %s)", c->map, c->map);
        secret_clear(&c->pin);
        vault_info_free(&c->info);
        vault_unref(c->v);
}

static const char *size_str(uint64_t n, char *buf, size_t len) {
        if (n % (1u << 20) == 0)
                snprintf(buf, len, "%llu MiB", (unsigned long long) (n >> 20));
        else
                snprintf(buf, len, "%llu bytes", (unsigned long long) n);
        return buf;
}

/* The current size and the target; refuses to shrink (5) and a --size for a disk (1). */
static int plan(struct grow_ctx *c) {
        struct stat st;
        if (stat(c->loc.device, &st) < 0)
                return cli_file_error(-errno, "%s: %m", cli_shown(c->loc.device));
        c->block = S_ISBLK(st.st_mode);
        if (c->block && c->a->size_text)
                return cli_usage_error("--size does not apply to a block device: grow its partition, then run ykunlock "
                                       "grow %s without --size",
                                       cli_shown(c->loc.device));
        if (!c->block && !S_ISREG(st.st_mode))
                return cli_usage_error("%s is neither an image file nor a block device", cli_shown(c->loc.device));
        if (!c->block && !c->a->size_text)
                return cli_usage_error("grow needs --size NEW or +DELTA (such as 2G or +512M) for an image");
        if (c->block) {
                int r = vault_device_size(c->loc.device, &c->old_size);
                if (r < 0)
                        return cli_file_error(r, "cannot read the size of %s: %s", cli_shown(c->loc.device), cli_strerror(r));
                c->new_size = c->old_size;
                return EXIT_OK;
        }
        c->old_size = (uint64_t) st.st_size;
        uint64_t want = c->a->plus ? c->old_size + c->a->size : c->a->size;
        if (want < c->old_size && !c->a->plus)
                goto shrink;
        if (want < c->old_size || size_round_up(want, VAULT_SECTOR_SIZE, &c->new_size) < 0)
                return cli_usage_error("--size '%s' is too large", c->a->size_text);
        return EXIT_OK;
shrink: {
        char now[64], asked[64];
        return cli_error(-YK_ERR_REFUSED, "%s is %s; --size %s (%s) would shrink it, and grow never shrinks a vault; "
                                          "nothing was changed",
                         c->given, size_str(c->old_size, now, sizeof(now)), c->a->size_text,
                         size_str(want, asked, sizeof(asked)));
        }
}

/* A mapping with this vault's UUID on another file (a copy of the image) is refused: growing
 * one and resizing the other would be wrong, and opening this one too would be worse. */
static int check_copy_open(const struct grow_ctx *c) {
        struct vault_mapping m;
        /* A remote vault's open mapping reads the image through the sshfs mount of its `open`,
         * another file to stat() than the one mounted here: the UUID is what tells. */
        if (!c->remote && vault_find_mapping(c->info.uuid, c->loc.device, &m) == 0 && !m.same_device)
                return cli_error(-YK_ERR_REFUSED, "a vault with the UUID of %s is open as /dev/mapper/%s from another "
                                                  "file or device (a copy?); close it first; nothing was changed",
                                 cli_shown(c->loc.device), m.name);
        return EXIT_OK;
}

static int check_system(const struct grow_ctx *c) {
        if (!vault_have_device_mapper())
                return cli_error(-YK_ERR_NEEDS_DM, "growing a vault needs device-mapper, which this kernel does not "
                                                   "have; nothing was changed");
        if (geteuid() != 0)
                return cli_error(-YK_ERR_NEEDS_ROOT, "growing a vault needs root; nothing was changed");
        char path[256];
        if (cli_find_program("resize2fs", path, sizeof(path)) < 0 || cli_find_program("e2fsck", path, sizeof(path)) < 0)
                return cli_error(-YK_ERR_NEEDS_DM, "growing a vault needs resize2fs and e2fsck (e2fsprogs); nothing "
                                                     "was changed");
        (void) c;
        return EXIT_OK;
}

/* After the image grew: a later step failed, and the vault still opens. Running the same
 * command again with the size reached finishes the rest (each step is done again only if
 * needed). Exit 12. */
static int partly(const struct grow_ctx *c, const char *what, int r) {
        char again[32];
        if (c->new_size % (1u << 20) == 0)
                snprintf(again, sizeof(again), "%lluM", (unsigned long long) (c->new_size >> 20));
        else
                snprintf(again, sizeof(again), "%llu", (unsigned long long) c->new_size);
        cli_error(r, "%s; %s still opens as before; ykunlock grow %s%s%s finishes the rest", what, c->vault_name,
                  c->given, c->block ? "" : " --size ", c->block ? "" : again);
        return EXIT_PARTIAL;
}

static struct vault_tokens_ctx tokens_ctx(const struct grow_ctx *c, struct cli_ask *ask_state, struct vault_ask *ask) {
        struct vault_tokens_ctx ctx = cli_tokens_ctx(c->g, /* with_serial= */ true, /* touch= */ true);
        *ask_state = (struct cli_ask) { .vault_name = c->vault_name, .say_no_token = true, .batch = c->g->batch };
        *ask = cli_vault_ask(ask_state);
        ctx.ask = ask;
        return ctx;
}

/* The loop device under the mapping learns the file's new size; through a network file
 * system (sshfs caches a file's attributes for a while) that may take a few tries. -EAGAIN
 * when it still has another size after LOOP_REFRESH_TRIES seconds. */
#define LOOP_REFRESH_TRIES 10
static int refresh_loop(const struct grow_ctx *c) {
        for (unsigned i = 0;; i++) {
                int r = vault_loop_refresh(c->loop);
                if (r < 0)
                        return r;
                uint64_t size;
                r = vault_device_size(c->loop, &size);
                if (r < 0)
                        return r;
                if (size >= c->new_size)
                        return 0;
                if (i + 1 == LOOP_REFRESH_TRIES)
                        return -EAGAIN;
                sleep(1);
        }
}

/* The open mapping, resized to its grown data device (the key from the chain when it is kept in
 * the kernel keyring). */
static int resize_mapping(struct grow_ctx *c) {
        char msg[512];
        if (c->loop[0]) {
                int r = refresh_loop(c);
                if (r < 0) {
                        snprintf(msg, sizeof(msg), "cannot tell %s that %s grew: %s", c->loop, cli_shown(c->loc.device),
                                 cli_strerror(r));
                        return partly(c, msg, r);
                }
        }
        struct cli_ask ask_state;
        struct vault_ask ask;
        struct vault_tokens_ctx ctx = tokens_ctx(c, &ask_state, &ask);
        int r = vault_resize_mapping(c->map, c->loc.header, &ctx, c->a->timeout, c->pin.data ? &c->pin : NULL, NULL);
        if (r < 0) {
                snprintf(msg, sizeof(msg), "the open mapping %s could not be resized: %s", c->map, cli_strerror(r));
                return partly(c, msg, r);
        }
        cli_info("resized the mapping %s", c->map);
        return EXIT_OK;
}

/* A closed vault: opened here under a name of ours, for e2fsck and resize2fs, closed at the end. */
static int open_temp(struct grow_ctx *c) {
        snprintf(c->map, sizeof(c->map), "ykunlock-grow-%ld", (long) getpid());
        struct cli_ask ask_state;
        struct vault_ask ask;
        struct vault_tokens_ctx ctx = tokens_ctx(c, &ask_state, &ask);
        struct vault_open_params p = { .name = c->map, .timeout_s = c->a->timeout, .pin = c->pin.data ? &c->pin : NULL };
        struct vault_open_result res;
        int r = vault_open_loaded(c->v, &ctx, &p, &res);
        if (r < 0) {
                char msg[512];
                snprintf(msg, sizeof(msg), "cannot open %s to grow its file system: %s", c->vault_name,
                         cli_strerror(r));
                return partly(c, msg, r);
        }
        c->temp_open = true;
        return EXIT_OK;
}

/* ext2/3/4: the superblock's magic 0xEF53 at byte 1080. */
static bool is_ext(const char *dev) {
        int fd = open(dev, O_RDONLY | O_CLOEXEC);
        unsigned char m[2];
        bool ok = fd >= 0 && pread(fd, m, 2, 1080) == 2 && m[0] == 0x53 && m[1] == 0xEF;
        if (fd >= 0)
                close(fd);
        return ok;
}

static int grow_fs(struct grow_ctx *c) {
        if (!is_ext(c->dev)) {
                cli_info("%s holds no ext2/3/4 file system: grow what it holds yourself", c->dev);
                return EXIT_OK;
        }
        char msg[512];
        bool mounted = mount_is_mounted(c->dev);
        if (!mounted) {
                const char *fsck[] = { "e2fsck", "-f", "-p", "--", c->dev, NULL };
                int r = cli_run(fsck);
                if (r < 0 || r > 1) { /* 1: errors corrected */
                        snprintf(msg, sizeof(msg), "e2fsck -f -p %s failed (%s %d), so its file system was not grown",
                                 c->dev, r < 0 ? "error" : "exit status", r);
                        return partly(c, msg, r);
                }
        }
        const char *resize[] = { "resize2fs", "--", c->dev, NULL };
        int r = cli_run(resize);
        if (r != 0) {
                snprintf(msg, sizeof(msg), "resize2fs %s failed (%s %d)", c->dev, r < 0 ? "error" : "exit status", r);
                return partly(c, msg, r);
        }
        cli_info("grew the file system on %s (%s)", c->dev, mounted ? "online, mounted" : "offline");
        return EXIT_OK;
}

static int run_steps(struct grow_ctx *c) {
        char a[64], b[64], backing[PATH_MAX];
        struct vault_mapping m;
        int r = vault_find_mapping(c->info.uuid, c->loc.device, &m);
        if (r < 0 && r != -ENOENT)
                return cli_error(r, "cannot tell whether %s is open: %s; nothing was changed", c->vault_name,
                                 cli_strerror(r));
        /* An open vault's image is grown through the path its loop device reads (for a remote
         * vault: the mount of the open mapping, not the one made here), so that the loop device
         * sees the new size at once. */
        const char *file = c->loc.device;
        if (r == 0 && m.loop[0] && vault_loop_backing_file(m.loop, backing, sizeof(backing)) == 0)
                file = backing;
        if (c->new_size > c->old_size) {
                int g = vault_grow_file(file, c->new_size);
                if (g < 0)
                        return cli_file_error(g, "cannot grow %s to %s: %s; it is as it was", c->given,
                                              size_str(c->new_size, a, sizeof(a)), cli_strerror(g));
                cli_info("grew %s from %s to %s", c->given, size_str(c->old_size, a, sizeof(a)),
                         size_str(c->new_size, b, sizeof(b)));
        }
        if (r == 0) {
                snprintf(c->map, sizeof(c->map), "%s", m.name);
                snprintf(c->loop, sizeof(c->loop), "%s", m.loop);
        }
        int code;
        if (r == 0)
                code = resize_mapping(c);
        else
                code = open_temp(c);
        if (code != EXIT_OK)
                return code;
        if (cli_mapper_path(c->map, c->dev, sizeof(c->dev)) < 0)
                return partly(c, "the mapping's name is too long", -ENAMETOOLONG);
        code = grow_fs(c);
        if (c->temp_open) {
                r = vault_close(c->map);
                if (r < 0 && code == EXIT_OK) {
                        cli_error(r, "%s grew, but the mapping %s could not be closed: %s (ykunlock close %s)",
                                  c->vault_name, c->map, cli_strerror(r), c->map);
                        return EXIT_PARTIAL;
                }
                c->temp_open = r < 0;
        }
        if (code == EXIT_OK)
                cli_info("%s is now %s%s", c->vault_name, size_str(c->new_size, a, sizeof(a)),
                         c->temp_open ? " (opened and closed again for its file system)" : "");
        return code;
}

int verb_grow(int argc, char **argv, struct cli_global *g) {
        struct grow_args a = { .timeout = YK_TIMEOUT_DEFAULT_S };
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        cli_vault_verbose(g);

        /* Declared first, so released last: a remote vault's mount outlives the mapping opened
         * here for its file system. */
        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ true, &ref);
        _cleanup_(grow_ctx_clear) struct grow_ctx c = { .a = &a, .g = g, .loc = ref.loc, .given = ref.given,
                                                        .remote = ref.remote };
        if (code == EXIT_OK && ref.remote)
                code = check_system(&c); /* mounting needs root */
        if (code == EXIT_OK)
                code = cli_vault_ref_mount(&ref, g, REMOTE_CONNECT_S);
        if (code != EXIT_OK)
                return code;
        c.loc = ref.loc;
        code = cli_vault_load(&c.loc, &c.v, &c.info);
        if (code != EXIT_OK)
                return code;
        struct vault_location given = { .device = ref.given };
        c.vault_name = cli_vault_name(&c.info, &given);
        code = plan(&c);
        if (code == EXIT_OK)
                code = check_system(&c);
        if (code == EXIT_OK)
                code = check_copy_open(&c);
        if (code == EXIT_OK && a.pin_file)
                code = cli_read_pin(a.pin_file, &c.pin);
        if (code != EXIT_OK)
                return code;
        /* A signal while the vault is opened here closes it again (grow_ctx_clear), then
         * main() re-raises it. */
        cli_signals_catch();
        code = run_steps(&c);
        cli_signals_release();
        return code;
}
