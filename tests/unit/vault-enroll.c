/* enroll, open, list and unenroll with emulated YubiKeys in process, on real image files.
 * The keyslot passphrase is checked against an independent computation (OpenSSL's HMAC over
 * the card's secret, then the documented HKDF); open's "one keyslot" is checked by counting
 * libcryptsetup's own debug lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libcryptsetup.h>

#include "vault-fixture.h"

static int setup(void **state) {
        struct vf *f = vf_new();
        vf_create(f, false);
        *state = f;
        return 0;
}

static int setup_detached(void **state) {
        struct vf *f = vf_new();
        vf_create(f, true);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        vault_set_log_hook(NULL, NULL);
        crypt_set_debug_level(CRYPT_DEBUG_NONE);
        vf_free(*state);
        return 0;
}

static const struct vault_entry *entry_of_keyslot(const struct vault_info *info, int keyslot) {
        for (size_t i = 0; i < info->n_entries; i++)
                if (info->entries[i].keyslot == keyslot)
                        return &info->entries[i];
        return NULL;
}

/* libcryptsetup's own count of keyslot unlock attempts. */
static unsigned keyslot_tries;
static void count_tries(int level, const char *msg, void *userdata) {
        if (strstr(msg, "Trying to open LUKS2 keyslot") || strstr(msg, "Trying to open keyslot"))
                keyslot_tries++;
}

static void test_enroll_and_open(void **state) {
        struct vf *f = *state;
        int id = vf_enroll(f, 0, NULL, false);
        assert_int_equal(id, 1); /* token 0 is the recovery marker */

        struct vault_info info;
        vf_list(f, &info);
        assert_int_equal(info.n_entries, 2);
        const struct vault_entry *e = entry_of_keyslot(&info, 1);
        assert_non_null(e);
        assert_int_equal(e->kind, VAULT_ENTRY_TOKEN);
        assert_int_equal(e->token_id, 1);
        assert_true(e->token.serial_known);
        assert_int_equal(e->token.serial, VF_SERIAL_A);
        assert_int_equal(e->token.slot, 2);
        assert_int_equal(e->token.challenge_len, 32);
        assert_false(e->token.pin);
        assert_int_equal(e->token.pending_keyslot, -1);

        /* the keyslot opens with the independently computed passphrase, and is pbkdf2/1000 */
        struct secret expected = {};
        vf_expected_passphrase(f, 0, &e->token, NULL, &expected);
        assert_int_equal(vf_try_keyslot(f, 1, expected.data, expected.len), 1);
        secret_clear(&expected);
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init_data_device(&cd, f->loc.header ? f->loc.header : f->image, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        struct crypt_pbkdf_type pbkdf;
        assert_int_equal(crypt_keyslot_get_pbkdf(cd, 1, &pbkdf), 0);
        assert_string_equal(pbkdf.type, "pbkdf2");
        assert_int_equal(pbkdf.iterations, 1000);
        crypt_free(cd);
        vault_info_free(&info);

        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0);
        assert_int_equal(res.token_id, 1);
        assert_int_equal(res.keyslot, 1);
        assert_int_equal(res.keyslot_attempts, 1);
        assert_int_equal(res.serial, VF_SERIAL_A);
}

/* Three tokens enrolled; open with the third runs exactly one keyslot unlock. */
static void test_open_tries_one_keyslot(void **state) {
        struct vf *f = *state;
        for (int i = 0; i < 3; i++) {
                vf_insert(f, i);
                assert_true(vf_enroll(f, i, NULL, false) > 0);
                vf_remove(f, i);
        }
        vf_insert(f, 2);
        keyslot_tries = 0;
        vault_set_log_hook(count_tries, NULL);
        crypt_set_debug_level(CRYPT_DEBUG_ALL);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0);
        crypt_set_debug_level(CRYPT_DEBUG_NONE);
        assert_int_equal(res.keyslot, 3);
        assert_int_equal(res.keyslot_attempts, 1);
        assert_int_equal(keyslot_tries, 1);

        /* the recovery key tries its marked keyslot first, and only that */
        keyslot_tries = 0;
        crypt_set_debug_level(CRYPT_DEBUG_ALL);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        assert_int_equal(vault_open_with_secret(&f->loc, &auth, &op, &res), 0);
        crypt_set_debug_level(CRYPT_DEBUG_NONE);
        assert_int_equal(res.keyslot, 0);
        assert_int_equal(keyslot_tries, 1);
}

static void test_open_needs_device_mapper(void **state) {
        struct vf *f = *state;
        if (vault_have_device_mapper())
                skip();
        assert_true(vf_enroll(f, 0, NULL, false) > 0);
        struct vault_open_params op = { .name = "ykunlock-unit-test" };
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), -ENOSYS);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        assert_int_equal(vault_open_with_secret(&f->loc, &auth, &op, &res), -ENOSYS);
        assert_int_equal(vault_close("ykunlock-unit-test"), -ENOSYS);
}

struct insert_log {
        unsigned calls;
        char label[64];
        uint32_t serials[4];
        size_t n;
        bool unknown;
};

static void on_insert(void *userdata, const char *label, const uint32_t *serials, size_t n, bool unknown) {
        struct insert_log *l = userdata;
        l->calls++;
        snprintf(l->label, sizeof(l->label), "%s", label);
        l->n = n;
        for (size_t i = 0; i < n && i < 4; i++)
                l->serials[i] = serials[i];
        l->unknown = unknown;
}

/* Card B present but only A enrolled: no wait → -ENODEV; with a wait → asked once. */
static void test_wrong_token(void **state) {
        struct vf *f = *state;
        assert_true(vf_enroll(f, 0, NULL, false) > 0);
        vf_remove(f, 0);
        vf_insert(f, 1);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        struct vault_open_params op = {};
        struct vault_open_result res = { .token_id = 77 };
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), -ENODEV);
        assert_int_equal(res.token_id, 77);

        struct insert_log log = {};
        struct vault_insert_prompt prompt = { .insert = on_insert, .userdata = &log };
        f->ctx.insert = &prompt;
        op.timeout_s = 1;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), -ENODEV);
        assert_int_equal(log.calls, 1);
        assert_string_equal(log.label, "test-vault");
        assert_int_equal(log.n, 1);
        assert_int_equal(log.serials[0], VF_SERIAL_A);
        assert_false(log.unknown);
        f->ctx.insert = NULL;
        vf_assert_unchanged(f->image, before);
}

/* Same serial, new secret: the keyslot does not open; nothing changes. */
static void test_reprogrammed_secret(void **state) {
        struct vf *f = *state;
        assert_true(vf_enroll(f, 0, NULL, false) > 0);
        vf_program(f, 0, false);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), -EPERM);
        /* and it can't authorise an enrollment */
        vf_insert(f, 1);
        struct yk_token b = vf_token(f, 1);
        struct vault_auth auth = { .kind = VAULT_AUTH_TOKEN };
        struct vault_enroll_params p = { .token = &b, .slot = 2 };
        struct vault_enroll_result er;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), -EPERM);
        vf_assert_unchanged(f->image, before);
}

static void test_wrong_recovery_key(void **state) {
        struct vf *f = *state;
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        struct secret wrong = {};
        assert_int_equal(secret_new(f->recovery.len, &wrong), 0);
        memcpy(wrong.data, f->recovery.data, f->recovery.len);
        wrong.data[0] = wrong.data[0] == 'c' ? 'b' : 'c'; /* another key of the same form */
        struct yk_token a = vf_token(f, 0);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &wrong };
        struct vault_enroll_params p = { .token = &a, .slot = 2 };
        struct vault_enroll_result er;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), -EPERM);
        wrong.len = 31; /* not even the size of a recovery key */
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), -EPERM);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open_with_secret(&f->loc, &auth, &op, &res), -EPERM);
        secret_clear(&wrong);
        vf_assert_unchanged(f->image, before);
}

static void new_pin(const char *s, struct secret *ret) {
        assert_int_equal(secret_new(strlen(s), ret), 0);
        memcpy(ret->data, s, strlen(s));
}

static void test_pin(void **state) {
        struct vf *f = *state;
        struct secret pin = {}, wrong = {};
        new_pin("1234", &pin);
        new_pin("1235", &wrong);
        assert_int_equal(vf_enroll(f, 0, &pin, false), 1);

        struct vault_info info;
        vf_list(f, &info);
        const struct vault_entry *e = entry_of_keyslot(&info, 1);
        assert_true(e->token.pin);
        struct secret expected = {};
        vf_expected_passphrase(f, 0, &e->token, &pin, &expected);
        assert_int_equal(vf_try_keyslot(f, 1, expected.data, expected.len), 1);
        secret_clear(&expected);
        vault_info_free(&info);

        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        struct crypt_pbkdf_type pbkdf;
        assert_int_equal(crypt_keyslot_get_pbkdf(cd, 1, &pbkdf), 0);
        assert_string_equal(pbkdf.type, "argon2id");
        assert_int_equal(pbkdf.max_memory_kb, 32);
        crypt_free(cd);

        uint8_t before[32];
        vf_fingerprint(f->image, before);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), -ENOANO);
        op.pin = &wrong;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), -ENOANO);
        op.pin = &pin;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0);
        assert_int_equal(res.keyslot, 1);
        vf_assert_unchanged(f->image, before);
        secret_clear(&pin);
        secret_clear(&wrong);
}

static void test_already_enrolled(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        struct yk_token a = vf_token(f, 0);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        struct vault_enroll_params p = { .token = &a, .slot = 2 };
        struct vault_enroll_result er = {};
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), -EEXIST);
        assert_int_equal(er.existing_token_id, 1);
        vf_assert_unchanged(f->image, before);

        /* replace: a new token and keyslot, the old pair gone */
        p.replace = true;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), 0);
        assert_int_equal(er.replaced, 1);
        struct vault_info info;
        vf_list(f, &info);
        assert_int_equal(info.n_entries, 2);
        assert_int_equal(info.entries[1].kind, VAULT_ENTRY_TOKEN);
        assert_int_equal(info.entries[1].keyslot, er.keyslot);
        assert_int_equal(info.entries[1].token_id, er.token_id);
        vault_info_free(&info);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0);
        assert_int_equal(res.keyslot, er.keyslot);
}

/* What a crash between the first and the second header write of enroll leaves: a pending
 * token of serial A at `token_id` that names `keyslot`. */
static void write_pending_token(struct crypt_device *cd, int token_id, int keyslot) {
        char json[512];
        snprintf(json, sizeof(json),
                 "{\"type\":\"ykunlock\",\"keyslots\":[],\"version\":1,\"serial\":%u,\"slot\":2,"
                 "\"challenge\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\",\"touch\":false,\"pin\":false,"
                 "\"created\":\"2026-11-27T07:13:06Z\",\"pending-keyslot\":%d}",
                 VF_SERIAL_A, keyslot);
        assert_int_equal(crypt_token_json_set(cd, token_id, json), token_id);
}

/* A crash left a pending token of the same key behind (token 2, pending keyslot 2). A re-enroll
 * with replace removes it first, and the new token may reuse both numbers: replacing the old
 * token must not take the new one with it. */
static void test_replace_after_stale_pending(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        write_pending_token(cd, /* token_id= */ 2, /* keyslot= */ 2);
        crypt_free(cd);

        struct yk_token a = vf_token(f, 0);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        struct vault_enroll_params p = { .token = &a, .slot = 2, .replace = true };
        struct vault_enroll_result er = {};
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), 0);
        assert_int_equal(er.token_id, 2);
        assert_int_equal(er.keyslot, 2);
        assert_int_equal(er.replaced, 1);

        struct vault_info info;
        vf_list(f, &info);
        assert_int_equal(info.n_entries, 2); /* the recovery key and the new token */
        const struct vault_entry *e = entry_of_keyslot(&info, 2);
        assert_non_null(e);
        assert_int_equal(e->kind, VAULT_ENTRY_TOKEN);
        assert_int_equal(e->token_id, 2);
        vault_info_free(&info);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0);
        assert_int_equal(res.keyslot, 2);
}

/* A crash left a pending token naming keyslot 3, and then another tool (cryptsetup luksAddKey)
 * took keyslot 3 for a passphrase. That keyslot is not ykunlock's: it is listed as a passphrase,
 * stays a way in, and removing the stale token never destroys it. */
static void test_pending_keyslot_taken_by_another_tool(void **state) {
        struct vf *f = *state;
        static const char user_pass[] = "a passphrase the user added";
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        write_pending_token(cd, /* token_id= */ 5, /* keyslot= */ 3);
        /* What luksAddKey would do, with a quick PBKDF that is not ykunlock's. */
        const struct crypt_pbkdf_type quick = {
                .type = CRYPT_KDF_PBKDF2, .hash = "sha256", .iterations = 1000, .flags = CRYPT_PBKDF_NO_BENCHMARK
        };
        assert_int_equal(crypt_set_pbkdf_type(cd, &quick), 0);
        assert_int_equal(crypt_keyslot_add_by_passphrase(cd, 3, (const char *) f->recovery.data, f->recovery.len,
                                                         user_pass, strlen(user_pass)),
                         3);
        crypt_free(cd);

        struct vault_info info;
        vf_list(f, &info);
        const struct vault_entry *e = entry_of_keyslot(&info, 3);
        assert_non_null(e);
        assert_int_equal(e->kind, VAULT_ENTRY_PASSPHRASE);
        bool stale_listed = false;
        for (size_t i = 0; i < info.n_entries; i++)
                if (info.entries[i].kind == VAULT_ENTRY_STALE_PENDING && info.entries[i].token_id == 5)
                        stale_listed = true;
        assert_true(stale_listed);
        vault_info_free(&info);

        /* Not a keyslot left by ykunlock: --keyslot refuses it, nothing changes. */
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_KEYSLOT, 3), -EINVAL);
        vf_assert_unchanged(f->image, before);

        /* Removing the stale token leaves the user's keyslot, which still opens the vault. */
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_TOKEN_ID, 5), 1); /* one removed */
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        assert_int_equal(crypt_activate_by_passphrase(cd, NULL, 3, user_pass, strlen(user_pass), 0), 3);
        assert_true(crypt_token_status(cd, 5, NULL) == CRYPT_TOKEN_INACTIVE);
        crypt_free(cd);
}

/* A token that shows no serial: only with the option; then only such a token opens it. */
static void test_unknown_serial(void **state) {
        struct vf *f = *state;
        vf_program(f, 0, /* hide_serial= */ true);
        struct yk_token a = vf_token(f, 0);
        assert_false(a.serial_known);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        struct vault_enroll_params p = { .token = &a, .slot = 2 };
        struct vault_enroll_result er;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), -EINVAL);
        vf_assert_unchanged(f->image, before);
        p.allow_unknown_serial = true;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), 0);

        struct vault_info info;
        vf_list(f, &info);
        assert_false(info.entries[1].token.serial_known);
        vault_info_free(&info);

        /* card B shows its serial: not a match, not even tried */
        vf_remove(f, 0);
        vf_insert(f, 1);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), -ENODEV);
        vf_remove(f, 1);
        vf_insert(f, 0);
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0);
        assert_false(res.serial_known);
}

/* The card is pulled out between discovery and the challenge. */
static void test_pulled_out_mid_enroll(void **state) {
        struct vf *f = *state;
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        struct yk_token a = vf_token(f, 0);
        assert_int_equal(emu_backend_remove_card(f->cards[0].reader), 0);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        struct vault_enroll_params p = { .token = &a, .slot = 2 };
        struct vault_enroll_result er;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), -ENODEV);
        vf_assert_unchanged(f->image, before);
        struct vault_info info;
        vf_list(f, &info);
        assert_int_equal(info.n_entries, 1);
        vault_info_free(&info);
}

/* Enroll B authorised by token A; A can open, B can open. */
static void test_enroll_by_token(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_insert(f, 1);
        struct yk_token b = vf_token(f, 1);
        struct vault_auth auth = { .kind = VAULT_AUTH_TOKEN };
        struct vault_enroll_params p = { .token = &b, .slot = 2 };
        struct vault_enroll_result er;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), 0);
        assert_int_equal(er.keyslot, 2);
        vf_remove(f, 0);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0);
        assert_int_equal(res.serial, VF_SERIAL_B);
        assert_int_equal(res.keyslot, 2);

        /* no token enrolled is present: a token can't authorise */
        vf_remove(f, 1);
        vf_insert(f, 2);
        struct yk_token c = vf_token(f, 2);
        p.token = &c;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &p, &er), -ENODEV);
}

static void test_unenroll(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_insert(f, 1);
        assert_int_equal(vf_enroll(f, 1, NULL, false), 2);
        uint8_t before[32];
        vf_fingerprint(f->image, before);

        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_SERIAL, 99), -ENOENT);
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_TOKEN_ID, 7), -ENOENT);
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_TOKEN_ID, 0), -EINVAL); /* the recovery marker */
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_KEYSLOT, 1), -EINVAL);  /* not pending */
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_KEYSLOT, 9), -ENOENT);
        vf_assert_unchanged(f->image, before);

        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_SERIAL, VF_SERIAL_A), 1);
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_TOKEN_ID, 2), 1);
        struct vault_info info;
        vf_list(f, &info);
        assert_int_equal(info.n_entries, 1);
        assert_int_equal(info.entries[0].kind, VAULT_ENTRY_RECOVERY);
        vault_info_free(&info);
        assert_int_equal(vf_try_keyslot(f, CRYPT_ANY_SLOT, f->recovery.data, f->recovery.len), 0);
}

/* With the recovery keyslot gone, the last token is the last way in. */
static void test_unenroll_last_way_in(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_sh("cryptsetup -q --batch-mode luksKillSlot '%s' 0 </dev/null >/dev/null 2>&1", f->image);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_SERIAL, VF_SERIAL_A), -EMLINK);
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_TOKEN_ID, 1), -EMLINK);
        vf_assert_unchanged(f->image, before);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0);
}

/* A passphrase added by stock cryptsetup authorises, is listed as a passphrase, and opens. */
static void test_passphrase(void **state) {
        struct vf *f = *state;
        char keyfile[160], pass[] = "correct horse battery staple";
        snprintf(keyfile, sizeof(keyfile), "%s/pass", f->dir);
        FILE *fp = fopen(keyfile, "w");
        fputs(pass, fp);
        fclose(fp);
        char rec[160];
        snprintf(rec, sizeof(rec), "%s/rec", f->dir);
        fp = fopen(rec, "w");
        fwrite(f->recovery.data, 1, f->recovery.len, fp);
        fclose(fp);
        vf_sh("cryptsetup luksAddKey --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file '%s' '%s' '%s'"
              " </dev/null >/dev/null", rec, f->image, keyfile);

        struct secret p = {};
        new_pin(pass, &p);
        struct vault_auth auth = { .kind = VAULT_AUTH_PASSPHRASE, .secret = &p };
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open_with_secret(&f->loc, &auth, &op, &res), 0);
        assert_int_equal(res.keyslot, 1);
        struct yk_token a = vf_token(f, 0);
        struct vault_enroll_params ep = { .token = &a, .slot = 2 };
        struct vault_enroll_result er;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &ep, &er), 0);
        assert_int_equal(er.keyslot, 2);
        struct vault_info info;
        vf_list(f, &info);
        assert_int_equal(info.n_entries, 3);
        assert_int_equal(entry_of_keyslot(&info, 1)->kind, VAULT_ENTRY_PASSPHRASE);
        assert_int_equal(entry_of_keyslot(&info, 1)->token_id, -1);
        vault_info_free(&info);
        secret_clear(&p);
}

/* The plugin's two entry points: validate, and one token's passphrase with a present key. */
static void test_plugin_api(void **state) {
        struct vf *f = *state;
        struct secret pin = {};
        new_pin("9876", &pin);
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_insert(f, 1);
        assert_int_equal(vf_enroll(f, 1, &pin, false), 2);
        vf_remove(f, 1);

        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        const char *json = NULL;
        assert_int_equal(crypt_token_json_get(cd, 1, &json), 1);
        assert_int_equal(vault_token_validate(cd, json), 0);
        assert_int_equal(vault_token_validate(cd, "{\"type\":\"ykunlock\",\"keyslots\":[\"1\"]}"), -EBADMSG);

        struct secret pass = {};
        assert_int_equal(vault_token_passphrase(cd, 1, &f->ctx, /* timeout= */ NULL, NULL, &pass), 0);
        assert_int_equal(crypt_activate_by_passphrase(cd, NULL, 1, (const char *) pass.data, pass.len, 0), 1);
        secret_clear(&pass);
        /* token 2 is card B's, which is not present; and it needs a PIN */
        assert_int_equal(vault_token_passphrase(cd, 2, &f->ctx, /* timeout= */ NULL, &pin, &pass), -EAGAIN);
        vf_insert(f, 1);
        assert_int_equal(vault_token_passphrase(cd, 2, &f->ctx, /* timeout= */ NULL, NULL, &pass), -ENOANO);
        assert_int_equal(vault_token_passphrase(cd, 2, &f->ctx, /* timeout= */ NULL, &pin, &pass), 0);
        assert_int_equal(crypt_activate_by_passphrase(cd, NULL, 2, (const char *) pass.data, pass.len, 0), 2);
        secret_clear(&pass);
        /* the recovery marker and an empty id are no ykunlock tokens */
        assert_int_equal(vault_token_passphrase(cd, 0, &f->ctx, /* timeout= */ NULL, NULL, &pass), -ENOENT);
        assert_int_equal(vault_token_passphrase(cd, 5, &f->ctx, /* timeout= */ NULL, NULL, &pass), -ENOENT);
        crypt_free(cd);
        secret_clear(&pin);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_enroll_and_open, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enroll_and_open, setup_detached, teardown),
                cmocka_unit_test_setup_teardown(test_open_tries_one_keyslot, setup, teardown),
                cmocka_unit_test_setup_teardown(test_open_needs_device_mapper, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_token, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reprogrammed_secret, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_recovery_key, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pin, setup, teardown),
                cmocka_unit_test_setup_teardown(test_already_enrolled, setup, teardown),
                cmocka_unit_test_setup_teardown(test_replace_after_stale_pending, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pending_keyslot_taken_by_another_tool, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unknown_serial, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pulled_out_mid_enroll, setup, teardown),
                cmocka_unit_test_setup_teardown(test_enroll_by_token, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unenroll, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unenroll_last_way_in, setup, teardown),
                cmocka_unit_test_setup_teardown(test_passphrase, setup, teardown),
                cmocka_unit_test_setup_teardown(test_plugin_api, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
