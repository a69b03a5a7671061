/* ykunlock enroll DEVICE: add a YubiKey in a keyslot of its own, authorised by an enrolled token
 * that is present, the recovery key or a passphrase. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/enroll-common.h"
#include "cli/exit-code.h"
#include "cli/remote-vault.h"
#include "cli/prompt.h"
#include "cli/table.h"
#include "cli/vault-args.h"
#include "cli/vault-common.h"
#include "shared/errors.h"

struct enroll_args {
        struct cli_enroll_args e;
        bool replace;
        const char *recovery_key_file, *passphrase_file;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct enroll_args *a = userdata;
        switch (id) {
        case CLI_OPT_REPLACE:
                a->replace = true;
                return EXIT_OK;
        case CLI_OPT_RECOVERY_KEY_FILE:
                a->recovery_key_file = arg;
                return EXIT_OK;
        case CLI_OPT_PASSPHRASE_FILE:
                a->passphrase_file = arg;
                return EXIT_OK;
        case CLI_OPT_SHARE_CHALLENGE_WITH:
                a->e.share_with_path = arg;
                return EXIT_OK;
        }
        return cli_enroll_option(&a->e, id, arg);
}

static int check_args(const struct enroll_args *a) {
        int code = cli_enroll_check(&a->e);
        if (code != EXIT_OK)
                return code;
        if (a->recovery_key_file && a->passphrase_file)
                return cli_usage_error("--recovery-key-file and --passphrase-file exclude each other");
        const char *paths[] = { a->e.pin_file, a->recovery_key_file, a->passphrase_file };
        const char *names[] = { "--pin-file", "--recovery-key-file", "--passphrase-file" };
        return cli_check_one_stdin(paths, names, 3);
}

struct enroll_inputs {
        struct secret secret, pin;
        struct vault_auth auth;
};

static void enroll_inputs_clear(struct enroll_inputs *in) {
        secret_clear(&in->secret);
        secret_clear(&in->pin);
}

static int read_inputs(const struct enroll_args *a, struct enroll_inputs *in) {
        int code = EXIT_OK;
        in->auth = (struct vault_auth) { .kind = VAULT_AUTH_TOKEN };
        if (a->recovery_key_file) {
                code = cli_read_recovery_key(a->recovery_key_file, &in->secret);
                in->auth = (struct vault_auth) { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &in->secret };
        } else if (a->passphrase_file) {
                code = cli_read_passphrase(a->passphrase_file, &in->secret);
                in->auth = (struct vault_auth) { .kind = VAULT_AUTH_PASSPHRASE, .secret = &in->secret };
        }
        if (code != EXIT_OK)
                return code;
        return cli_enroll_read_pin(&a->e, &in->pin);
}

static int enroll(const struct enroll_args *a, const struct vault_location *loc, struct vault *v,
                  const struct vault_info *info, struct enroll_inputs *in, struct cli_global *g) {
        struct yk_token t;
        int code = cli_enroll_pick(&a->e, g, &t);
        if (code != EXIT_OK)
                return code;
        return cli_enroll_run(loc, v, info, g, &in->auth, &a->e, &t, &in->pin, a->replace);
}

int verb_enroll(int argc, char **argv, struct cli_global *g) {
        struct enroll_args a = {};
        cli_enroll_args_init(&a.e);
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        code = check_args(&a);
        if (code != EXIT_OK)
                return code;
        cli_vault_verbose(g);

        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ false, &ref);
        if (code != EXIT_OK)
                return code;
        struct vault_location loc = ref.loc;
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        _cleanup_(vault_info_free) struct vault_info info = {};
        code = cli_vault_load(&loc, &v, &info);
        if (code != EXIT_OK)
                return code;

        /* The group's vault: read (and its errors named) before any token is asked. Only its
         * header is needed; a detached header file is named as OTHER itself. */
        _cleanup_(vault_unrefp) struct vault *other = NULL;
        if (a.e.share_with_path) {
                struct vault_location other_loc = { .device = a.e.share_with_path };
                _cleanup_(vault_info_free) struct vault_info other_info = {};
                code = cli_vault_load(&other_loc, &other, &other_info);
                if (code != EXIT_OK)
                        return code;
                a.e.share_with = other;
        }

        _cleanup_(enroll_inputs_clear) struct enroll_inputs in = {};
        code = read_inputs(&a, &in);
        if (code != EXIT_OK)
                return code;
        return enroll(&a, &loc, v, &info, &in, g);
}
