/* Helpers that bench/run needs around the real CLI: many tokens enrolled quickly through the
 * vault library (emulated cards in process, no pcscd), the responses the legacy approach uses as
 * passphrases, and the PBKDF floor.
 *   bench-vault enroll IMAGE --recovery-key-file F --serial N [--count C]
 *       enrolls C emulated tokens with serials N, N+1, ... (each its own secret), one at a time
 *   bench-vault response --serial N --challenge HEX
 *       prints the hex HMAC-SHA1 response of the emulated token N to HEX (32..63 bytes)
 *   bench-vault pbkdf [--runs N]
 *       pbkdf2-sha512, 1000 iterations, 64-byte output (a token keyslot's KDF): "pbkdf_ms X"
 * Secrets are made-up benchmark values, derived from the serial. */
#include <errno.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu-transport.h"
#include "otp/applet.h"
#include "otp/config.h"
#include "shared/file.h"
#include "shared/hex.h"
#include "vault/vault.h"

#define READER "Bench Emu 00 00"

static const struct yk_backend *emu_backends[] = { &emu_backend, NULL };

struct opts {
        const char *recovery, *challenge;
        uint32_t serial;
        unsigned count, runs;
};

static double clock_ms(void) /* fractions of a ms, unlike shared/deadline.h */ {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int fail(int r, const char *what) {
        fprintf(stderr, "bench-vault: %s: %s\n", what, strerror(-r));
        return 1;
}

/* A fresh in-memory card with this serial, slot 2 programmed for HMAC-SHA1, plugged into the
 * in-process reader. The caller frees it after emu_backend_reset(). */
static int card_for_serial(uint32_t serial, struct ykemu_card **ret) {
        struct ykemu_options o;
        ykemu_options_init(&o);
        o.serial = serial;
        o.touch_ms = 0;
        struct ykemu_card *card = NULL;
        int r = ykemu_card_new(&o, &card);
        if (r < 0)
                return r;
        struct yk_hmac_key secret;
        struct yk_slot_config config;
        for (size_t i = 0; i < sizeof(secret.bytes); i++)
                secret.bytes[i] = (uint8_t) ((serial >> (8 * (i % 4))) ^ (i * 37));
        struct yk_device dev = { .kind = YK_TRANSPORT_PCSC, .name = READER };
        struct yk_hmac_config_options co = {};
        struct yk_otp_status st, after;
        struct yk_conn *c = NULL;
        if ((r = emu_backend_add_card(card, READER)) < 0 || (r = yk_conn_open(&emu_backend, &dev, /* dl= */ NULL, &c)) < 0 ||
            (r = yk_otp_select(c, &st)) < 0 || (r = yk_build_hmac_config(&st.version, &secret, &co, &config)) < 0 ||
            (r = yk_otp_write_config(c, &st, 2, &config, NULL, &after)) < 0) {
                yk_conn_close(c);
                emu_backend_reset();
                ykemu_card_free(card);
                return r;
        }
        yk_conn_close(c);
        *ret = card;
        return 0;
}

/* The only token the in-process backend shows. */
static int the_token(struct yk_token *ret) {
        struct yk_token_list list = {};
        int r = yk_tokens_discover(emu_backends, NULL, /* dl= */ NULL, &list);
        if (r < 0)
                return r;
        r = list.n == 1 && list.items[0].error == 0 ? 0 : -ENODEV;
        if (r == 0)
                *ret = list.items[0];
        yk_token_list_free(&list);
        return r;
}

static int read_recovery_key(const char *path, struct secret *ret) {
        _cleanup_(secret_clearp) struct secret text = {};
        int r = read_secret_input(path, 256, &text);
        if (r < 0)
                return r;
        return vault_recovery_key_decode(&text, ret) ? 0 : -EINVAL;
}

static int enroll_one(const struct vault_location *loc, const struct vault_auth *auth, uint32_t serial) {
        struct ykemu_card *card = NULL;
        int r = card_for_serial(serial, &card);
        if (r < 0)
                return r;
        struct yk_token t;
        if ((r = the_token(&t)) == 0) {
                struct vault_tokens_ctx ctx = { .backends = emu_backends };
                struct vault_enroll_params p = { .token = &t, .slot = 2 };
                struct vault_enroll_result res;
                r = vault_enroll(loc, &ctx, auth, &p, &res);
        }
        emu_backend_reset();
        ykemu_card_free(card);
        return r;
}

static int cmd_enroll(const char *image, const struct opts *o) {
        if (!o->recovery || o->serial == 0)
                return 2;
        _cleanup_(secret_clearp) struct secret key = {};
        int r = read_recovery_key(o->recovery, &key);
        if (r < 0)
                return fail(r, "recovery key");
        struct vault_location loc = { .device = image };
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &key };
        for (unsigned i = 0; i < o->count; i++)
                if ((r = enroll_one(&loc, &auth, o->serial + i)) < 0)
                        return fail(r, "enroll");
        return 0;
}

static int cmd_response(const struct opts *o) {
        uint8_t challenge[63];
        struct yk_response response;
        size_t n;
        if (!o->challenge || o->serial == 0 ||
            hex_decode(o->challenge, strlen(o->challenge), challenge, sizeof(challenge), &n) < 0 ||
            n < YK_CHALLENGE_MIN)
                return 2;
        struct ykemu_card *card = NULL;
        int r = card_for_serial(o->serial, &card);
        if (r < 0)
                return fail(r, "card");
        struct yk_token t;
        struct yk_conn *c = NULL;
        struct yk_otp_status st;
        if ((r = the_token(&t)) == 0 && (r = yk_token_open(emu_backends, &t, /* dl= */ NULL, &c, &st)) == 0)
                r = yk_otp_challenge_hmac(c, &st, 2, challenge, n, NULL, &response);
        yk_conn_close(c);
        emu_backend_reset();
        ykemu_card_free(card);
        if (r < 0)
                return fail(r, "challenge");
        char hex[2 * YK_HMAC_RESPONSE_SIZE + 1];
        hex_encode(response.bytes, sizeof(response.bytes), hex);
        printf("%s\n", hex);
        return 0;
}

/* What libcryptsetup does for a token keyslot: pbkdf2-sha512, 1000 iterations, a key as long as
 * the volume key (64 bytes for aes-xts-plain64 with 512 bits) from a 32-byte passphrase. */
static int cmd_pbkdf(const struct opts *o) {
        uint8_t pass[32] = { 1 }, salt[32] = { 2 }, out[64];
        for (unsigned i = 0; i < o->runs; i++) {
                double start = clock_ms();
                if (PKCS5_PBKDF2_HMAC((const char *) pass, sizeof(pass), salt, sizeof(salt), 1000, EVP_sha512(),
                                      sizeof(out), out) != 1)
                        return fail(-EIO, "pbkdf2");
                printf("pbkdf_ms %.3f\n", clock_ms() - start);
        }
        return 0;
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                { "recovery-key-file", required_argument, NULL, 'r' },
                { "serial", required_argument, NULL, 's' },
                { "count", required_argument, NULL, 'c' },
                { "challenge", required_argument, NULL, 'C' },
                { "runs", required_argument, NULL, 'n' },
                {}
        };
        struct opts o = { .count = 1, .runs = 1 };
        int c;
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) >= 0) {
                switch (c) {
                case 'r': o.recovery = optarg; break;
                case 's': o.serial = (uint32_t) strtoul(optarg, NULL, 10); break;
                case 'c': o.count = (unsigned) strtoul(optarg, NULL, 10); break;
                case 'C': o.challenge = optarg; break;
                case 'n': o.runs = (unsigned) strtoul(optarg, NULL, 10); break;
                default: return 2;
                }
        }
        if (optind >= argc)
                return 2;
        const char *cmd = argv[optind];
        if (strcmp(cmd, "enroll") == 0 && argc - optind == 2)
                return cmd_enroll(argv[optind + 1], &o);
        if (strcmp(cmd, "response") == 0 && argc - optind == 1)
                return cmd_response(&o);
        if (strcmp(cmd, "pbkdf") == 0 && argc - optind == 1)
                return cmd_pbkdf(&o);
        fprintf(stderr, "usage: bench-vault enroll IMAGE --recovery-key-file F --serial N [--count C] | "
                        "response --serial N --challenge HEX | pbkdf [--runs N]\n");
        return 2;
}
