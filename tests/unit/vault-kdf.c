/* HKDF-SHA256 and the keyslot passphrase against answers computed elsewhere: RFC 5869's test
 * vectors, and docs/token-format.md's known answer computed with the openssl command line:
 *   openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:R[PINHEX] -kdfopt hexsalt:C \
 *     -kdfopt info:ykunlock-v1:0d6b5ae2-1111-4222-8333-444455556666 -binary HKDF | xxd -p -c 64 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/kdf.h"
#include "shared/hex.h"
#include "shared/secmem.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap) {
        size_t n = 0;
        assert_int_equal(hex_decode(h, strlen(h), out, cap, &n), 0);
        return n;
}

static void assert_secret_hex(const struct secret *s, const char *want) {
        char got[2 * 256 + 1];
        assert_true(s->len <= 256);
        hex_encode(s->data, s->len, got);
        assert_string_equal(got, want);
}

/* RFC 5869 A.1 */
static void test_rfc5869_case1(void **state) {
        uint8_t ikm[22], salt[13], info[10];
        size_t il = unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", ikm, sizeof(ikm));
        size_t sl = unhex("000102030405060708090a0b0c", salt, sizeof(salt));
        size_t nl = unhex("f0f1f2f3f4f5f6f7f8f9", info, sizeof(info));
        _cleanup_(secret_clearp) struct secret okm = {};
        assert_int_equal(kdf_hkdf_sha256(ikm, il, salt, sl, info, nl, 42, &okm), 0);
        assert_secret_hex(&okm, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c"
                                "5db02d56ecc4c5bf34007208d5b887185865");
}

/* RFC 5869 A.3: no salt, no info */
static void test_rfc5869_case3(void **state) {
        uint8_t ikm[22];
        size_t il = unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", ikm, sizeof(ikm));
        _cleanup_(secret_clearp) struct secret okm = {};
        assert_int_equal(kdf_hkdf_sha256(ikm, il, NULL, 0, NULL, 0, 42, &okm), 0);
        assert_secret_hex(&okm, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879e"
                                "c3454e5f3c738d2d9d201395faa4b61a96c8");
}

#define UUID "0d6b5ae2-1111-4222-8333-444455556666"
#define RESP "6b8802cefb7b63e9aa016a0a8525ceb2c1effca5"

static void challenge_0_31(uint8_t c[32]) {
        for (int i = 0; i < 32; i++)
                c[i] = (uint8_t) i;
}

static void test_passphrase_no_pin(void **state) {
        struct yk_response resp;
        uint8_t chal[32];
        unhex(RESP, resp.bytes, sizeof(resp.bytes));
        challenge_0_31(chal);
        _cleanup_(secret_clearp) struct secret k = {};
        assert_int_equal(kdf_keyslot_passphrase(&resp, NULL, chal, sizeof(chal), UUID, &k), 0);
        assert_int_equal(k.len, 32);
        assert_secret_hex(&k, "bb4c817745522d9f000afbcbebff2b3a07a3aa2de4afc96cc3c0a0e8a70efb16");
}

static void test_passphrase_pin(void **state) {
        struct yk_response resp;
        uint8_t chal[32];
        unhex(RESP, resp.bytes, sizeof(resp.bytes));
        challenge_0_31(chal);
        _cleanup_(secret_clearp) struct secret pin = {};
        assert_int_equal(secret_new(4, &pin), 0);
        memcpy(pin.data, "1234", 4);
        _cleanup_(secret_clearp) struct secret k = {};
        assert_int_equal(kdf_keyslot_passphrase(&resp, &pin, chal, sizeof(chal), UUID, &k), 0);
        assert_secret_hex(&k, "9d9b2aca9949d69ed4d15ae0f3dff51005e5f34e4a851a4be761853ec02c0f81");
}

/* Another UUID, another key: the same token in two vaults gives unrelated passphrases. */
static void test_passphrase_bound_to_uuid(void **state) {
        struct yk_response resp;
        uint8_t chal[32];
        unhex(RESP, resp.bytes, sizeof(resp.bytes));
        challenge_0_31(chal);
        _cleanup_(secret_clearp) struct secret a = {}, b = {};
        assert_int_equal(kdf_keyslot_passphrase(&resp, NULL, chal, 32, UUID, &a), 0);
        assert_int_equal(kdf_keyslot_passphrase(&resp, NULL, chal, 32, "0d6b5ae2-1111-4222-8333-444455556667", &b), 0);
        assert_int_not_equal(secure_memcmp(a.data, b.data, 32), 0);
}

static void test_passphrase_bad_input(void **state) {
        struct yk_response resp = {};
        uint8_t chal[64] = {};
        struct secret k = { .data = (uint8_t *) 1, .len = 99 };
        struct secret empty_pin = { .data = chal, .len = 0 };
        struct secret long_pin = { .data = chal, .len = YK_PIN_MAX + 1 };
        assert_int_equal(kdf_keyslot_passphrase(&resp, NULL, chal, 31, UUID, &k), -EINVAL);
        assert_int_equal(kdf_keyslot_passphrase(&resp, NULL, chal, 64, UUID, &k), -EINVAL);
        assert_int_equal(kdf_keyslot_passphrase(&resp, &empty_pin, chal, 32, UUID, &k), -EINVAL);
        assert_int_equal(kdf_keyslot_passphrase(&resp, &long_pin, chal, 32, UUID, &k), -EINVAL);
        assert_int_equal(kdf_keyslot_passphrase(&resp, NULL, chal, 32, "", &k), -EINVAL);
        assert_int_equal(kdf_hkdf_sha256(resp.bytes, sizeof(resp.bytes), NULL, 0, NULL, 0, 0, &k), -EINVAL);
        assert_int_equal(kdf_hkdf_sha256(resp.bytes, sizeof(resp.bytes), NULL, 0, NULL, 0, 255 * 32 + 1, &k), -EINVAL);
        /* ret_* untouched on failure */
        assert_ptr_equal(k.data, (uint8_t *) 1);
        assert_int_equal(k.len, 99);
        /* 63 bytes is the longest challenge a reader accepts */
        _cleanup_(secret_clearp) struct secret ok = {};
        assert_int_equal(kdf_keyslot_passphrase(&resp, NULL, chal, 63, UUID, &ok), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rfc5869_case1),
                cmocka_unit_test(test_rfc5869_case3),
                cmocka_unit_test(test_passphrase_no_pin),
                cmocka_unit_test(test_passphrase_pin),
                cmocka_unit_test(test_passphrase_bound_to_uuid),
                cmocka_unit_test(test_passphrase_bad_input),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
