/* Bad vaults and bad tokens (issue 3, §3): each refused with its errno, and the header bytes
 * unchanged (SHA-256 of the files before and after). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <libcryptsetup.h>

#include "crypto/random.h"
#include "vault-fixture.h"

static int setup(void **state) {
        *state = vf_new();
        return 0;
}

static int teardown(void **state) {
        vf_free(*state);
        return 0;
}

/* Every operation on `loc` fails with `want` and changes nothing in `path`. */
static void assert_all_refuse(struct vf *f, const struct vault_location *loc, const char *path, int want) {
        uint8_t before[32];
        vf_fingerprint(path, before);
        struct vault_info info;
        assert_int_equal(vault_list(loc, &info), want);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(loc, &f->ctx, &op, &res), want);
        struct secret key = {};
        assert_int_equal(secret_new(32, &key), 0);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &key };
        assert_int_equal(vault_open_with_secret(loc, &auth, &op, &res), want);
        struct yk_token a = vf_token(f, 0);
        struct vault_enroll_params p = { .token = &a, .slot = 2 };
        struct vault_enroll_result er;
        assert_int_equal(vault_enroll(loc, &f->ctx, &auth, &p, &er), want);
        assert_int_equal(vault_unenroll(loc, VAULT_UNENROLL_SERIAL, VF_SERIAL_A), want);
        assert_int_equal(vault_unenroll(loc, VAULT_UNENROLL_KEYSLOT, 1), want);
        secret_clear(&key);
        vf_assert_unchanged(path, before);
}

static void test_not_luks(void **state) {
        struct vf *f = *state;
        FILE *fp = fopen(f->image, "w");
        static uint8_t buf[1 << 20];
        assert_int_equal(crypto_random(buf, sizeof(buf)), 0);
        for (int i = 0; i < 32; i++)
                fwrite(buf, 1, sizeof(buf), fp);
        fclose(fp);
        assert_all_refuse(f, &f->loc, f->image, -EBADMSG);
        /* an empty file too */
        assert_int_equal(truncate(f->image, 0), 0);
        assert_all_refuse(f, &f->loc, f->image, -EBADMSG);
}

static void test_luks1(void **state) {
        struct vf *f = *state;
        vf_sh("truncate -s 32M '%s' && head -c 32 /dev/urandom >'%s/key' && "
              "cryptsetup luksFormat -q --type luks1 --pbkdf-force-iterations 1000 --key-file '%s/key' '%s' </dev/null",
              f->image, f->dir, f->dir, f->image);
        assert_all_refuse(f, &f->loc, f->image, -EBADMSG);
}

static void test_truncated(void **state) {
        struct vf *f = *state;
        vf_create(f, false);
        /* primary header cut in its JSON area, secondary gone; then just 100 bytes */
        assert_int_equal(truncate(f->image, 16384), 0);
        assert_all_refuse(f, &f->loc, f->image, -EBADMSG);
        assert_int_equal(truncate(f->image, 100), 0);
        assert_all_refuse(f, &f->loc, f->image, -EBADMSG);
}

static int link_file(const char *from, const char *to) {
        return link(from, to) < 0 ? -errno : 0;
}

static void test_detached_mismatch(void **state) {
        struct vf *f = *state;
        vf_create(f, true); /* f->header + f->image */
        /* another vault, attached, given as the data of the first header */
        char other[160];
        snprintf(other, sizeof(other), "%s/other.img", f->dir);
        struct vault_location o = { .device = other };
        struct vault_create_params p = { .size = 32 << 20 };
        struct secret key = {};
        assert_int_equal(vault_create(&o, &p, &key), 0);
        secret_clear(&key);
        struct vault_location mixed = { .device = other, .header = f->header };
        uint8_t before[32];
        vf_fingerprint(other, before);
        assert_all_refuse(f, &mixed, f->header, -EBADMSG);
        vf_assert_unchanged(other, before);
        /* the image as its own header: refused as such (-EINVAL), before anything is read */
        struct vault_location not_header = { .device = f->image, .header = f->image };
        assert_all_refuse(f, &not_header, f->image, -EINVAL);
        /* ... also by another name of the same file (device and inode compare equal) */
        char link[200];
        snprintf(link, sizeof(link), "%s/hard.img", f->dir);
        assert_int_equal(link_file(f->image, link), 0);
        struct vault_location linked = { .device = f->image, .header = link };
        assert_all_refuse(f, &linked, f->image, -EINVAL);
        unlink(link);
}

/* ---- malformed tokens in the header ---- */

static char *token1_json(struct vf *f) {
        struct crypt_device *cd = NULL;
        const char *json = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        assert_int_equal(crypt_token_json_get(cd, 1, &json), 1);
        char *copy = strdup(json);
        crypt_free(cd);
        return copy;
}

static int put_token(struct vf *f, int id, const char *json) {
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        int r = crypt_token_json_set(cd, id, json);
        crypt_free(cd);
        return r;
}

enum edit { DEL, SET_INT, SET_STR, SET_BOOL, SET_NULL };

static const struct {
        const char *what, *field;
        enum edit edit;
        int64_t i;
        const char *s;
} mutations[] = {
        { "version missing", "version", DEL, 0, NULL },
        { "version 2", "version", SET_INT, 2, NULL },
        { "version a string", "version", SET_STR, 0, "1" },
        { "serial missing", "serial", DEL, 0, NULL },
        { "serial a string", "serial", SET_STR, 0, "10000001" },
        { "serial too large", "serial", SET_INT, 4294967296, NULL },
        { "slot missing", "slot", DEL, 0, NULL },
        { "slot 3", "slot", SET_INT, 3, NULL },
        { "challenge missing", "challenge", DEL, 0, NULL },
        { "challenge not base64", "challenge", SET_STR, 0, "not base64 at all!!!" },
        { "challenge 31 bytes", "challenge", SET_STR, 0, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==" },
        { "challenge 64 bytes", "challenge", SET_STR, 0,
          "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==" },
        { "challenge a number", "challenge", SET_INT, 5, NULL },
        { "challenge oversized", "challenge", SET_STR, 0, NULL /* 5000 'A' */ },
        { "touch missing", "touch", DEL, 0, NULL },
        { "touch a string", "touch", SET_STR, 0, "yes" },
        { "pin missing", "pin", DEL, 0, NULL },
        { "pin null", "pin", SET_NULL, 0, NULL },
        { "created missing", "created", DEL, 0, NULL },
        { "created not RFC 3339", "created", SET_STR, 0, "yesterday" },
        { "unknown field", "comment", SET_STR, 0, "hello" },
        { "pending-keyslot next to a keyslot", "pending-keyslot", SET_INT, 1, NULL },
};

static char *mutate(const char *json, size_t i) {
        json_object *o = json_tokener_parse(json);
        assert_non_null(o);
        json_object *v = NULL;
        static char big[5001];
        switch (mutations[i].edit) {
        case DEL:
                json_object_object_del(o, mutations[i].field);
                break;
        case SET_INT:
                v = json_object_new_int64(mutations[i].i);
                break;
        case SET_STR:
                if (!mutations[i].s) {
                        memset(big, 'A', 5000);
                        v = json_object_new_string(big);
                } else
                        v = json_object_new_string(mutations[i].s);
                break;
        case SET_BOOL:
                v = json_object_new_boolean(1);
                break;
        case SET_NULL:
                break;
        }
        if (mutations[i].edit != DEL)
                json_object_object_add(o, mutations[i].field, v);
        char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        return s;
}

static void test_malformed_token(void **state) {
        struct vf *f = *state;
        vf_create(f, false);
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        char *good = token1_json(f);
        for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
                char *bad = mutate(good, i);
                if (put_token(f, 1, bad) != 1)
                        fail_msg("%s: libcryptsetup refused the token", mutations[i].what);
                uint8_t before[32];
                vf_fingerprint(f->image, before);
                struct vault_open_params op = {};
                struct vault_open_result res;
                int r = vault_open(&f->loc, &f->ctx, &op, &res);
                if (r != -EBADMSG)
                        fail_msg("%s: open gave %d, expected -EBADMSG", mutations[i].what, r);
                struct vault_info info;
                vf_list(f, &info);
                assert_int_equal(info.n_entries, 2);
                assert_int_equal(info.entries[1].kind, VAULT_ENTRY_MALFORMED);
                assert_int_equal(info.entries[1].keyslot, 1);
                assert_string_equal(info.entries[1].other_type, "ykunlock");
                vault_info_free(&info);
                vf_assert_unchanged(f->image, before);
                free(bad);
        }
        /* the good token again: it opens */
        assert_int_equal(put_token(f, 1, good), 1);
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0);
        free(good);
}

/* Issue 11 item 2: `unenroll --token-id` of a malformed or pending token never takes a keyslot
 * that another token (the recovery marker, a valid token) names, and a pending token on the
 * recovery keyslot does not shut out the recovery key. */
static void test_bad_token_on_others_keyslot(void **state) {
        struct vf *f = *state;
        vf_create(f, false);
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        char *good = token1_json(f);
        /* the recovery marker moves to id 5; id 0 is a copy of token 1 naming keyslot 0 */
        struct crypt_device *cd = NULL;
        const char *marker = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        assert_int_equal(crypt_token_json_get(cd, 0, &marker), 0);
        char *marker_copy = strdup(marker);
        crypt_free(cd);
        assert_int_equal(put_token(f, 0, NULL), 0);
        assert_int_equal(put_token(f, 5, marker_copy), 5);
        json_object *o = json_tokener_parse(good);
        json_object *ks = json_object_new_array();
        json_object_array_add(ks, json_object_new_string("0"));
        json_object_object_add(o, "keyslots", ks);
        assert_int_equal(put_token(f, 0, json_object_to_json_string(o)), 0);
        json_object_put(o);

        struct vault_info info;
        vf_list(f, &info);
        assert_int_equal(info.entries[0].keyslot, 0);
        assert_int_equal(info.entries[0].kind, VAULT_ENTRY_RECOVERY); /* not hidden by the bad token */
        vault_info_free(&info);
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_TOKEN_ID, 0), 1);
        assert_int_equal(vf_try_keyslot(f, 0, f->recovery.data, f->recovery.len), 0);

        /* a pending token claiming the recovery keyslot: the recovery key still opens */
        o = json_tokener_parse(good);
        json_object_object_add(o, "keyslots", json_object_new_array());
        json_object_object_add(o, "pending-keyslot", json_object_new_int(0));
        assert_int_equal(put_token(f, 7, json_object_to_json_string(o)), 7);
        json_object_put(o);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        struct vault_open_params op = {};
        struct vault_open_result res;
        assert_int_equal(vault_open_with_secret(&f->loc, &auth, &op, &res), 0);
        assert_int_equal(res.keyslot, 0);
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_TOKEN_ID, 7), 1);
        assert_int_equal(vf_try_keyslot(f, 0, f->recovery.data, f->recovery.len), 0);
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), 0); /* and the token A */
        assert_int_equal(res.keyslot, 1);
        free(marker_copy);
        free(good);
}

/* A ykunlock token naming the recovery keyslot: not its own, so malformed; a keyslot that does
 * not exist can't even be written (libcryptsetup checks it). */
static void test_token_keyslot_not_its_own(void **state) {
        struct vf *f = *state;
        vf_create(f, false);
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        char *good = token1_json(f);
        json_object *o = json_tokener_parse(good);
        json_object *ks = json_object_new_array();
        json_object_array_add(ks, json_object_new_string("0"));
        json_object_object_add(o, "keyslots", ks);
        char *stolen = strdup(json_object_to_json_string(o));
        assert_int_equal(put_token(f, 1, stolen), 1);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        struct vault_open_params op = {};
        struct vault_open_result res;
        /* It shares keyslot 0 with the recovery marker: malformed for list, but still tried
         * (either may be the hostile one), and its derived key does not open keyslot 0. */
        assert_int_equal(vault_open(&f->loc, &f->ctx, &op, &res), -EPERM);
        vf_assert_unchanged(f->image, before);

        ks = json_object_new_array();
        json_object_array_add(ks, json_object_new_string("9"));
        json_object_object_add(o, "keyslots", ks);
        assert_true(put_token(f, 1, json_object_to_json_string(o)) < 0);
        vf_assert_unchanged(f->image, before);

        /* a malformed token is removable by its id, with the keyslot it names alone */
        assert_int_equal(put_token(f, 1, good), 1);
        struct crypt_device *cd = NULL;
        json_object_object_del(o, "version");
        ks = json_object_new_array();
        json_object_array_add(ks, json_object_new_string("1"));
        json_object_object_add(o, "keyslots", ks);
        assert_int_equal(put_token(f, 1, json_object_to_json_string(o)), 1);
        assert_int_equal(vault_unenroll(&f->loc, VAULT_UNENROLL_TOKEN_ID, 1), 1);
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        assert_int_equal(crypt_keyslot_status(cd, 1), CRYPT_SLOT_INACTIVE);
        assert_int_equal(crypt_token_status(cd, 1, NULL), CRYPT_TOKEN_INACTIVE);
        crypt_free(cd);
        json_object_put(o);
        free(stolen);
        free(good);
}

static void test_no_free_keyslot(void **state) {
        struct vf *f = *state;
        vf_create(f, false);
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        struct crypt_pbkdf_type pbkdf = { .type = CRYPT_KDF_PBKDF2, .hash = "sha256", .iterations = 1000,
                                          .flags = CRYPT_PBKDF_NO_BENCHMARK };
        assert_int_equal(crypt_set_pbkdf_type(cd, &pbkdf), 0);
        for (int k = 1; k < 32; k++)
                assert_int_equal(crypt_keyslot_add_by_passphrase(cd, k, (const char *) f->recovery.data,
                                                                 f->recovery.len, "x", 1),
                                 k);
        crypt_free(cd);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        assert_int_equal(vf_enroll(f, 0, NULL, false), -ENOSPC);
        vf_assert_unchanged(f->image, before);
}

static void test_json_area_full(void **state) {
        struct vf *f = *state;
        vf_create(f, false);
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        /* big junk tokens, then smaller ones, until nothing fits */
        static const size_t sizes[] = { 3000, 500, 100 };
        char *junk = malloc(3100);
        unsigned added = 0;
        for (size_t s = 0; s < 3; s++) {
                char *fill = malloc(sizes[s] + 1);
                memset(fill, 'j', sizes[s]);
                fill[sizes[s]] = '\0';
                snprintf(junk, 3100, "{\"type\":\"junk\",\"keyslots\":[],\"x\":\"%s\"}", fill);
                free(fill);
                int r;
                while ((r = crypt_token_json_set(cd, CRYPT_ANY_TOKEN, junk)) >= 0)
                        added++;
                assert_true(r == -ENOSPC || r == -EINVAL);
        }
        free(junk);
        crypt_free(cd);
        assert_true(added > 10);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        assert_int_equal(vf_enroll(f, 0, NULL, false), -ENOSPC);
        vf_assert_unchanged(f->image, before);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_not_luks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_luks1, setup, teardown),
                cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
                cmocka_unit_test_setup_teardown(test_detached_mismatch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_malformed_token, setup, teardown),
                cmocka_unit_test_setup_teardown(test_token_keyslot_not_its_own, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_token_on_others_keyslot, setup, teardown),
                cmocka_unit_test_setup_teardown(test_no_free_keyslot, setup, teardown),
                cmocka_unit_test_setup_teardown(test_json_area_full, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
