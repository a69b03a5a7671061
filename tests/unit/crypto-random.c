/* crypto_random (src/crypto/random.c): every byte filled, large requests, bad arguments. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/random.h"

static void test_fills(void **state) {
        uint8_t a[64], b[64], zero[64] = { 0 };

        memset(a, 0, sizeof(a));
        memset(b, 0, sizeof(b));
        assert_int_equal(crypto_random(a, sizeof(a)), 0);
        assert_int_equal(crypto_random(b, sizeof(b)), 0);
        assert_memory_not_equal(a, zero, sizeof(a));
        assert_memory_not_equal(a, b, sizeof(a));
}

static void test_large(void **state) {
        /* More than getrandom(2) hands out in one call (32 MiB - 1): the loop must finish it. */
        size_t len = 40u << 20;
        uint8_t *buf = calloc(1, len);
        assert_non_null(buf);
        assert_int_equal(crypto_random(buf, len), 0);
        /* The last 4 KiB were written too: all zero would have probability 2^-32768. */
        size_t nonzero = 0;
        for (size_t i = len - 4096; i < len; i++)
                nonzero += buf[i] != 0;
        assert_true(nonzero > 3500);
        free(buf);
}

static void test_bad(void **state) {
        assert_int_equal(crypto_random(NULL, 0), 0);
        assert_int_equal(crypto_random(NULL, 1), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fills),
                cmocka_unit_test(test_large),
                cmocka_unit_test(test_bad),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
