#include "vault-fixture.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libcryptsetup.h>
#include <openssl/evp.h>

#include "crypto/hmac.h"
#include "crypto/kdf.h"
#include "crypto/random.h"
#include "otp/applet.h"
#include "otp/config.h"

static const uint32_t serials[3] = { VF_SERIAL_A, VF_SERIAL_B, VF_SERIAL_C };

struct vf *vf_new(void) {
        struct vf *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        strcpy(f->dir, "/tmp/vault-test.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        snprintf(f->image, sizeof(f->image), "%s/vault.img", f->dir);
        snprintf(f->header, sizeof(f->header), "%s/vault.hdr", f->dir);
        emu_backend_reset();
        for (int i = 0; i < 3; i++) {
                struct ykemu_options o;
                ykemu_options_init(&o);
                o.serial = serials[i];
                o.touch_ms = 0;
                o.touch_timeout_ms = 50;
                assert_int_equal(ykemu_card_new(&o, &f->cards[i].card), 0);
                snprintf(f->cards[i].reader, sizeof(f->cards[i].reader), "Emu Reader %c 00 00", 'A' + i);
                vf_insert(f, i);
                vf_program(f, i, false);
                if (i > 0)
                        vf_remove(f, i);
        }
        f->backends[0] = &emu_backend;
        f->ctx = (struct vault_tokens_ctx) { .backends = f->backends };
        f->loc = (struct vault_location) { .device = f->image };
        return f;
}

void vf_free(struct vf *f) {
        emu_backend_reset();
        for (int i = 0; i < 3; i++)
                ykemu_card_free(f->cards[i].card);
        secret_clear(&f->recovery);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
        assert_int_equal(system(cmd), 0);
        free(f);
}

/* The backend's table is rebuilt from the cards that are in: reader order stays A, B, C. */
static void rebuild(struct vf *f) {
        emu_backend_reset();
        for (int j = 0; j < 3; j++)
                if (f->cards[j].inserted)
                        assert_int_equal(emu_backend_add_card(f->cards[j].card, f->cards[j].reader), 0);
}

void vf_insert(struct vf *f, int i) {
        f->cards[i].inserted = true;
        rebuild(f);
}

void vf_remove(struct vf *f, int i) {
        f->cards[i].inserted = false;
        rebuild(f);
}

struct yk_token vf_token(struct vf *f, int i) {
        struct yk_token_list list = {};
        struct yk_token_filter filter = { .reader = f->cards[i].reader };
        assert_int_equal(yk_tokens_discover(f->backends, &filter, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 1);
        struct yk_token t = list.items[0];
        yk_token_list_free(&list);
        return t;
}

void vf_program(struct vf *f, int i, bool hide_serial) {
        struct yk_device dev = { .kind = YK_TRANSPORT_PCSC };
        snprintf(dev.name, sizeof(dev.name), "%s", f->cards[i].reader);
        struct yk_conn *c = NULL;
        struct yk_otp_status st, after;
        assert_int_equal(yk_conn_open(&emu_backend, &dev, /* dl= */ NULL, &c), 0);
        assert_int_equal(yk_otp_select(c, &st), 0);
        assert_int_equal(crypto_random(f->cards[i].secret.bytes, sizeof(f->cards[i].secret.bytes)), 0);
        struct yk_slot_config config;
        struct yk_hmac_config_options o = { .touch = false };
        assert_int_equal(yk_build_hmac_config(&st.version, &f->cards[i].secret, &o, &config), 0);
        if (hide_serial) {
                config.bytes[45] &= (uint8_t) ~0x04; /* extFlags SERIAL_API_VISIBLE */
                uint16_t crc = yk_config_crc(&config);
                config.bytes[50] = (uint8_t) (crc & 0xff);
                config.bytes[51] = (uint8_t) (crc >> 8);
        }
        assert_int_equal(yk_otp_write_config(c, &st, 2, &config, NULL, &after), 0);
        yk_conn_close(c);
}

void vf_create(struct vf *f, bool detached) {
        f->loc.header = detached ? f->header : NULL;
        struct vault_create_params p = { .size = 32u << 20, .fill = VAULT_FILL_SPARSE, .label = "test-vault" };
        secret_clear(&f->recovery);
        assert_int_equal(vault_create(&f->loc, &p, &f->recovery), 0);
        assert_int_equal(f->recovery.len, VAULT_RECOVERY_TEXT_LEN);
}

int vf_enroll(struct vf *f, int i, const struct secret *pin, bool replace) {
        struct yk_token t = vf_token(f, i);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        struct vault_enroll_params p = { .token = &t, .slot = 2, .pin = pin, .replace = replace,
                                         .pbkdf = { .memory_kb = 32, .iter_time_ms = 1 } };
        struct vault_enroll_result res;
        int r = vault_enroll(&f->loc, &f->ctx, &auth, &p, &res);
        return r < 0 ? r : res.token_id;
}

void vf_fingerprint(const char *path, uint8_t out[32]) {
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
        static uint8_t buf[1 << 16];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
                assert_int_equal(EVP_DigestUpdate(ctx, buf, n), 1);
        fclose(fp);
        unsigned len = 32;
        assert_int_equal(EVP_DigestFinal_ex(ctx, out, &len), 1);
        EVP_MD_CTX_free(ctx);
}

void vf_assert_unchanged(const char *path, const uint8_t before[32]) {
        uint8_t now[32];
        vf_fingerprint(path, now);
        assert_memory_equal(before, now, 32);
}

void vf_expected_passphrase(struct vf *f, int card, const struct yk_token_info *t, const struct secret *pin,
                            struct secret *ret) {
        struct yk_response resp;
        const struct yk_hmac_key *key = &f->cards[card].secret;
        assert_int_equal(crypto_hmac_sha1(key->bytes, sizeof(key->bytes), t->challenge, t->challenge_len, &resp), 0);
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init_data_device(&cd, f->loc.header ? f->loc.header : f->image, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        assert_int_equal(kdf_keyslot_passphrase(&resp, pin, t->challenge, t->challenge_len, crypt_get_uuid(cd), ret), 0);
        crypt_free(cd);
}

int vf_try_keyslot(struct vf *f, int keyslot, const void *pass, size_t len) {
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init_data_device(&cd, f->loc.header ? f->loc.header : f->image, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        int r = crypt_activate_by_passphrase(cd, NULL, keyslot, pass, len, 0);
        crypt_free(cd);
        return r;
}

void vf_list(struct vf *f, struct vault_info *ret) {
        assert_int_equal(vault_list(&f->loc, ret), 0);
}

void vf_sh(const char *fmt, ...) {
        char cmd[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(cmd, sizeof(cmd), fmt, ap);
        va_end(ap);
        int r = system(cmd);
        if (r != 0)
                fail_msg("command failed (%d): %s", r, cmd);
}
