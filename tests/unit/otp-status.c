/* Status bytes (src/otp/status.c): 6 and 10 bytes, too short, slot states from the touch level. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "otp/status.h"

static void test_parse_six(void **state) {
        const uint8_t b[6] = { 5, 4, 3, 0x2a, 0x13, 0x01 };
        struct yk_otp_status st;

        assert_int_equal(yk_otp_parse_status(b, sizeof(b), &st), 0);
        assert_int_equal(st.version.major, 5);
        assert_int_equal(st.version.minor, 4);
        assert_int_equal(st.version.build, 3);
        assert_int_equal(st.pgm_seq, 0x2a);
        assert_int_equal(st.touch_level, 0x0113); /* little-endian */
}

static void test_parse_ten(void **state) {
        /* A NEO / YubiKey 4 appends mode, challenge timeout and auto-eject time. */
        const uint8_t b[10] = { 3, 4, 0, 9, 0x02, 0x00, 0x06, 0x0f, 0x00, 0x00 };
        struct yk_otp_status st;

        assert_int_equal(yk_otp_parse_status(b, sizeof(b), &st), 0);
        assert_int_equal(st.version.major, 3);
        assert_int_equal(st.pgm_seq, 9);
        assert_int_equal(st.touch_level, 0x0002);
}

static void test_parse_short(void **state) {
        const uint8_t b[6] = { 5, 4, 3, 1, 3, 0 };
        struct yk_otp_status st = { .pgm_seq = 77 };

        for (size_t len = 0; len < 6; len++) {
                assert_int_equal(yk_otp_parse_status(b, len, &st), -EPROTO);
                assert_int_equal(st.pgm_seq, 77); /* untouched */
        }
        assert_int_equal(yk_otp_parse_status(NULL, 0, &st), -EPROTO);
        assert_int_equal(yk_otp_parse_status(b, 6, NULL), -EINVAL);
}

static void test_slot_states(void **state) {
        struct yk_otp_status st = { 0 };

        assert_int_equal(yk_otp_slot_state(&st, 1), YK_SLOT_EMPTY);
        assert_int_equal(yk_otp_slot_state(&st, 2), YK_SLOT_EMPTY);
        st.touch_level = 0x02;
        assert_int_equal(yk_otp_slot_state(&st, 1), YK_SLOT_EMPTY);
        assert_int_equal(yk_otp_slot_state(&st, 2), YK_SLOT_PROGRAMMED);
        st.touch_level = 0x01 | 0x04;
        assert_int_equal(yk_otp_slot_state(&st, 1), YK_SLOT_KEYBOARD);
        assert_int_equal(yk_otp_slot_state(&st, 2), YK_SLOT_EMPTY);
        st.touch_level = 0x03 | 0x08 | 0x10; /* LED inverted changes nothing */
        assert_int_equal(yk_otp_slot_state(&st, 1), YK_SLOT_PROGRAMMED);
        assert_int_equal(yk_otp_slot_state(&st, 2), YK_SLOT_KEYBOARD);
        st.touch_level = 0x08; /* touch bit without valid bit: empty */
        assert_int_equal(yk_otp_slot_state(&st, 2), YK_SLOT_EMPTY);
        st.touch_level = 0xffff;
        assert_int_equal(yk_otp_slot_state(&st, 0), YK_SLOT_EMPTY);
        assert_int_equal(yk_otp_slot_state(&st, 3), YK_SLOT_EMPTY);

        assert_string_equal(yk_slot_state_name(YK_SLOT_EMPTY), "empty");
        assert_string_equal(yk_slot_state_name(YK_SLOT_PROGRAMMED), "programmed");
        assert_string_equal(yk_slot_state_name(YK_SLOT_KEYBOARD), "keyboard");
}

static void test_version_at_least(void **state) {
        const struct yk_version v = { 5, 4, 3 };
        assert_true(yk_version_at_least(&v, 5, 4, 3));
        assert_true(yk_version_at_least(&v, 5, 4, 2));
        assert_true(yk_version_at_least(&v, 4, 9, 9));
        assert_true(yk_version_at_least(&v, 2, 2, 0));
        assert_false(yk_version_at_least(&v, 5, 4, 4));
        assert_false(yk_version_at_least(&v, 5, 5, 0));
        assert_false(yk_version_at_least(&v, 6, 0, 0));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_six),
                cmocka_unit_test(test_parse_ten),
                cmocka_unit_test(test_parse_short),
                cmocka_unit_test(test_slot_states),
                cmocka_unit_test(test_version_at_least),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
