/* HMAC-SHA1 (src/crypto/hmac.c) against the test vectors of RFC 2202, typed in. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/hmac.h"

static void test_rfc2202(void **state) {
        struct yk_response out;
        uint8_t key[80];

        /* Test case 1: key 0x0b x 20, "Hi There". */
        memset(key, 0x0b, 20);
        assert_int_equal(crypto_hmac_sha1(key, 20, (const uint8_t *) "Hi There", 8, &out), 0);
        assert_memory_equal(out.bytes, "\xb6\x17\x31\x86\x55\x05\x72\x64\xe2\x8b\xc0\xb6\xfb\x37\x8c\x8e\xf1\x46\xbe\x00", 20);

        /* Test case 2: key "Jefe". */
        assert_int_equal(crypto_hmac_sha1((const uint8_t *) "Jefe", 4,
                                          (const uint8_t *) "what do ya want for nothing?", 28, &out), 0);
        assert_memory_equal(out.bytes, "\xef\xfc\xdf\x6a\xe5\xeb\x2f\xa2\xd2\x74\x16\xd5\xf1\x84\xdf\x9c\x25\x9a\x7c\x79", 20);

        /* Test case 6: a key longer than the block (80 bytes of 0xaa). */
        memset(key, 0xaa, 80);
        const char *m = "Test Using Larger Than Block-Size Key - Hash Key First";
        assert_int_equal(crypto_hmac_sha1(key, 80, (const uint8_t *) m, strlen(m), &out), 0);
        assert_memory_equal(out.bytes, "\xaa\x4a\xe5\xe1\x52\x72\xd0\x0e\x95\x70\x56\x37\xce\x8a\x3b\x55\xed\x40\x21\x12", 20);
}

static void test_empty_and_bad(void **state) {
        struct yk_response out;
        /* HMAC-SHA1 with an empty key and an empty message (openssl dgst -sha1 -hmac ''). */
        assert_int_equal(crypto_hmac_sha1(NULL, 0, NULL, 0, &out), 0);
        assert_memory_equal(out.bytes, "\xfb\xdb\x1d\x1b\x18\xaa\x6c\x08\x32\x4b\x7d\x64\xb7\x1f\xb7\x63\x70\x69\x0e\x1d", 20);
        assert_int_equal(crypto_hmac_sha1(NULL, 3, NULL, 0, &out), -EINVAL);
        assert_int_equal(crypto_hmac_sha1((const uint8_t *) "k", 1, NULL, 2, &out), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rfc2202),
                cmocka_unit_test(test_empty_and_bad),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
