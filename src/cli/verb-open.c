/* ykunlock open DEVICE [NAME]: with a present enrolled token (one keyslot, one KDF run), or the
 * recovery key or a passphrase; --test checks without a mapping; --mount mounts it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/prompt.h"
#include "cli/remote-vault.h"
#include "cli/run.h"
#include "cli/unlock-ask.h"
#include "cli/table.h"
#include "cli/vault-args.h"
#include "cli/vault-common.h"
#include "shared/errors.h"
#include "shared/parse.h"

struct open_args {
        const char *mount, *pin_file, *recovery_key_file, *passphrase_file;
        bool test, readonly;
        unsigned timeout;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct open_args *a = userdata;
        switch (id) {
        case CLI_OPT_MOUNT:
                a->mount = arg;
                return EXIT_OK;
        case CLI_OPT_TEST:
                a->test = true;
                return EXIT_OK;
        case CLI_OPT_READONLY:
                a->readonly = true;
                return EXIT_OK;
        case CLI_OPT_TIMEOUT:
                return cli_parse_timeout(arg, &a->timeout);
        case CLI_OPT_PIN_FILE:
                a->pin_file = arg;
                return EXIT_OK;
        case CLI_OPT_RECOVERY_KEY_FILE:
                a->recovery_key_file = arg;
                return EXIT_OK;
        case CLI_OPT_PASSPHRASE_FILE:
                a->passphrase_file = arg;
                return EXIT_OK;
        }
        return EXIT_USAGE;
}

static int check_args(const struct open_args *a) {
        if (a->recovery_key_file && a->passphrase_file)
                return cli_usage_error("--recovery-key-file and --passphrase-file exclude each other");
        if (a->pin_file && (a->recovery_key_file || a->passphrase_file))
                return cli_usage_error("--pin-file is for a token; it does not go with --%s",
                                       a->recovery_key_file ? "recovery-key-file" : "passphrase-file");
        if (a->test && a->mount)
                return cli_usage_error("--test creates no mapping, so there is nothing to --mount");
        const char *paths[] = { a->pin_file, a->recovery_key_file, a->passphrase_file };
        const char *names[] = { "--pin-file", "--recovery-key-file", "--passphrase-file" };
        return cli_check_one_stdin(paths, names, 3);
}

/* Activation needs device-mapper and root: refuse before a token is asked anything. */
static int check_system(const struct open_args *a) {
        if (a->test)
                return EXIT_OK;
        if (!vault_have_device_mapper())
                return cli_error(-YK_ERR_NEEDS_DM, "opening a vault needs device-mapper, which this kernel does not "
                                                   "have (--test checks that it opens without a mapping)");
        if (geteuid() != 0)
                return cli_error(-YK_ERR_NEEDS_ROOT, "opening a vault needs root (--test checks that it opens without "
                                                     "a mapping)");
        if (a->mount && access(a->mount, F_OK) < 0)
                return cli_usage_error("--mount %s: no such directory", a->mount);
        return EXIT_OK;
}

struct open_ctx {
        const struct open_args *a;
        const struct cli_global *g;
        struct vault_location loc;
        struct cli_vault_ref *ref; /* a remote vault's mount */
        struct vault *v;
        const struct vault_info *info;
        const char *vault_name; /* for messages */
        const char *map_name;   /* NULL with --test */
        struct secret pin, secret;
};

static void open_ctx_clear(struct open_ctx *c) {
        secret_clear(&c->pin);
        secret_clear(&c->secret);
        vault_unref(c->v);
}

static void say_insert(void *userdata, const char *label, const uint32_t *serials, size_t n, bool unknown) {
        const struct open_ctx *c = userdata;
        char list[512];
        (void) label, (void) serials, (void) n, (void) unknown;
        cli_enrolled_serials(c->info, list, sizeof(list));
        fprintf(stderr, "Insert a token enrolled in %s (%s)…\n", c->vault_name, list);
}

static int opened(const struct open_ctx *c, const struct vault_open_result *res);

/* No enrolled token came, and nothing could be asked. */
static int no_token(const struct open_ctx *c, int r) {
        char serials[512];
        size_t n = cli_enrolled_serials(c->info, serials, sizeof(serials));
        if (r == -YK_ERR_NO_SERVICE || r == -YK_ERR_NO_ANSWER)
                return cli_error(r, "cannot look for tokens: %s", cli_strerror(r));
        if (n == 0)
                return cli_error(-YK_ERR_NO_TOKEN, "no token is enrolled in %s; --recovery-key-file or "
                                                   "--passphrase-file opens it", c->vault_name);
        return cli_error(-YK_ERR_NO_TOKEN,
                         "no token enrolled in %s (%s) is present; --recovery-key-file or --passphrase-file "
                         "opens it without one",
                         c->vault_name, serials);
}

static int open_error(struct open_ctx *c, int r, const struct vault_auth *given, const struct cli_ask *ask) {
        if (r == -ECANCELED && ask->code != EXIT_OK)
                return ask->code;
        if (r == -YK_ERR_AUTH && given)
                return cli_error(r, "the %s does not open %s",
                                 given->kind == VAULT_AUTH_RECOVERY_KEY ? "recovery key" : "passphrase", c->vault_name);
        if (r == -YK_ERR_AUTH && ask->secrets_asked > 0)
                return cli_error(r, "what was typed is neither the recovery key nor a passphrase of %s (asked %u "
                                    "time%s)",
                                 c->vault_name, ask->secrets_asked, ask->secrets_asked > 1 ? "s" : "");
        if (r == -YK_ERR_PIN && !c->pin.data && ask->pins_asked == 0)
                return cli_error(r, "the token enrolled in %s needs its PIN: give --pin-file F|- (or run it at a "
                                    "terminal to be asked)",
                                 c->vault_name);
        if (given) {
                int code = cli_vault_load_error(r, &c->loc);
                return code ? code : cli_error(r, "cannot open %s: %s", c->vault_name, cli_strerror(r));
        }
        switch (-r) {
        case YK_ERR_NO_TOKEN:
        case YK_ERR_NO_SERVICE:
        case YK_ERR_NO_ANSWER:
                return no_token(c, r);
        case YK_ERR_AUTH:
                return cli_error(r, "the token's response does not open its keyslot in %s; was its slot reprogrammed "
                                    "since it was enrolled?",
                                 c->vault_name);
        case YK_ERR_PIN:
                return cli_error(r, "wrong PIN for the token enrolled in %s", c->vault_name);
        case YK_ERR_NO_TOUCH:
                return cli_error(r, "touch was not received; %s stays closed", c->vault_name);
        case YK_ERR_SLOT_EMPTY:
                return cli_error(r, "the token's slot is not programmed any more; %s stays closed", c->vault_name);
        case YK_ERR_BAD_VAULT:
                return cli_error(r, "%s: its ykunlock tokens are malformed (ykunlock list shows them)", c->vault_name);
        default:
                return cli_error(r, "cannot open %s: %s", c->vault_name, cli_strerror(r));
        }
}

/* The unlock chain of src/vault: the secret given, or a present enrolled token (its PIN given
 * or asked), else the recovery key or a passphrase asked at the terminal. */
static int open_it(struct open_ctx *c) {
        struct vault_tokens_ctx ctx = cli_tokens_ctx(c->g, /* with_serial= */ true, /* touch= */ true);
        struct vault_insert_prompt insert = { .insert = say_insert, .userdata = c };
        struct cli_ask ask_state = { .vault_name = c->vault_name, .say_no_token = true, .batch = c->g->batch };
        struct vault_ask ask = cli_vault_ask(&ask_state);
        ctx.insert = &insert;
        ctx.ask = &ask;
        struct vault_auth given_auth = { .secret = &c->secret };
        const struct vault_auth *given = NULL;
        if (c->a->recovery_key_file || c->a->passphrase_file) {
                given_auth.kind = c->a->recovery_key_file ? VAULT_AUTH_RECOVERY_KEY : VAULT_AUTH_PASSPHRASE;
                given = &given_auth;
        }
        struct vault_open_params p = { .name = c->map_name, .readonly = c->a->readonly, .timeout_s = c->a->timeout,
                                       .pin = c->pin.data ? &c->pin : NULL, .auth = given };
        struct vault_open_result res;
        int r = vault_open_loaded(c->v, &ctx, &p, &res);
        cli_debug(c->g, "keyslot attempts: %u", r < 0 ? 0 : res.keyslot_attempts);
        if (r < 0)
                return open_error(c, r, given, &ask_state);
        if (c->map_name) {
                int code = cli_vault_ref_keep(c->ref, c->map_name);
                if (code != EXIT_OK) {
                        (void) vault_close(c->map_name);
                        return code;
                }
                cli_vault_ref_direct_io(c->ref, c->map_name);
        }
        return opened(c, &res);
}

static int mount_it(const struct open_ctx *c) {
        char dev[300];
        if (cli_mapper_path(c->map_name, dev, sizeof(dev)) < 0)
                return cli_usage_error("the name %s is too long", c->map_name);
        const char *argv_rw[] = { "mount", "--", dev, c->a->mount, NULL };
        const char *argv_ro[] = { "mount", "-o", "ro", "--", dev, c->a->mount, NULL };
        int r = cli_run(c->a->readonly ? argv_ro : argv_rw);
        if (r != 0)
                return cli_error(-EIO, "%s is open as %s, but mount could not mount it on %s (%s %d); it stays open",
                                 c->vault_name, dev, c->a->mount, r < 0 ? "error" : "exit status", r);
        cli_info("mounted %s on %s", dev, c->a->mount);
        return EXIT_OK;
}

static int opened(const struct open_ctx *c, const struct vault_open_result *res) {
        char how[96];
        if (res->token_id >= 0 && res->serial_known)
                snprintf(how, sizeof(how), "token %u (token id %d, keyslot %d)", res->serial, res->token_id, res->keyslot);
        else if (res->token_id >= 0)
                snprintf(how, sizeof(how), "a token without serial (token id %d, keyslot %d)", res->token_id,
                         res->keyslot);
        else
                snprintf(how, sizeof(how), "keyslot %d", res->keyslot);
        if (!c->map_name) {
                cli_info("%s opens with %s (--test: no mapping was created)", c->vault_name, how);
                return EXIT_OK;
        }
        cli_info("opened %s with %s as /dev/mapper/%s", c->vault_name, how, c->map_name);
        return c->a->mount ? mount_it(c) : EXIT_OK;
}

static int read_inputs(struct open_ctx *c) {
        const struct open_args *a = c->a;
        if (a->pin_file)
                return cli_read_pin(a->pin_file, &c->pin);
        if (a->recovery_key_file)
                return cli_read_recovery_key(a->recovery_key_file, &c->secret);
        if (a->passphrase_file)
                return cli_read_passphrase(a->passphrase_file, &c->secret);
        return EXIT_OK;
}

/* A mapping of that name exists: refused (5) before a token is asked anything. */
static int check_name_free(const char *name) {
        char dev[300];
        if (strchr(name, '/') || cli_mapper_path(name, dev, sizeof(dev)) < 0)
                return cli_usage_error("'%s' cannot be a mapping name", name);
        if (access(dev, F_OK) == 0)
                return cli_error(-EEXIST, "a vault is open as %s already (ykunlock close %s closes it)", dev, name);
        return EXIT_OK;
}

int verb_open(int argc, char **argv, struct cli_global *g) {
        struct open_args a = { .timeout = YK_TIMEOUT_DEFAULT_S };
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        /* Declared first, so released last: the remote mount outlives the loaded vault. */
        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = check_args(&a);
        if (code == EXIT_OK)
                code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ true, &ref);
        if (code == EXIT_OK)
                code = check_system(&a);
        if (code == EXIT_OK)
                code = cli_vault_ref_mount(&ref, g, REMOTE_CONNECT_S);
        if (code != EXIT_OK)
                return code;
        cli_vault_verbose(g);
        _cleanup_(open_ctx_clear) struct open_ctx c = { .a = &a, .g = g, .loc = ref.loc, .ref = &ref };
        _cleanup_(vault_info_free) struct vault_info info = {};
        code = cli_vault_load(&c.loc, &c.v, &info);
        if (code != EXIT_OK)
                return code;
        c.info = &info;
        struct vault_location given = { .device = ref.given };
        c.vault_name = cli_vault_name(&info, &given);
        if (!a.test) {
                c.map_name = argc - first == 2 ? argv[first + 1] : info.label;
                if (!c.map_name[0])
                        return cli_usage_error("%s has no label: give the NAME to open it as", ref.given);
                if (cli_has_control(c.map_name))
                        return cli_usage_error("the label of %s, %s, has control characters: give the NAME to open it as",
                                               ref.given, c.vault_name);
                code = check_name_free(c.map_name);
                if (code != EXIT_OK)
                        return code;
        }
        code = read_inputs(&c);
        if (code != EXIT_OK)
                return code;
        return open_it(&c);
}
