/* ykunlock create IMAGE --size SIZE: a new LUKS2 vault with its recovery key (printed once, the
 * only thing on stdout), a file system, and the one present token enrolled. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/secret-input.h"
#include "cli/enroll-common.h"
#include "cli/exit-code.h"
#include "cli/progress.h"
#include "cli/run.h"
#include "cli/vault-common.h"
#include "shared/base64.h"
#include "shared/errors.h"
#include "shared/parse.h"

enum {
        OPT_SIZE = 0x100,
        OPT_FILL,
        OPT_FS,
        OPT_LABEL,
        OPT_NO_ENROLL,
};

struct create_args {
        struct cli_enroll_args e;
        const char *size_text, *label;
        uint64_t size;
        enum vault_fill fill;
        bool fs_ext4, no_enroll;
        char default_label[VAULT_LABEL_MAX + 1];
};

static int on_option(int id, const char *arg, void *userdata) {
        struct create_args *a = userdata;
        switch (id) {
        case OPT_SIZE:
                a->size_text = arg;
                if (parse_size(arg, &a->size) < 0)
                        return cli_usage_error("--size takes a size such as 64M, 500G or 2T, not '%s'", arg);
                return EXIT_OK;
        case OPT_FILL:
                if (strcmp(arg, "zero") == 0)
                        a->fill = VAULT_FILL_ZERO;
                else if (strcmp(arg, "random") == 0)
                        a->fill = VAULT_FILL_RANDOM;
                else
                        return cli_usage_error("--fill takes zero or random, not '%s'", arg);
                return EXIT_OK;
        case OPT_FS:
                if (strcmp(arg, "ext4") != 0 && strcmp(arg, "none") != 0)
                        return cli_usage_error("--fs takes ext4 or none, not '%s'", arg);
                a->fs_ext4 = strcmp(arg, "ext4") == 0;
                return EXIT_OK;
        case OPT_LABEL:
                a->label = arg;
                return EXIT_OK;
        case OPT_NO_ENROLL:
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
        if (strchr(a->label, '/'))
                return cli_usage_error("--label cannot contain '/': the label names the mapping /dev/mapper/LABEL");
        return EXIT_OK;
}

static int check_args(struct create_args *a, const char *image, const struct cli_global *g) {
        int code = cli_enroll_check(&a->e);
        if (code != EXIT_OK)
                return code;
        if (!a->size_text)
                return cli_usage_error("create needs --size (such as 64M or 500G)");
        if (a->size % VAULT_SECTOR_SIZE != 0)
                return cli_usage_error("--size must be a multiple of 4096 bytes");
        uint64_t min = g->header ? VAULT_MIN_SIZE_DETACHED : VAULT_MIN_SIZE;
        if (a->size < min)
                return cli_usage_error("--size must be at least %lluM%s", (unsigned long long) (min >> 20),
                                       g->header ? " with a detached header" : " (16 MiB go to the LUKS2 header)");
        if (a->no_enroll && (a->e.pin || a->e.pin_file || a->e.touch))
                return cli_usage_error("--no-enroll enrolls no token, so --pin, --pin-file and --touch do not apply");
        if (g->header && strcmp(g->header, image) == 0)
                return cli_usage_error("--header must be another file than the image");
        return check_label(a, image);
}

/* An existing file is refused before anything is asked or written. */
static int check_new_file(const char *path) {
        struct stat st;
        if (lstat(path, &st) < 0)
                return errno == ENOENT ? EXIT_OK : cli_usage_error("%s: %s", path, strerror(errno));
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

static int print_recovery_key(const struct secret *key, const char *image) {
        char b64[64];
        CLEANUP_ERASE(b64);
        base64_encode(key->data, key->len, b64);
        int r = cli_print_secret_line(b64);
        if (r < 0)
                return cli_error(-YK_ERR_IO, "cannot write the recovery key to standard output (%s): %s was created, but "
                                 "nobody saw its recovery key; remove it and create it again",
                                 cli_strerror(r), image);
        cli_info("above is the recovery key of %s, shown once: keep it offline, apart from the image; it opens the "
                 "vault without a token (echo KEY | base64 --decode | cryptsetup open --key-file=- %s NAME)",
                 image, image);
        return EXIT_OK;
}

static int create_vault(const struct create_args *a, const struct vault_location *loc, struct secret *ret_key) {
        struct progress pr;
        struct vault_create_params p = { .size = a->size, .fill = a->fill, .label = a->label };
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
                return cli_error(r, "%s exists and is not empty; refusing to overwrite it", loc->device);
        case ECANCELED:
                return cli_error(r, "interrupted; %s was removed again", loc->device);
        case ENOSPC:
                return cli_error(r, "no room for %s on its file system; nothing was left behind", loc->device);
        default:
                return cli_error(r, "cannot create %s: %s", loc->device, cli_strerror(r));
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
        cli_info("made an ext4 file system in %s", loc->device);
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
                         loc->device, loc->device);
        return code;
}

int verb_create(int argc, char **argv, struct cli_global *g) {
        static const struct verb self = {
                "create",
                "IMAGE --size SIZE [--fill zero|random] [--fs ext4|none] [--header FILE] [--label L]\n"
                "       [--no-enroll] [--slot 1|2] [--pin | --pin-file F|-]",
                "Create a LUKS2 vault in a new image file (sparse unless --fill) and print its recovery key\n"
                "once on stdout (the only thing there when stdout is not a terminal). The one token present is\n"
                "enrolled right away (several: --serial picks one; --no-enroll: none).\n\n"
                "  --size SIZE            such as 64M, 500G, 2T (binary units)\n"
                "  --fill zero|random     write the whole image now; random hides which blocks are used from\n"
                "                         whoever holds the image (zeros and sparse files show it)\n"
                "  --fs ext4|none         make an ext4 file system (default; needs device-mapper and root)\n"
                "  --header FILE          put the LUKS2 header in FILE: the image holds only ciphertext\n"
                "  --label L              the LUKS2 label and default mapping name (default: the file name)\n"
                "  --no-enroll            enroll no token\n" CLI_ENROLL_HELP,
                NULL
        };
        static const struct option options[] = {
                CLI_ENROLL_OPTIONS,
                { "size", required_argument, NULL, OPT_SIZE },
                { "fill", required_argument, NULL, OPT_FILL },
                { "fs", required_argument, NULL, OPT_FS },
                { "label", required_argument, NULL, OPT_LABEL },
                { "no-enroll", no_argument, NULL, OPT_NO_ENROLL },
                {},
        };
        struct create_args a = { .fs_ext4 = true, .fill = VAULT_FILL_SPARSE };
        cli_enroll_args_init(&a.e);
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, &self, options, on_option, &a, g, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        if (argc - first != 1)
                return cli_usage_error("create takes one IMAGE (see ykunlock create --help)");
        struct vault_location loc = cli_vault_location(argv[first], g);
        if ((code = check_args(&a, loc.device, g)) != EXIT_OK || (code = check_system(&a)) != EXIT_OK ||
            (code = check_new_file(loc.device)) != EXIT_OK || (loc.header && (code = check_new_file(loc.header)) != EXIT_OK))
                return code;
        cli_vault_verbose(g);

        _cleanup_(secret_clearp) struct secret pin = {}, key = {};
        struct yk_token t = {};
        if (!a.no_enroll && ((code = cli_enroll_read_pin(&a.e, &pin)) != EXIT_OK || (code = cli_enroll_pick(&a.e, g, &t)) != EXIT_OK))
                return code;

        code = create_vault(&a, &loc, &key);
        if (code != EXIT_OK)
                return code;
        code = print_recovery_key(&key, loc.device);
        if (code != EXIT_OK)
                return code;
        return after_create(&a, &loc, &key, &t, &pin, g);
}
