/* The 52-byte slot configuration (src/otp/config.c + ykpers-adapter.c) against the worked
 * example of docs/protocol.md §2, typed in here byte for byte, and libyubikey's CRC residue. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <yubikey.h>
#include <cmocka.h>

#include "otp/config.h"

/* Secret 303132333435363738393a3b3c3d3e3f40414243, no touch, no access code (docs/protocol.md §2). */
static const struct yk_slot_config facts_no_touch = { .bytes = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x40, 0x41, 0x42, 0x43, 0x00, 0x00,
        0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x24, 0x40, 0x26, 0x00, 0x00, 0x09, 0x21,
} };

static const struct yk_hmac_key facts_secret = { .bytes = {
        0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39,
        0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43,
} };

static const struct yk_version v543 = { 5, 4, 3 };

static void facts_touch(struct yk_slot_config *out) {
        *out = facts_no_touch;
        out->bytes[47] = 0x2e;
        out->bytes[50] = 0xcb;
        out->bytes[51] = 0xe7;
}

static void test_crc_worked_example(void **state) {
        struct yk_slot_config with_touch;

        assert_int_equal(yk_config_crc(&facts_no_touch), 0x2109);
        facts_touch(&with_touch);
        assert_int_equal(yk_config_crc(&with_touch), 0xe7cb);
        /* The CRC over all 52 bytes, stored CRC included, is the residue 0xF0B8. */
        assert_int_equal(yubikey_crc16(facts_no_touch.bytes, 52), 0xf0b8);
        assert_int_equal(yubikey_crc16(with_touch.bytes, 52), 0xf0b8);
        /* One flipped bit changes it. */
        with_touch.bytes[3] ^= 0x10;
        assert_int_not_equal(yk_config_crc(&with_touch), 0xe7cb);
}

static void test_build_worked_example(void **state) {
        struct yk_slot_config out, want;
        struct yk_hmac_config_options o = { .touch = false };

        assert_int_equal(yk_build_hmac_config(&v543, &facts_secret, &o, &out), 0);
        assert_memory_equal(out.bytes, facts_no_touch.bytes, 52);
        assert_int_equal(yk_build_hmac_config(&v543, &facts_secret, NULL, &out), 0);
        assert_memory_equal(out.bytes, facts_no_touch.bytes, 52);

        o.touch = true;
        assert_int_equal(yk_build_hmac_config(&v543, &facts_secret, &o, &out), 0);
        facts_touch(&want);
        assert_memory_equal(out.bytes, want.bytes, 52);
}

static void test_build_access_code(void **state) {
        static const uint8_t code[6] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
        struct yk_hmac_config_options o = { .touch = true, .new_access_code = code };
        struct yk_slot_config out, want;

        assert_int_equal(yk_build_hmac_config(&v543, &facts_secret, &o, &out), 0);
        facts_touch(&want);
        memcpy(want.bytes + 38, code, 6);
        assert_memory_equal(out.bytes, want.bytes, 50); /* everything but the CRC as in docs/protocol.md §2 */
        assert_int_equal(yubikey_crc16(out.bytes, 52), 0xf0b8);
        assert_memory_not_equal(out.bytes + 50, want.bytes + 50, 2);
}

static void test_versions(void **state) {
        struct yk_slot_config out;
        memset(&out, 0x77, sizeof(out));
        const struct yk_version v21 = { 2, 1, 9 }, v22 = { 2, 2, 0 }, v23 = { 2, 3, 0 };

        assert_int_equal(yk_build_hmac_config(&v21, &facts_secret, NULL, &out), -EOPNOTSUPP);
        assert_int_equal(out.bytes[0], 0x77); /* untouched */
        /* 2.2 has challenge-response but not ALLOW_UPDATE (docs/protocol.md §2). */
        assert_int_equal(yk_build_hmac_config(&v22, &facts_secret, NULL, &out), 0);
        assert_int_equal(out.bytes[45], 0x04);
        assert_int_equal(out.bytes[46], 0x40);
        assert_int_equal(out.bytes[47], 0x26);
        assert_int_equal(yubikey_crc16(out.bytes, 52), 0xf0b8);
        assert_int_equal(yk_build_hmac_config(&v23, &facts_secret, NULL, &out), 0);
        assert_int_equal(out.bytes[45], 0x24);
        assert_int_equal(yk_build_hmac_config(NULL, &facts_secret, NULL, &out), -EINVAL);
}

/* tests/data/ykman-configs: what ykman 4.0.9 wrote for each option set (README.md there: the
 * secret is the worked example of docs/protocol.md §2, the access code 010203040506). Every .hex file is compared; its name
 * says the options (-touch, -acc). */
static void read_golden(const char *name, uint8_t out[52]) {
        char path[512], text[128] = { 0 };
        snprintf(path, sizeof(path), "%s/%s", YK_GOLDEN_DIR, name);
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        assert_true(fd >= 0);
        ssize_t n = read(fd, text, sizeof(text) - 1);
        close(fd);
        assert_int_equal(n, 105); /* 104 digits and a newline */
        assert_int_equal(text[104], '\n');
        for (int i = 0; i < 52; i++) {
                unsigned v;
                assert_int_equal(sscanf(text + 2 * i, "%2x", &v), 1);
                out[i] = (uint8_t) v;
        }
}

static void test_ykman_golden(void **state) {
        static const uint8_t code[6] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
        DIR *d = opendir(YK_GOLDEN_DIR);
        struct dirent *e;
        unsigned compared = 0;

        assert_non_null(d);
        while ((e = readdir(d))) {
                size_t len = strlen(e->d_name);
                if (len < 4 || strcmp(e->d_name + len - 4, ".hex") != 0)
                        continue;
                struct yk_hmac_config_options o = {
                        .touch = strstr(e->d_name, "-touch") != NULL,
                        .new_access_code = strstr(e->d_name, "-acc") ? code : NULL,
                };
                uint8_t golden[52];
                struct yk_slot_config ours;
                read_golden(e->d_name, golden);
                assert_int_equal(yk_build_hmac_config(&v543, &facts_secret, &o, &ours), 0);
                if (memcmp(golden, ours.bytes, 52) != 0)
                        fail_msg("%s: our configuration differs from ykman's", e->d_name);
                compared++;
        }
        closedir(d);
        assert_true(compared >= 8); /* slot 1/2 x touch x access code */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc_worked_example),
                cmocka_unit_test(test_build_worked_example),
                cmocka_unit_test(test_build_access_code),
                cmocka_unit_test(test_versions),
                cmocka_unit_test(test_ykman_golden),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
