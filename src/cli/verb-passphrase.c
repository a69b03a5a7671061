/* ykunlock passphrase DEVICE: the keyslot passphrase of a present enrolled token, checked
 * against its keyslot, as 32 raw bytes on stdout. The boot scripts pipe it into cryptsetup's
 * askpass FIFO or systemd-reply-password (docs/boot.md). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/remote-vault.h"
#include "cli/table.h"
#include "cli/vault-args.h"
#include "cli/vault-common.h"
#include "shared/errors.h"
#include "shared/parse.h"
#include "shared/sizes.h"

struct passphrase_args {
        const char *pin_file, *output, *secret_file;
        unsigned timeout;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct passphrase_args *a = userdata;
        switch (id) {
        case CLI_OPT_TIMEOUT:
                return cli_parse_timeout(arg, &a->timeout);
        case CLI_OPT_PIN_FILE:
                a->pin_file = arg;
                return EXIT_OK;
        case CLI_OPT_OUTPUT:
                a->output = arg;
                return EXIT_OK;
        case CLI_OPT_SECRET_FILE:
                a->secret_file = arg;
                return EXIT_OK;
        }
        return EXIT_USAGE;
}

struct passphrase_ctx {
        const struct vault_info *info;
        const char *vault_name;
};

static void say_insert(void *userdata, const char *label, const uint32_t *serials, size_t n, bool unknown) {
        const struct passphrase_ctx *c = userdata;
        char list[512];
        (void) label, (void) serials, (void) n, (void) unknown;
        cli_enrolled_serials(c->info, list, sizeof(list));
        fprintf(stderr, "Insert a token enrolled in %s (%s)…\n", c->vault_name, list);
}

static int token_error(const struct passphrase_ctx *c, int r) {
        switch (-r) {
        case YK_ERR_AUTH:
                return cli_error(r, "the token's response does not open its keyslot in %s (another secret in its "
                                    "slot?); nothing was written",
                                 c->vault_name);
        case YK_ERR_PIN:
                return cli_error(r, "the token enrolled in %s needs its PIN (--pin-file), or the PIN was wrong",
                                 c->vault_name);
        case YK_ERR_NO_TOKEN:
                return cli_error(r, "no token enrolled in %s is present", c->vault_name);
        case YK_ERR_NO_TOUCH:
                return cli_error(r, "touch was not received; nothing was written");
        default:
                return cli_error(r, "cannot derive the passphrase of %s: %s", c->vault_name, cli_strerror(r));
        }
}

/* --output: opened only now that the passphrase is checked, so that the reader of a FIFO (askpass)
 * never sees an empty answer from a failure. Non-blocking: a FIFO nobody reads any more (the
 * prompt was answered) fails with ENXIO instead of hanging. */
static int open_output(const char *path) {
        int fd = open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (isatty(fd)) {
                close(fd);
                return -ENOTTY;
        }
        return fd;
}

/* All of it with write(2): stdio could keep a copy in its buffer. */
static int write_all(int fd, const uint8_t *p, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Writes the checked bytes to --output or stdout. */
static int emit(const struct passphrase_args *a, const struct secret *passphrase) {
        int fd = a->output ? open_output(a->output) : STDOUT_FILENO;
        if (fd == -ENOTTY)
                return cli_usage_error("--output %s is a terminal; nothing was written", a->output);
        if (fd < 0)
                return cli_error(fd, "cannot open %s: %s", a->output, cli_strerror(fd));
        int r = write_all(fd, passphrase->data, passphrase->len);
        if (a->output)
                close(fd);
        if (r < 0)
                return cli_error(r, "cannot write the passphrase: %s", cli_strerror(r));
        return EXIT_OK;
}

/* --secret-file: what was typed at a boot prompt, the recovery key or a passphrase; written as
 * the bytes its keyslot takes (the recovery key's canonical text, or an older key's decoded
 * base64) once one opens. */
static int check_typed(const struct passphrase_args *a, const struct vault_location *loc,
                       const struct passphrase_ctx *c) {
        _cleanup_(secret_clearp) struct secret text = {}, key = {};
        int code = cli_read_passphrase(a->secret_file, &text);
        if (code != EXIT_OK)
                return code;
        while (text.len > 0 && (text.data[text.len - 1] == '\n' || text.data[text.len - 1] == '\r'))
                text.len--; /* typed lines; a passphrase never ends in a newline here */
        struct vault_open_params p = {};
        struct vault_open_result res;
        if (cli_decode_recovery_key(&text, &key)) {
                struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &key };
                if (vault_open_with_secret(loc, &auth, &p, &res) == 0)
                        return emit(a, &key);
        }
        struct vault_auth auth = { .kind = VAULT_AUTH_PASSPHRASE, .secret = &text };
        int r = vault_open_with_secret(loc, &auth, &p, &res);
        if (r == -YK_ERR_AUTH)
                return cli_error(r, "neither the recovery key nor a passphrase of %s; nothing was written", c->vault_name);
        if (r < 0)
                return cli_error(r, "cannot check the secret for %s: %s", c->vault_name, cli_strerror(r));
        return emit(a, &text);
}

static int derive_and_write(const struct passphrase_args *a, struct cli_global *g, struct vault *v,
                            const struct passphrase_ctx *c) {
        _cleanup_(secret_clearp) struct secret pin = {}, passphrase = {};
        if (a->pin_file) {
                int code = cli_read_pin(a->pin_file, &pin);
                if (code != EXIT_OK)
                        return code;
        }
        struct vault_tokens_ctx ctx = cli_tokens_ctx(g, /* with_serial= */ true, cli_vault_any_touch(c->info));
        struct vault_insert_prompt insert = { .insert = say_insert, .userdata = (void *) c };
        ctx.insert = &insert;
        int keyslot = -1;
        int r = vault_boot_passphrase(v, &ctx, a->timeout, pin.data ? &pin : NULL, &passphrase, &keyslot);
        if (r < 0)
                return token_error(c, r);
        cli_debug(g, "the token's passphrase opens keyslot %d", keyslot);
        return emit(a, &passphrase);
}

int verb_passphrase(int argc, char **argv, struct cli_global *g) {
        struct passphrase_args a = { .timeout = YK_TIMEOUT_DEFAULT_S };
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        if (a.pin_file && a.secret_file)
                return cli_usage_error("--pin-file is for a token; --secret-file checks a typed secret without one");
        if (!a.output && isatty(STDOUT_FILENO))
                return cli_usage_error("standard output is a terminal: the passphrase is 32 binary bytes for a pipe "
                                       "(e.g. | cryptsetup open --key-file=- ...)");
        cli_vault_verbose(g);

        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ false, &ref);
        if (code != EXIT_OK)
                return code;
        struct vault_location loc = ref.loc;
        _cleanup_(vault_info_free) struct vault_info info = {};
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        code = cli_vault_load(&loc, &v, &info);
        if (code != EXIT_OK)
                return code;
        struct passphrase_ctx c = { .info = &info, .vault_name = cli_vault_name(&info, &loc) };
        if (a.secret_file)
                return check_typed(&a, &loc, &c);
        return derive_and_write(&a, g, v, &c);
}
