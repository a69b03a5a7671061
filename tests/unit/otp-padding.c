/* HMAC_LT64 padding (src/otp/padding.c, docs/protocol.md §3), checked against the key's rule written
 * here on its own: the key drops the last byte and every equal byte just before it, then
 * hashes the rest. The HMAC of that must equal OpenSSL's HMAC of the challenge itself. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "otp/padding.h"

/* What a key with HMAC_LT64 hashes of the 64 bytes it received. */
static size_t key_trim(const uint8_t in[64]) {
        size_t n = 63;
        while (n > 0 && in[n - 1] == in[63])
                n--;
        return n;
}

static void ref_hmac(const uint8_t *msg, size_t len, uint8_t out[20]) {
        static const uint8_t secret[20] = "0123456789:;<=>?@ABC";
        unsigned out_len = 0;
        assert_non_null(HMAC(EVP_sha1(), secret, sizeof(secret), len ? msg : secret, len, out, &out_len));
        assert_int_equal(out_len, 20);
}

static void check_roundtrip(const uint8_t *challenge, size_t len) {
        uint8_t padded[64], a[20], b[20];

        assert_int_equal(yk_pad_challenge(challenge, len, padded), 0);
        assert_memory_equal(padded, challenge, len);
        assert_int_equal(key_trim(padded), len);
        ref_hmac(padded, key_trim(padded), a);
        ref_hmac(challenge, len, b);
        assert_memory_equal(a, b, 20);
}

static void test_pad_bytes(void **state) {
        uint8_t c[32], padded[64];

        memset(c, 0xa5, sizeof(c));
        assert_int_equal(yk_pad_challenge(c, 32, padded), 0);
        for (size_t i = 32; i < 64; i++)
                assert_int_equal(padded[i], 0x00);

        c[31] = 0x00; /* ends in 0x00: padded with 0x01 */
        assert_int_equal(yk_pad_challenge(c, 32, padded), 0);
        assert_int_equal(padded[31], 0x00);
        for (size_t i = 32; i < 64; i++)
                assert_int_equal(padded[i], 0x01);

        /* A zero-padded challenge that ends in 0x00 would lose its tail (old ykchalresp). */
        uint8_t zero_padded[64] = { 0 };
        memcpy(zero_padded, c, 32);
        assert_int_equal(key_trim(zero_padded), 31);
        assert_int_equal(key_trim(padded), 32);
}

static void test_roundtrip_edges(void **state) {
        uint8_t c[63];

        check_roundtrip(NULL, 0);
        memset(c, 0x00, sizeof(c));
        for (size_t len = 1; len <= 63; len++)
                check_roundtrip(c, len); /* all zeros */
        memset(c, 0x01, sizeof(c));
        for (size_t len = 1; len <= 63; len++)
                check_roundtrip(c, len); /* all ones: padded with zeros */
        c[40] = 0x00;
        check_roundtrip(c, 41); /* ...01 00 */
        check_roundtrip(c, 42); /* ...00 01 */
}

static void test_roundtrip_random(void **state) {
        uint8_t c[63];
        srand(20260213);
        for (int i = 0; i < 2000; i++) {
                size_t len = 32 + (size_t) (rand() % 32);
                for (size_t j = 0; j < len; j++)
                        c[j] = (uint8_t) (rand() % 3); /* many 00 / 01 tails */
                check_roundtrip(c, len);
        }
}

static void test_refuses(void **state) {
        uint8_t c[64] = { 0 }, padded[64];
        memset(padded, 0xee, sizeof(padded));
        assert_int_equal(yk_pad_challenge(c, 64, padded), -EINVAL);
        assert_int_equal(yk_pad_challenge(NULL, 5, padded), -EINVAL);
        assert_int_equal(padded[0], 0xee);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pad_bytes),
                cmocka_unit_test(test_roundtrip_edges),
                cmocka_unit_test(test_roundtrip_random),
                cmocka_unit_test(test_refuses),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
