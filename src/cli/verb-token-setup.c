/* ykunlock token setup: program a slot for HMAC-SHA1 challenge-response, then prove it works by
 * a challenge whose answer is checked against the same HMAC computed here. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/pick-token.h"
#include "cli/prompt.h"
#include "cli/secret-input.h"
#include "cli/table.h"
#include "crypto/hmac.h"
#include "crypto/random.h"
#include "otp/applet.h"
#include "otp/config.h"
#include "otp/discover.h"
#include "shared/deadline.h"
#include "shared/errors.h"
#include "shared/hex.h"
#include "shared/secmem.h"

struct setup_args {
        int slot;
        bool touch, generate, show_secret, force;
        const char *secret_file, *access_code_file, *new_access_code_file;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct setup_args *a = userdata;
        switch (id) {
        case CLI_OPT_SLOT:
                if (strcmp(arg, "1") != 0 && strcmp(arg, "2") != 0)
                        return cli_usage_error("--slot takes 1 or 2 (the YubiKey slot), not '%s'", arg);
                a->slot = arg[0] - '0';
                return 0;
        case CLI_OPT_TOUCH:
                a->touch = true;
                return 0;
        case CLI_OPT_GENERATE:
                a->generate = true;
                return 0;
        case CLI_OPT_SECRET_FILE:
                a->secret_file = arg;
                return 0;
        case CLI_OPT_SHOW_SECRET:
                a->show_secret = true;
                return 0;
        case CLI_OPT_FORCE:
                a->force = true;
                return 0;
        case CLI_OPT_ACCESS_CODE_FILE:
                a->access_code_file = arg;
                return 0;
        case CLI_OPT_NEW_ACCESS_CODE_FILE:
                a->new_access_code_file = arg;
                return 0;
        }
        return EXIT_USAGE;
}

static int check_args(const struct setup_args *a) {
        if (a->generate && a->secret_file)
                return cli_usage_error("--generate and --secret-file exclude each other");
        const char *paths[] = { a->secret_file, a->access_code_file, a->new_access_code_file };
        const char *names[] = { "--secret-file", "--access-code-file", "--new-access-code-file" };
        return cli_check_one_stdin(paths, names, 3);
}

/* Everything read from the person before the token is touched. */
struct setup_inputs {
        struct yk_hmac_key *key; /* in secure memory */
        struct secret access_code, new_access_code;
};

static void setup_inputs_clear(struct setup_inputs *in) {
        secure_free(in->key);
        secret_clear(&in->access_code);
        secret_clear(&in->new_access_code);
}

/* The slot's key: read from --secret-file, else generated. */
static int read_key(const struct setup_args *a, struct yk_hmac_key **ret) {
        _cleanup_(secure_freep) struct yk_hmac_key *key = secure_alloc(sizeof(*key));
        if (a->secret_file) {
                _cleanup_(secret_clearp) struct secret bytes = {};
                int code = cli_read_hex_secret(a->secret_file, sizeof(key->bytes), "--secret-file", &bytes);
                if (code != EXIT_OK)
                        return code;
                if (!key)
                        return cli_error(-ENOMEM, "out of memory");
                memcpy(key->bytes, bytes.data, sizeof(key->bytes));
        } else {
                int r = key ? crypto_random(key->bytes, sizeof(key->bytes)) : -ENOMEM;
                if (r < 0)
                        return cli_error(r, "cannot generate a secret: %s", cli_strerror(r));
        }
        *ret = TAKE_PTR(key);
        return EXIT_OK;
}

static int read_inputs(const struct setup_args *a, struct setup_inputs *in) {
        int code = read_key(a, &in->key);
        if (code != EXIT_OK)
                return code;
        if (a->access_code_file) {
                code = cli_read_hex_secret(a->access_code_file, YK_ACCESS_CODE_SIZE, "--access-code-file", &in->access_code);
                if (code != EXIT_OK)
                        return code;
        }
        if (a->new_access_code_file) {
                code = cli_read_hex_secret(a->new_access_code_file, YK_ACCESS_CODE_SIZE, "--new-access-code-file",
                                           &in->new_access_code);
                if (code != EXIT_OK)
                        return code;
        }
        return EXIT_OK;
}

static void describe_token(const struct yk_token *t, char *buf, size_t len) {
        if (t->serial_known)
                snprintf(buf, len, "token %u", t->serial);
        else
                snprintf(buf, len, "the token in %s", t->device.name);
}

static int refuse_overwrite(const char *who, int slot, enum yk_slot_state state) {
        if (state == YK_SLOT_KEYBOARD)
                return cli_error(-YK_ERR_REFUSED,
                                 "slot %d of %s holds a touch-triggered credential (Yubico OTP or static password); "
                                 "--force overwrites it",
                                 slot, who);
        return cli_error(-YK_ERR_REFUSED,
                         "slot %d of %s is already programmed (it may hold a secret that opens a vault); "
                         "--force overwrites it",
                         slot, who);
}

static double now_seconds(void) {
        return (double) now_ms() / 1e3;
}

/* Sends a random challenge and compares the answer with HMAC-SHA1 computed here. */
static int verify_slot(struct yk_conn *conn, const struct yk_otp_status *st, int slot, const struct yk_hmac_key *key,
                       bool touch, const struct yk_token *t, const char *who) {
        uint8_t challenge[YK_CHALLENGE_MIN];
        struct answers {
                struct yk_response expected, got;
        };
        _cleanup_(secure_freep) struct answers *v = secure_alloc(sizeof(*v));
        int r = v ? crypto_random(challenge, sizeof(challenge)) : -ENOMEM;
        if (r >= 0)
                r = crypto_hmac_sha1(key->bytes, sizeof(key->bytes), challenge, sizeof(challenge), &v->expected);
        if (r < 0)
                return cli_error(r, "cannot prepare the verification: %s", cli_strerror(r));

        struct touch_prompt_ctx ctx = { .serial_known = t->serial_known, .serial = t->serial };
        struct yk_prompt prompt = touch_prompt(&ctx);
        double start = now_seconds();
        r = yk_otp_challenge_hmac(conn, st, slot, challenge, sizeof(challenge), touch ? &prompt : NULL, &v->got);
        if (r == -YK_ERR_NO_TOUCH)
                return cli_error(r, "touch was not received in %.0f s; slot %d of %s is programmed but not verified",
                                 now_seconds() - start, slot, who);
        if (r < 0)
                return cli_error(r, "slot %d of %s was written but does not answer a challenge: %s", slot, who,
                                 cli_strerror(r));
        if (secure_memcmp(&v->got, &v->expected, sizeof(v->got)) != 0)
                return cli_error(-YK_ERR_IO, "slot %d of %s answers a challenge with the wrong response", slot, who);
        return EXIT_OK;
}

static int program(const struct setup_args *a, const struct setup_inputs *in, const struct cli_global *g) {
        struct yk_token t;
        int code = cli_pick_token(g, &t);
        if (code != EXIT_OK)
                return code;
        char who[YK_DEVICE_NAME_MAX + 32];
        describe_token(&t, who, sizeof(who));

        _cleanup_(yk_conn_closep) struct yk_conn *conn = NULL;
        struct yk_otp_status before, after;
        int r = yk_token_open(g->backends, &t, /* dl= */ NULL, &conn, &before);
        if (r < 0)
                return cli_error(r, "cannot open %s: %s", who, cli_strerror(r));

        enum yk_slot_state state = yk_otp_slot_state(&before, a->slot);
        if (state != YK_SLOT_EMPTY && !a->force)
                return refuse_overwrite(who, a->slot, state);

        struct yk_slot_config config;
        CLEANUP_ERASE(config);
        struct yk_hmac_config_options opts = { .touch = a->touch, .new_access_code = in->new_access_code.data };
        r = yk_build_hmac_config(&before.version, in->key, &opts, &config);
        if (r < 0)
                return cli_error(r, "%s (firmware %u.%u.%u) cannot do HMAC-SHA1 challenge-response: %s", who,
                                 before.version.major, before.version.minor, before.version.build, cli_strerror(r));
        r = yk_otp_write_config(conn, &before, a->slot, &config, in->access_code.data, &after);
        if (r == -YK_ERR_AUTH)
                return cli_error(r, "%s refused the new configuration of slot %d: the slot is protected by an access code "
                                 "(give the right one with --access-code-file)",
                                 who, a->slot);
        if (r < 0)
                return cli_error(r, "cannot write slot %d of %s: %s", a->slot, who, cli_strerror(r));

        code = verify_slot(conn, &after, a->slot, in->key, a->touch, &t, who);
        if (code != EXIT_OK)
                return code;

        cli_info("programmed slot %d of %s for HMAC-SHA1 challenge-response%s, and verified it", a->slot, who,
                 a->touch ? " (touch required)" : "");
        return EXIT_OK;
}

static void show_secret(const struct yk_hmac_key *key) {
        char hex[2 * sizeof(key->bytes) + 1];
        CLEANUP_ERASE(hex);
        hex_encode(key->bytes, sizeof(key->bytes), hex);
        (void) cli_print_secret_line(hex);
        cli_info("this is the slot's secret, shown once: program a backup token with it "
                 "(ykunlock token setup --secret-file -), then keep it offline or destroy it");
}

int verb_token_setup(int argc, char **argv, struct cli_global *g) {
        struct setup_args a = { .slot = 2 };
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        code = check_args(&a);
        if (code != EXIT_OK)
                return code;

        _cleanup_(setup_inputs_clear) struct setup_inputs in = {};
        code = read_inputs(&a, &in);
        if (code != EXIT_OK)
                return code;
        code = program(&a, &in, g);
        if (code != EXIT_OK)
                return code;
        if (a.show_secret)
                show_secret(in.key);
        return EXIT_OK;
}
