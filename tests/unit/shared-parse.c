/* src/shared/parse.c: numbers and the size grammar of `create --size` (coreutils' units). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "shared/parse.h"

static void test_size_units(void **state) {
        static const struct {
                const char *text;
                uint64_t bytes;
        } good[] = {
                { "0", 0 },
                { "4096", 4096 },
                { "64M", 64ull << 20 },
                { "64m", 64ull << 20 },
                { "64MiB", 64ull << 20 },
                { "500G", 500ull << 30 },
                { "2t", 2ull << 40 },
                { "1K", 1024 },
                { "1k", 1024 },
                { "1KiB", 1024 },
                { "3P", 3ull << 50 },
                { "15E", 15ull << 60 },
                /* coreutils: with B, powers of 1000 */
                { "1kB", 1000 },
                { "1KB", 1000 },
                { "64MB", 64000000 },
                { "2GB", 2000000000 },
                { "3TB", 3000000000000ull },
                { "1PB", 1000000000000000ull },
                { "18EB", 18000000000000000000ull },
                { "18446744073709551615", UINT64_MAX },
                { "007M", 7ull << 20 },
        };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                uint64_t v = 1;
                int r = parse_size(good[i].text, &v);
                if (r != 0 || v != good[i].bytes)
                        fail_msg("parse_size(\"%s\") = %d, %llu; want 0, %llu", good[i].text, r, (unsigned long long) v,
                                 (unsigned long long) good[i].bytes);
        }
}

static void test_size_refused(void **state) {
        static const char *const bad[] = {
                "", "M", "B", "iB", "MiB", "-1M", "+1M", " 1M", "1M ", "33554432 ", "33554432\n", "1 M", "1.5G", "1,5G",
                "10X", "10MM", "99999999999999999999999MM", "99999999999999999999 ", "10Mi", "10MIB", "10Mib", "10Mb", "10MBB", "10MiBB", "1B", "1iB", "0x10", "1e6",
                "64M\t", "\t64M", "Z", "1Z", "1Y", "--1",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                uint64_t v = 42;
                int r = parse_size(bad[i], &v);
                if (r != -EINVAL || v != 42)
                        fail_msg("parse_size(\"%s\") = %d, want -EINVAL and the output untouched", bad[i], r);
        }
        uint64_t v;
        assert_int_equal(parse_size(NULL, &v), -EINVAL);
        assert_int_equal(parse_size("1", NULL), -EINVAL);
}

static void test_size_too_large(void **state) {
        static const char *const big[] = {
                "16E", "16EiB", "17179869184G", "19EB", "18446744073709551616", "99999999999999999999",
                "18446744073709551615K", "18446744073709552kB",
        };
        for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
                uint64_t v = 42;
                int r = parse_size(big[i], &v);
                if (r != -ERANGE || v != 42)
                        fail_msg("parse_size(\"%s\") = %d, want -ERANGE and the output untouched", big[i], r);
        }
        uint64_t v;
        assert_int_equal(parse_size("18446744073709551kB", &v), 0);
        assert_int_equal(v, 18446744073709551000ull);
}

static void test_size_increment(void **state) {
        uint64_t v = 0;
        bool plus = true;
        assert_int_equal(parse_size_or_increment("1G", &v, &plus), 0);
        assert_int_equal(v, 1ull << 30);
        assert_false(plus);
        assert_int_equal(parse_size_or_increment("+512MB", &v, &plus), 0);
        assert_int_equal(v, 512000000);
        assert_true(plus);
        v = 42, plus = false;
        assert_int_equal(parse_size_or_increment("++1G", &v, &plus), -EINVAL);
        assert_int_equal(parse_size_or_increment("+", &v, &plus), -EINVAL);
        assert_int_equal(parse_size_or_increment("-1G", &v, &plus), -EINVAL);
        assert_int_equal(parse_size_or_increment("+ 1G", &v, &plus), -EINVAL);
        assert_int_equal(parse_size_or_increment("+16E", &v, &plus), -ERANGE);
        assert_int_equal(v, 42);
        assert_false(plus);
}

static void test_round_up(void **state) {
        uint64_t v = 7;
        assert_int_equal(size_round_up(0, 4096, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(size_round_up(1, 4096, &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(size_round_up(4096, 4096, &v), 0);
        assert_int_equal(v, 4096);
        assert_int_equal(size_round_up(33554433, 4096, &v), 0);
        assert_int_equal(v, 33558528);
        assert_int_equal(size_round_up(UINT64_MAX - 4095, 4096, &v), 0);
        assert_int_equal(v, UINT64_MAX - 4095);
        v = 7;
        assert_int_equal(size_round_up(UINT64_MAX - 4094, 4096, &v), -ERANGE);
        assert_int_equal(size_round_up(UINT64_MAX, 4096, &v), -ERANGE);
        assert_int_equal(size_round_up(1, 0, &v), -EINVAL);
        assert_int_equal(size_round_up(1, 4095, &v), -EINVAL);
        assert_int_equal(v, 7);
}

static void test_parse_uint(void **state) {
        uint64_t v;
        assert_int_equal(parse_uint64("4294967295", UINT32_MAX, &v), 0);
        assert_int_equal(v, 4294967295u);
        assert_int_equal(parse_uint64("4294967296", UINT32_MAX, &v), -ERANGE);
        assert_int_equal(parse_uint64("12a", UINT32_MAX, &v), -EINVAL);
        assert_int_equal(parse_uint64("+1", UINT32_MAX, &v), -EINVAL);
        assert_int_equal(parse_uint64(" 1", UINT32_MAX, &v), -EINVAL);
        assert_int_equal(parse_uint64("", UINT32_MAX, &v), -EINVAL);
        /* a bound below 9: a digit above it must not wrap the overflow check */
        assert_int_equal(parse_uint64("5", 5, &v), 0);
        assert_int_equal(v, 5);
        assert_int_equal(parse_uint64("7", 5, &v), -ERANGE);
        assert_int_equal(parse_uint64("9", 0, &v), -ERANGE);
        assert_int_equal(parse_uint64("0", 0, &v), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_size_units),
                cmocka_unit_test(test_size_refused),
                cmocka_unit_test(test_size_too_large),
                cmocka_unit_test(test_size_increment),
                cmocka_unit_test(test_round_up),
                cmocka_unit_test(test_parse_uint),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
