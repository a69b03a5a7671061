/* vault-tool: a small driver of src/vault for the integration tests (crash safety, stock-tools
 * interop) until the CLI verbs exist. Not installed; prints plainly for scripts.
 *
 *   vault-tool program STATE SECRET_HEX            program slot 2 of an emulated card state
 *   vault-tool create IMAGE                        prints the recovery key (its text form)
 *   vault-tool enroll IMAGE (--recovery-key-file F | --passphrase-file F) [--pin-file F] [--slot N]
 *   vault-tool open IMAGE [--pin-file F]           prints "keyslot K attempts N"
 *   vault-tool check-recovery IMAGE F              opens (no mapping) with the recovery key
 *   vault-tool list IMAGE                          one line per entry
 *   vault-tool unenroll IMAGE (--serial N | --token-id N | --keyslot N)
 * Every IMAGE command takes --header H. Tokens: with VAULT_TOOL_EMU_STATE=FILE an emulated card
 * in process (from that state file), else the PC/SC backend. Exit: 0, or 1 with "error N". */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu-transport.h"
#include "otp/applet.h"
#include "otp/config.h"
#include "shared/file.h"
#include "shared/hex.h"
#include "vault/vault.h"

static const struct yk_backend *emu_backends[] = { &emu_backend, NULL };
static struct ykemu_card *card;

static int fail(int r, const char *what) {
        fprintf(stderr, "vault-tool: %s: error %d (%s)\n", what, r, strerror(-r));
        return 1;
}

static int load_card(const char *state) {
        struct ykemu_options o;
        ykemu_options_init(&o);
        o.state_path = state;
        o.touch_ms = 0;
        int r = ykemu_card_new(&o, &card);
        if (r == 0)
                r = emu_backend_add_card(card, "Emu Reader 00 00");
        return r;
}

static int backends(const struct yk_backend *const **ret) {
        const char *state = getenv("VAULT_TOOL_EMU_STATE");
        if (!state)
                return yk_backends_for("pcsc", ret);
        int r = load_card(state);
        if (r < 0)
                return r;
        *ret = emu_backends;
        return 0;
}

static int cmd_program(const char *state, const char *secret_hex) {
        struct yk_hmac_key secret;
        struct yk_slot_config config;
        size_t n;
        int r = hex_decode(secret_hex, strlen(secret_hex), secret.bytes, sizeof(secret.bytes), &n);
        if (r < 0 || n != 20)
                return fail(-EINVAL, "secret");
        if ((r = load_card(state)) < 0)
                return fail(r, "card");
        struct yk_device dev = { .kind = YK_TRANSPORT_PCSC, .name = "Emu Reader 00 00" };
        struct yk_conn *c = NULL;
        struct yk_otp_status st, after;
        struct yk_hmac_config_options o = {};
        if ((r = yk_conn_open(&emu_backend, &dev, /* dl= */ NULL, &c)) < 0 || (r = yk_otp_select(c, &st)) < 0 ||
            (r = yk_build_hmac_config(&st.version, &secret, &o, &config)) < 0 ||
            (r = yk_otp_write_config(c, &st, 2, &config, NULL, &after)) < 0)
                return fail(r, "program");
        yk_conn_close(c);
        return 0;
}

/* The recovery key file holds the key as printed (vault_recovery_key_decode's forms). */
static int read_recovery_key(const char *path, struct secret *ret) {
        _cleanup_(secret_clearp) struct secret text = {};
        int r = read_secret_input(path, 256, &text);
        if (r < 0)
                return r;
        return vault_recovery_key_decode(&text, ret) ? 0 : -EINVAL;
}

static int cmd_create(const struct vault_location *loc) {
        struct vault_create_params p = { .size = 32u << 20, .label = "tool-vault" };
        _cleanup_(secret_clearp) struct secret key = {};
        int r = vault_create(loc, &p, &key);
        if (r < 0)
                return fail(r, "create");
        printf("%.*s\n", (int) key.len, (const char *) key.data);
        return 0;
}

struct opts {
        const char *recovery, *passphrase, *pin;
        int slot;
        int by;
        uint32_t value;
};

static int one_token(const struct yk_backend *const *b, struct yk_token *ret) {
        struct yk_token_list list = {};
        int r = yk_tokens_discover(b, NULL, /* dl= */ NULL, &list);
        if (r < 0)
                return r;
        size_t found = 0;
        for (size_t i = 0; i < list.n; i++)
                if (list.items[i].error == 0) {
                        *ret = list.items[i];
                        found++;
                }
        yk_token_list_free(&list);
        return found == 1 ? 0 : -ENODEV;
}

static int cmd_enroll(const struct vault_location *loc, const struct opts *o) {
        const struct yk_backend *const *b;
        int r = backends(&b);
        if (r < 0)
                return fail(r, "backends");
        struct yk_token t;
        if ((r = one_token(b, &t)) < 0)
                return fail(r, "token");
        _cleanup_(secret_clearp) struct secret secret = {}, pin = {};
        struct vault_auth auth = { .kind = o->recovery ? VAULT_AUTH_RECOVERY_KEY : VAULT_AUTH_PASSPHRASE };
        r = o->recovery ? read_recovery_key(o->recovery, &secret) : read_secret_input(o->passphrase, 4096, &secret);
        if (r < 0)
                return fail(r, "secret");
        auth.secret = &secret;
        if (o->pin) {
                if ((r = read_secret_input(o->pin, 256, &pin)) < 0)
                        return fail(r, "pin");
                secret_strip_one_newline(&pin);
        }
        struct vault_tokens_ctx ctx = { .backends = b };
        struct vault_enroll_params p = { .token = &t, .slot = o->slot, .pin = o->pin ? &pin : NULL,
                                         .pbkdf = { .memory_kb = 32, .iter_time_ms = 1 } };
        struct vault_enroll_result res;
        r = vault_enroll(loc, &ctx, &auth, &p, &res);
        if (r < 0)
                return fail(r, "enroll");
        printf("token %d keyslot %d\n", res.token_id, res.keyslot);
        return 0;
}

static int cmd_open(const struct vault_location *loc, const struct opts *o) {
        const struct yk_backend *const *b;
        int r = backends(&b);
        if (r < 0)
                return fail(r, "backends");
        _cleanup_(secret_clearp) struct secret pin = {};
        if (o->pin) {
                if ((r = read_secret_input(o->pin, 256, &pin)) < 0)
                        return fail(r, "pin");
                secret_strip_one_newline(&pin);
        }
        struct vault_tokens_ctx ctx = { .backends = b };
        struct vault_open_params p = { .pin = o->pin ? &pin : NULL };
        struct vault_open_result res;
        r = vault_open(loc, &ctx, &p, &res);
        if (r < 0)
                return fail(r, "open");
        printf("keyslot %d attempts %u\n", res.keyslot, res.keyslot_attempts);
        return 0;
}

static int cmd_check_recovery(const struct vault_location *loc, const char *path) {
        _cleanup_(secret_clearp) struct secret key = {};
        int r = read_recovery_key(path, &key);
        if (r < 0)
                return fail(r, "recovery key");
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &key };
        struct vault_open_params p = {};
        struct vault_open_result res;
        r = vault_open_with_secret(loc, &auth, &p, &res);
        if (r < 0)
                return fail(r, "open");
        printf("keyslot %d\n", res.keyslot);
        return 0;
}

static int cmd_list(const struct vault_location *loc) {
        struct vault_info info;
        int r = vault_list(loc, &info);
        if (r < 0)
                return fail(r, "list");
        for (size_t i = 0; i < info.n_entries; i++) {
                const struct vault_entry *e = &info.entries[i];
                printf("%s keyslot=%d token=%d", vault_entry_kind_name(e->kind), e->keyslot, e->token_id);
                if (e->kind == VAULT_ENTRY_TOKEN || e->kind == VAULT_ENTRY_PENDING || e->kind == VAULT_ENTRY_STALE_PENDING) {
                        if (e->token.serial_known)
                                printf(" serial=%u", e->token.serial);
                        else
                                printf(" serial=unknown");
                        if (e->token.pending_keyslot >= 0)
                                printf(" pending-keyslot=%d", e->token.pending_keyslot);
                }
                printf("\n");
        }
        vault_info_free(&info);
        return 0;
}

static int run(int argc, char **argv) {
        static const struct option longopts[] = {
                { "header", required_argument, NULL, 'H' },
                { "recovery-key-file", required_argument, NULL, 'r' },
                { "passphrase-file", required_argument, NULL, 'p' },
                { "pin-file", required_argument, NULL, 'P' },
                { "slot", required_argument, NULL, 's' },
                { "serial", required_argument, NULL, 'S' },
                { "token-id", required_argument, NULL, 'T' },
                { "keyslot", required_argument, NULL, 'K' },
                {}
        };
        struct opts o = { .slot = 2, .by = -1 };
        const char *header = NULL;
        int c;
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                switch (c) {
                case 'H': header = optarg; break;
                case 'r': o.recovery = optarg; break;
                case 'p': o.passphrase = optarg; break;
                case 'P': o.pin = optarg; break;
                case 's': o.slot = atoi(optarg); break;
                case 'S': o.by = VAULT_UNENROLL_SERIAL; o.value = (uint32_t) strtoul(optarg, NULL, 10); break;
                case 'T': o.by = VAULT_UNENROLL_TOKEN_ID; o.value = (uint32_t) strtoul(optarg, NULL, 10); break;
                case 'K': o.by = VAULT_UNENROLL_KEYSLOT; o.value = (uint32_t) strtoul(optarg, NULL, 10); break;
                default: return 2;
                }
        }
        if (argc - optind < 2)
                return 2;
        const char *cmd = argv[optind], *arg = argv[optind + 1];
        if (strcmp(cmd, "program") == 0)
                return argc - optind == 3 ? cmd_program(arg, argv[optind + 2]) : 2;
        struct vault_location loc = { .device = arg, .header = header };
        if (strcmp(cmd, "create") == 0)
                return cmd_create(&loc);
        if (strcmp(cmd, "enroll") == 0 && (!o.recovery != !o.passphrase))
                return cmd_enroll(&loc, &o);
        if (strcmp(cmd, "open") == 0)
                return cmd_open(&loc, &o);
        if (strcmp(cmd, "check-recovery") == 0 && argc - optind == 3)
                return cmd_check_recovery(&loc, argv[optind + 2]);
        if (strcmp(cmd, "list") == 0)
                return cmd_list(&loc);
        if (strcmp(cmd, "unenroll") == 0 && o.by >= 0) {
                int r = vault_unenroll(&loc, (enum vault_unenroll_by) o.by, o.value);
                if (r < 0)
                        return fail(r, "unenroll");
                printf("removed %d\n", r);
                return 0;
        }
        return 2;
}

int main(int argc, char **argv) {
        int rc = run(argc, argv);
        emu_backend_reset();
        ykemu_card_free(card);
        return rc;
}
