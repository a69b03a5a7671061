/* ykunlock enroll DEVICE: add a YubiKey in a keyslot of its own, authorised by an enrolled token
 * that is present, the recovery key or a passphrase. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/enroll-common.h"
#include "cli/exit-code.h"
#include "cli/prompt.h"
#include "cli/vault-args.h"
#include "cli/vault-common.h"
#include "shared/errors.h"

enum {
        OPT_REPLACE = 0x100,
        OPT_RECOVERY_KEY_FILE,
        OPT_PASSPHRASE_FILE,
};

struct enroll_args {
        struct cli_enroll_args e;
        bool replace;
        const char *recovery_key_file, *passphrase_file;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct enroll_args *a = userdata;
        switch (id) {
        case OPT_REPLACE:
                a->replace = true;
                return EXIT_OK;
        case OPT_RECOVERY_KEY_FILE:
                a->recovery_key_file = arg;
                return EXIT_OK;
        case OPT_PASSPHRASE_FILE:
                a->passphrase_file = arg;
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
        struct secret secret, pin, auth_pin;
        struct vault_auth auth;
};

static void enroll_inputs_clear(struct enroll_inputs *in) {
        secret_clear(&in->secret);
        secret_clear(&in->pin);
        secret_clear(&in->auth_pin);
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

/* No enrolled token present: the recovery key or a passphrase, typed at the terminal. */
static int ask_secret(const char *vault_name, struct enroll_inputs *in) {
        if (!stdin_is_terminal())
                return cli_error(-YK_ERR_NO_TOKEN,
                                 "no token enrolled in %s is present to authorise this; give --recovery-key-file "
                                 "or --passphrase-file (or run it at a terminal to be asked)",
                                 vault_name);
        char question[128];
        snprintf(question, sizeof(question), "Enter the recovery key or a passphrase of %.64s: ", vault_name);
        _cleanup_(secret_clearp) struct secret text = {};
        int r = prompt_secret(question, &text);
        if (r < 0)
                return cli_error(r, "cannot read from the terminal: %s", cli_strerror(r));
        secret_clear(&in->secret);
        if (cli_decode_recovery_key(&text, &in->secret))
                in->auth = (struct vault_auth) { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &in->secret };
        else {
                in->secret = TAKE_STRUCT(text);
                in->auth = (struct vault_auth) { .kind = VAULT_AUTH_PASSPHRASE, .secret = &in->secret };
        }
        return EXIT_OK;
}

/* The enrolled token that authorises this needs its PIN: asked at the terminal only. */
static int ask_auth_pin(struct enroll_inputs *in) {
        if (!stdin_is_terminal())
                return cli_error(-YK_ERR_PIN,
                                 "the enrolled token that is present needs its PIN to authorise this; run it at a "
                                 "terminal, or give --recovery-key-file or --passphrase-file");
        int code = cli_prompt_pin(&in->auth_pin);
        if (code == EXIT_OK)
                in->auth.pin = &in->auth_pin;
        return code;
}

static int enroll(const struct enroll_args *a, const struct vault_location *loc, const struct vault_info *info,
                  struct enroll_inputs *in, struct cli_global *g) {
        const char *vault_name = cli_vault_name(info, loc);
        struct yk_token t;
        int code = cli_enroll_pick(&a->e, g, &t);
        if (code != EXIT_OK)
                return code;
        for (int round = 0; round < 3; round++) {
                code = cli_enroll_run(loc, info, g, &in->auth, &a->e, &t, &in->pin, a->replace);
                if (code == CLI_ENROLL_NO_AUTH_TOKEN)
                        code = ask_secret(vault_name, in);
                else if (code == CLI_ENROLL_AUTH_PIN)
                        code = ask_auth_pin(in);
                else
                        return code;
                if (code != EXIT_OK)
                        return code;
        }
        return cli_error(-EINVAL, "internal: enrollment did not settle");
}

int verb_enroll(int argc, char **argv, struct cli_global *g) {
        static const struct verb self = {
                "enroll",
                "DEVICE [--slot 1|2] [--pin | --pin-file F|-] [--replace] [--touch] [--allow-hidden-serial]\n"
                "       [--pbkdf-memory KiB] [--iter-time MS] [--recovery-key-file F|- | --passphrase-file F|-]",
                "Enroll a YubiKey in a keyslot of its own. Authorised by an enrolled token that is present, the\n"
                "recovery key as create printed it (--recovery-key-file), a passphrase (--passphrase-file, raw\n"
                "bytes like cryptsetup's --key-file), or by asking at the terminal. Several tokens present:\n"
                "--serial picks the one to enroll.\n\n" CLI_ENROLL_HELP
                "  --replace              enroll a serial that is enrolled already anew (the old keyslot goes)\n",
                NULL
        };
        static const struct option options[] = {
                CLI_ENROLL_OPTIONS,
                { "replace", no_argument, NULL, OPT_REPLACE },
                { "recovery-key-file", required_argument, NULL, OPT_RECOVERY_KEY_FILE },
                { "passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE },
                {},
        };
        struct enroll_args a = {};
        cli_enroll_args_init(&a.e);
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, &self, options, on_option, &a, g, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        if (argc - first != 1)
                return cli_usage_error("enroll takes one DEVICE (see ykunlock enroll --help)");
        code = check_args(&a);
        if (code != EXIT_OK)
                return code;
        cli_vault_verbose(g);

        struct vault_location loc = cli_vault_location(argv[first], g);
        _cleanup_(vault_info_free) struct vault_info info = {};
        code = cli_vault_inspect(&loc, &info);
        if (code != EXIT_OK)
                return code;

        _cleanup_(enroll_inputs_clear) struct enroll_inputs in = {};
        code = read_inputs(&a, &in);
        if (code != EXIT_OK)
                return code;
        return enroll(&a, &loc, &info, &in, g);
}
