/* ykunlock create IMAGE --size SIZE: a new LUKS2 vault with its recovery key (printed once, the
 * only thing on stdout), a file system, and the one present token enrolled. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/confirm.h"
#include "cli/secret-input.h"
#include "cli/enroll-common.h"
#include "cli/exit-code.h"
#include "cli/progress.h"
#include "cli/remote-vault.h"
#include "cli/run.h"
#include "cli/table.h"
#include "cli/vault-common.h"
#include "shared/errors.h"
#include "shared/parse.h"

struct create_args {
        struct cli_enroll_args e;
        const char *size_text, *label;
        uint64_t size;
        enum vault_fill fill;
        bool fs_ext4, no_enroll;
        bool block; /* IMAGE is a block device: formatted whole, after a confirmation */
        char default_label[VAULT_LABEL_MAX + 1];
};

static int parse_size_arg(struct create_args *a, const char *arg) {
        uint64_t size;
        int r = parse_size(arg, &size);
        if (r == -ERANGE)
                return cli_usage_error("--size '%s' is too large", arg);
        if (r < 0)
                return cli_usage_error("--size takes a size such as 64M, 500G, 2T (powers of 1024) or 100MB "
                                       "(powers of 1000), not '%s'",
                                       arg);
        uint64_t rounded;
        if (size_round_up(size, VAULT_SECTOR_SIZE, &rounded) < 0)
                return cli_usage_error("--size '%s' is too large", arg);
        if (rounded != size)
                cli_info("--size %s is not a multiple of %d bytes: rounded up to %llu bytes", arg, VAULT_SECTOR_SIZE,
                         (unsigned long long) rounded);
        a->size_text = arg;
        a->size = rounded;
        return EXIT_OK;
}

static int on_option(int id, const char *arg, void *userdata) {
        struct create_args *a = userdata;
        switch (id) {
        case CLI_OPT_SIZE:
                return parse_size_arg(a, arg);
        case CLI_OPT_FILL:
                if (strcmp(arg, "zero") == 0)
                        a->fill = VAULT_FILL_ZERO;
                else if (strcmp(arg, "random") == 0)
                        a->fill = VAULT_FILL_RANDOM;
                else
                        return cli_usage_error("--fill takes zero or random, not '%s'", arg);
                return EXIT_OK;
        case CLI_OPT_FS:
                if (strcmp(arg, "ext4") != 0 && strcmp(arg, "none") != 0)
                        return cli_usage_error("--fs takes ext4 or none, not '%s'", arg);
                a->fs_ext4 = strcmp(arg, "ext4") == 0;
                return EXIT_OK;
        case CLI_OPT_LABEL:
                a->label = arg;
                return EXIT_OK;
        case CLI_OPT_NO_ENROLL:
                a->no_enroll = true;
                return EXIT_OK;
        }
        return cli_enroll_option(&a->e, id, arg);
}

static int check_label(struct create_args *a, const char *image) {
        if (!a->label) {
                char copy[4096];
                snprintf(copy, sizeof(copy), "%s", image);
                const char *base = basename(copy);
                if (strlen(base) > VAULT_LABEL_MAX)
                        return cli_usage_error("the file name %s is longer than %d bytes, too long for a LUKS2 label: "
                                               "give --label",
                                               base, VAULT_LABEL_MAX);
                snprintf(a->default_label, sizeof(a->default_label), "%s", base);
                a->label = a->default_label;
        }
        if (!a->label[0] || strlen(a->label) > VAULT_LABEL_MAX)
                return cli_usage_error("--label takes 1 to %d bytes", VAULT_LABEL_MAX);
        if (cli_has_control(a->label))
                return cli_usage_error("%s cannot contain control characters; nothing was created",
                                       a->label == a->default_label ? "the label (the file name, by default)" : "--label");
        if (strchr(a->label, '/'))
                return cli_usage_error("--label cannot contain '/': the label names the mapping /dev/mapper/LABEL");
        return EXIT_OK;
}

static int check_args(struct create_args *a, const char *image, const struct cli_global *g) {
        int code = cli_enroll_check(&a->e);
        if (code != EXIT_OK)
                return code;
        if (a->block && a->size_text)
                return cli_usage_error("--size does not apply to a block device: the whole of %s is formatted", image);
        if (a->block && g->header)
                return cli_usage_error("--header with a block device is not supported; nothing was written");
        if (!a->block && !a->size_text)
                return cli_usage_error("create needs --size (such as 64M or 500G)");
        uint64_t min = g->header ? VAULT_MIN_SIZE_DETACHED : VAULT_MIN_SIZE;
        if (!a->block && a->size < min)
                return cli_usage_error("--size must be at least %lluM%s", (unsigned long long) (min >> 20),
                                       g->header ? " with a detached header" : " (16 MiB go to the LUKS2 header)");
        if (a->no_enroll && (a->e.pin || a->e.pin_file || a->e.touch))
                return cli_usage_error("--no-enroll enrolls no token, so --pin, --pin-file and --touch do not apply");
        if (g->header && strcmp(g->header, image) == 0)
                return cli_usage_error("--header must be another file than the image");
        return check_label(a, image);
}

/* The directory a new file goes in must be there: "create" makes no directories. */
static int check_directory(const char *path) {
        char copy[4096];
        snprintf(copy, sizeof(copy), "%s", path);
        const char *dir = dirname(copy);
        struct stat st;
        if (stat(dir, &st) < 0 && errno == ENOENT)
                return cli_usage_error("%s: the directory %s does not exist; nothing was created", path, dir);
        if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
                return cli_usage_error("%s: %s is not a directory; nothing was created", path, dir);
        return EXIT_OK;
}

/* An existing file is refused before anything is asked or written; *ret_existed: an empty file
 * was there (undo empties it again instead of removing it). */
static int check_new_file(const char *path, bool *ret_existed) {
        struct stat st;
        *ret_existed = false;
        if (lstat(path, &st) < 0) {
                if (errno == ENOENT)
                        return check_directory(path);
                return cli_file_error(-errno, "%s: %s", path, strerror(errno));
        }
        *ret_existed = true;
        if (!S_ISREG(st.st_mode))
                return cli_usage_error("%s exists and is not a regular file", path);
        if (st.st_size > 0)
                return cli_error(-YK_ERR_REFUSED, "%s exists and is not empty; refusing to overwrite it", path);
        return EXIT_OK;
}

/* --fs ext4 opens the new vault: that needs device-mapper, root and mkfs.ext4. */
static int check_system(const struct create_args *a) {
        if (!a->fs_ext4)
                return EXIT_OK;
        if (!vault_have_device_mapper())
                return cli_error(-YK_ERR_NEEDS_DM,
                                 "--fs ext4 needs device-mapper to open the new vault, and this kernel does not have "
                                 "it; nothing was created (--fs none creates the vault without a file system)");
        if (geteuid() != 0)
                return cli_error(-YK_ERR_NEEDS_ROOT, "--fs ext4 needs root to open the new vault; nothing was created "
                                                     "(--fs none creates the vault without a file system)");
        char path[256];
        if (cli_find_program("mkfs.ext4", path, sizeof(path)) < 0)
                return cli_error(-YK_ERR_NEEDS_DM, "--fs ext4 needs mkfs.ext4 (Debian: e2fsprogs); nothing was created");
        return EXIT_OK;
}

/* What create made, undone when the recovery key could not be shown: files it created are
 * removed, empty files that were there are emptied again. */
struct made_files {
        const struct vault_location *loc;
        bool image_existed, header_existed;
        bool block; /* the image is a block device: its header area is wiped, it is not removed */
};

static void undo_file(const char *path, bool existed) {
        if (!path)
                return;
        if (!existed)
                (void) unlink(path);
        else if (truncate(path, 0) < 0) {
                /* the error about the recovery key is the one to report */
        }
}

static int print_recovery_key(const struct secret *key, const struct made_files *made) {
        const struct vault_location *loc = made->loc;
        int r = cli_show_recovery_key(key);
        if (r < 0 && made->block) {
                int w = vault_wipe_created(loc);
                if (w < 0)
                        return cli_error(-YK_ERR_IO, "cannot write the recovery key to standard output (%s), and wiping "
                                         "the new LUKS2 header of %s failed (%s): it holds a vault nobody can open",
                                         cli_strerror(r), cli_shown(loc->device), cli_strerror(w));
                return cli_error(-YK_ERR_IO, "cannot write the recovery key to standard output (%s); nobody saw it, so "
                                 "the LUKS2 header written on %s was wiped again",
                                 cli_strerror(r), cli_shown(loc->device));
        }
        if (r < 0) {
                undo_file(loc->device, made->image_existed);
                undo_file(loc->header, made->header_existed);
                return cli_error(-YK_ERR_IO, "cannot write the recovery key to standard output (%s); nobody saw it, so "
                                 "%s was removed again: nothing was left behind",
                                 cli_strerror(r), cli_shown(loc->device));
        }
        const char *shown = cli_shown(loc->device);
        if (shown != loc->device) {
                /* A remote image: its path here is a temporary mount's, gone when create ends. */
                cli_info("above is the recovery key of %s, shown once: keep it offline, apart from the image; it opens "
                         "the vault without a token, typed at any passphrase prompt as it is (ykunlock open %s NAME "
                         "--recovery-key-file -)",
                         shown, shown);
                return EXIT_OK;
        }
        cli_info("above is the recovery key of %s, shown once: keep it offline, apart from the image; it opens the "
                 "vault without a token, typed at any passphrase prompt as it is (cryptsetup open "
                 "--disable-external-tokens %s%s%s%s NAME)",
                 shown, loc->header ? "--header " : "", loc->header ? loc->header : "", loc->header ? " " : "",
                 loc->device);
        return EXIT_OK;
}

static bool loc_not_mine(const struct vault_location *loc) {
        struct stat st;
        return (loc->header && stat(loc->header, &st) == 0 && st.st_uid != geteuid()) ||
               (stat(loc->device, &st) == 0 && st.st_uid != geteuid());
}

/* Which of the two paths is a file of another user. */
static const char *not_mine(const struct vault_location *loc) {
        struct stat st;
        if (loc->header && stat(loc->header, &st) == 0 && st.st_uid != geteuid())
                return loc->header;
        return loc->device;
}

/* cryptsetup's rule for a device: say what is lost, and ask. */
static int confirm_block(const struct vault_location *loc, const struct cli_global *g) {
        uint64_t size = 0;
        int r = vault_device_size(loc->device, &size);
        if (r < 0)
                return cli_file_error(r, "%s: %s; nothing was written", cli_shown(loc->device), cli_strerror(r));
        cli_info("create formats the block device %s (%llu MiB): everything on it is lost", cli_shown(loc->device),
                 (unsigned long long) (size >> 20));
        return cli_confirm(g, "nothing was written");
}

static int create_vault(const struct create_args *a, const struct vault_location *loc, struct secret *ret_key) {
        struct progress pr;
        struct vault_create_params p = { .size = a->block ? 0 : a->size, .fill = a->fill, .label = a->label,
                                         .block_device = a->block };
        if (a->fill != VAULT_FILL_SPARSE) {
                progress_begin(&pr, a->fill == VAULT_FILL_RANDOM ? "writing random data" : "writing zeros");
                p.progress = progress_update;
                p.progress_userdata = &pr;
        }
        int r = vault_create(loc, &p, ret_key);
        if (a->fill != VAULT_FILL_SPARSE)
                progress_end(&pr);
        switch (-r) {
        case 0:
                return EXIT_OK;
        case YK_ERR_REFUSED:
                return cli_error(r, "%s exists and is not empty; refusing to overwrite it", cli_shown(loc->device));
        case EBUSY:
                return cli_error(r, "%s is in use (mounted, open as a mapping, or held by another program); nothing was "
                                 "written",
                                 cli_shown(loc->device));
        case EFBIG:
                return cli_usage_error("%s is smaller than %u MiB, too small for a vault; nothing was written",
                                       cli_shown(loc->device), VAULT_MIN_SIZE >> 20);
        case EACCES:
                if (loc_not_mine(loc))
                        return cli_file_error(r, "%s is an empty file of another user; create makes a vault only in a file of its "
                                    "own (remove it, or let create make it); nothing was changed",
                                 not_mine(loc));
                return cli_file_error(r, "cannot create %s: permission denied", cli_shown(loc->device));
        case EINVAL:
                if (loc->header) /* the parameters were checked: the image came back as the header */
                        return cli_same_file_error(loc);
                return cli_error(r, "cannot create %s: %s", cli_shown(loc->device), cli_strerror(r));
        case ECANCELED:
                return cli_error(r, "interrupted; %s was removed again", cli_shown(loc->device));
        case ENOSPC:
                return cli_error(r, "no room for %s on its file system; nothing was left behind", cli_shown(loc->device));
        case ENOENT:
                return cli_usage_error("cannot create %s: its directory does not exist", cli_shown(loc->device));
        case EPERM:
                return cli_file_error(r, "cannot create %s: permission denied", cli_shown(loc->device));
        default:
                return cli_error(r, "cannot create %s: %s", cli_shown(loc->device), cli_strerror(r));
        }
}

/* Opens the new vault with its recovery key, runs mkfs.ext4 on it, and closes it. */
static int make_fs(const struct create_args *a, const struct vault_location *loc, const struct secret *key) {
        char name[64], dev[128];
        snprintf(name, sizeof(name), "ykunlock-create-%ld", (long) getpid());
        (void) cli_mapper_path(name, dev, sizeof(dev));
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = key };
        struct vault_open_params p = { .name = name };
        struct vault_open_result res;
        int r = vault_open_with_secret(loc, &auth, &p, &res);
        if (r < 0)
                return cli_error(r, "cannot open the new vault to make its file system: %s", cli_strerror(r));
        /* An ext4 label holds 16 bytes; a longer one is left out rather than cut. */
        const char *with_label[] = { "mkfs.ext4", "-q", "-L", a->label, "--", dev, NULL };
        const char *without[] = { "mkfs.ext4", "-q", "--", dev, NULL };
        r = cli_run(strlen(a->label) <= 16 ? with_label : without);
        int c = vault_close(name);
        if (r != 0)
                return cli_error(-EIO, "mkfs.ext4 failed on the new vault (%s %d)", r < 0 ? "error" : "exit status", r);
        if (c < 0)
                return cli_error(c, "cannot close %s after mkfs.ext4: %s", name, cli_strerror(c));
        cli_info("made an ext4 file system in %s", cli_shown(loc->device));
        return EXIT_OK;
}

static int after_create(const struct create_args *a, const struct vault_location *loc, const struct secret *key,
                        const struct yk_token *t, const struct secret *pin, const struct cli_global *g) {
        int code = a->fs_ext4 ? make_fs(a, loc, key) : EXIT_OK;
        if (code == EXIT_OK && !a->no_enroll) {
                struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = key };
                struct vault_info info = {};
                snprintf(info.label, sizeof(info.label), "%s", a->label);
                code = cli_enroll_run(loc, /* v= */ NULL, &info, g, &auth, &a->e, t, pin, /* replace= */ false);
        }
        if (code != EXIT_OK)
                cli_info("%s was created, and the recovery key above opens it; ykunlock enroll %s "
                         "--recovery-key-file - enrolls a token later",
                         cli_shown(loc->device), cli_shown(loc->device));
        return code;
}

int verb_create(int argc, char **argv, struct cli_global *g) {
        struct create_args a = { .fs_ext4 = true, .fill = VAULT_FILL_SPARSE };
        cli_enroll_args_init(&a.e);
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        /* A remote image is checked first and mounted only once the arguments are good. */
        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ true, &ref);
        if (code != EXIT_OK)
                return code;
        struct stat st;
        a.block = !ref.remote && lstat(ref.loc.device, &st) == 0 && S_ISBLK(st.st_mode);
        if ((code = check_args(&a, ref.given, g)) != EXIT_OK || (code = check_system(&a)) != EXIT_OK ||
            (code = cli_vault_ref_mount(&ref, g, REMOTE_CONNECT_S)) != EXIT_OK)
                return code;
        struct vault_location loc = ref.loc;
        struct made_files made = { .loc = &loc, .block = a.block };
        if ((!a.block && (code = check_new_file(loc.device, &made.image_existed)) != EXIT_OK) ||
            (loc.header && (code = check_new_file(loc.header, &made.header_existed)) != EXIT_OK))
                return code;
        cli_vault_verbose(g);

        _cleanup_(secret_clearp) struct secret pin = {}, key = {};
        struct yk_token t = {};
        if (!a.no_enroll && ((code = cli_enroll_read_pin(&a.e, &pin)) != EXIT_OK || (code = cli_enroll_pick(&a.e, g, &t)) != EXIT_OK))
                return code;

        if (a.block && (code = confirm_block(&loc, g)) != EXIT_OK)
                return code;
        code = create_vault(&a, &loc, &key);
        if (code != EXIT_OK)
                return code;
        code = print_recovery_key(&key, &made);
        if (code != EXIT_OK)
                return code;
        return after_create(&a, &loc, &key, &t, &pin, g);
}
