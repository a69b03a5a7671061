/* APDU framing (src/otp/frame-ccid.c) against scripted card answers: the bytes on the wire,
 * GET RESPONSE chains, re-SELECT after 6D 00 or a reset, status words to errnos, and answers
 * that are short, long or garbage. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ccid-mock.h"
#include "otp/frame-ccid.h"

#define SELECT_OTP "00 A4 04 00 07 A0 00 00 05 27 20 01"
#define STATUS_OK  "05 04 03 07 03 00 90 00" /* 5.4.3, sequence 7, both slots valid */
#define SERIAL_CMD "00 01 10 00"

static void test_select_bytes_and_status(void **state) {
        static const struct mock_step script[] = { { SELECT_OTP, STATUS_OK } };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t st[16];
        size_t n = 0;

        assert_int_equal(yk_conn_select_otp(c, st, sizeof(st), &n), 0);
        assert_int_equal(n, 6);
        assert_memory_equal(st, "\x05\x04\x03\x07\x03\x00", 6);
        mock_assert_done(&card);
        yk_conn_close(c);
        assert_int_equal(card.closed, 1);
}

static void expect_select_error(const char *answer, int err) {
        const struct mock_step script[] = { { SELECT_OTP, answer } };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t st[16];
        size_t n = 12345;

        assert_int_equal(yk_conn_select_otp(c, st, sizeof(st), &n), err);
        assert_int_equal(n, 12345); /* untouched on failure */
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_select_errors(void **state) {
        expect_select_error("6A 82", -EMEDIUMTYPE);
        expect_select_error("6D 00", -EMEDIUMTYPE);
        expect_select_error("69 85", -ETIMEDOUT);
        expect_select_error("67 00", -EPROTO);
        expect_select_error("6F 00", -EIO);
        expect_select_error("90", -EPROTO);
        expect_select_error("", -EPROTO);
}

static void test_select_answer_longer_than_cap(void **state) {
        static const struct mock_step script[] = { { SELECT_OTP, "01 02 03 04 05 06 07 08 90 00" } };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t st[8] = { 0 };
        size_t n = 0;

        assert_int_equal(yk_conn_select_otp(c, st, 6, &n), -EPROTO);
        assert_int_equal(st[6], 0); /* nothing written past cap */
        yk_conn_close(c);
}

static int call(struct yk_conn *c, uint8_t p1, const char *data_hex, uint8_t *resp, size_t cap, size_t *n) {
        uint8_t data[255];
        size_t len = data_hex ? mock_hex(data_hex, data, sizeof(data)) : 0;
        return yk_conn_otp_call(c, p1, data, len, NULL, resp, cap, n);
}

static void test_call_framing(void **state) {
        static const struct mock_step script[] = {
                { SERIAL_CMD, "00 98 96 81 90 00" },
                { "00 01 38 00 03 AA BB CC", "90 00" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[64];
        size_t n = 0;

        assert_int_equal(call(c, 0x10, NULL, resp, sizeof(resp), &n), 0);
        assert_int_equal(n, 4);
        assert_memory_equal(resp, "\x00\x98\x96\x81", 4);
        assert_int_equal(call(c, 0x38, "AA BB CC", resp, sizeof(resp), &n), 0);
        assert_int_equal(n, 0);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_get_response_chain(void **state) {
        static const struct mock_step script[] = {
                { SERIAL_CMD, "01 02 61 03" },
                { "00 C0 00 00 03", "03 04 05 61 00" },
                { "00 C0 00 00 00", "06 90 00" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[64];
        size_t n = 0;

        assert_int_equal(call(c, 0x10, NULL, resp, sizeof(resp), &n), 0);
        assert_int_equal(n, 6);
        assert_memory_equal(resp, "\x01\x02\x03\x04\x05\x06", 6);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_get_response_endless(void **state) {
        struct mock_step script[20];
        for (size_t i = 0; i < 20; i++)
                script[i] = (struct mock_step) { i == 0 ? SERIAL_CMD : "00 C0 00 00 01", "AA 61 01" };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[255];
        size_t n = 0;

        assert_int_equal(call(c, 0x10, NULL, resp, sizeof(resp), &n), -EPROTO);
        assert_true(card.pos < 20); /* gave up */
        yk_conn_close(c);
}

static void test_get_response_overflow(void **state) {
        static const struct mock_step script[] = {
                { SERIAL_CMD, "01 02 03 61 04" },
                { "00 C0 00 00 04", "04 05 06 07 90 00" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[8] = { 0 };
        size_t n = 0;

        assert_int_equal(call(c, 0x10, NULL, resp, 4, &n), -EPROTO);
        assert_int_equal(resp[4], 0);
        yk_conn_close(c);
}

static void test_reselect_after_6d00(void **state) {
        static const struct mock_step script[] = {
                { SERIAL_CMD, "6D 00" },
                { SELECT_OTP, STATUS_OK },
                { SERIAL_CMD, "00 00 00 2A 90 00" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[64];
        size_t n = 0;

        assert_int_equal(call(c, 0x10, NULL, resp, sizeof(resp), &n), 0);
        assert_int_equal(n, 4);
        assert_int_equal(resp[3], 0x2a);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_6d00_twice(void **state) {
        static const struct mock_step script[] = {
                { SERIAL_CMD, "6D 00" },
                { SELECT_OTP, STATUS_OK },
                { SERIAL_CMD, "6D 00" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[64];
        size_t n = 0;

        assert_int_equal(call(c, 0x10, NULL, resp, sizeof(resp), &n), -EBADRQC);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_6d00_then_application_gone(void **state) {
        static const struct mock_step script[] = {
                { SERIAL_CMD, "6D 00" },
                { SELECT_OTP, "6A 82" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[64];
        size_t n = 0;

        assert_int_equal(call(c, 0x10, NULL, resp, sizeof(resp), &n), -EMEDIUMTYPE);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_reset_reselects(void **state) {
        static const struct mock_step script[] = {
                { SERIAL_CMD, NULL, -ECONNRESET },
                { SELECT_OTP, STATUS_OK },
                { SERIAL_CMD, "00 00 00 2A 90 00" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[64];
        size_t n = 0;

        assert_int_equal(call(c, 0x10, NULL, resp, sizeof(resp), &n), 0);
        assert_int_equal(n, 4);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_reset_twice(void **state) {
        static const struct mock_step script[] = {
                { SERIAL_CMD, NULL, -ECONNRESET },
                { SELECT_OTP, STATUS_OK },
                { SERIAL_CMD, NULL, -ECONNRESET },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[64];
        size_t n = 0;

        assert_int_equal(call(c, 0x10, NULL, resp, sizeof(resp), &n), -EIO);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_reset_during_select(void **state) {
        static const struct mock_step script[] = {
                { SELECT_OTP, NULL, -ECONNRESET },
                { SELECT_OTP, STATUS_OK },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t st[16];
        size_t n = 0;

        assert_int_equal(yk_conn_select_otp(c, st, sizeof(st), &n), 0);
        assert_int_equal(n, 6);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void expect_call_error(const char *answer, int error, int err) {
        const struct mock_step script[] = { { SERIAL_CMD, answer, error } };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t resp[64];
        size_t n = 777;

        assert_int_equal(call(c, 0x10, NULL, resp, sizeof(resp), &n), err);
        assert_int_equal(n, 777);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_call_errors(void **state) {
        expect_call_error("69 85", 0, -ETIMEDOUT);
        expect_call_error("67 00", 0, -EPROTO);
        expect_call_error("6A 86", 0, -EBADRQC);
        expect_call_error("6A 81", 0, -EBADRQC);
        expect_call_error("6A 82", 0, -EIO);
        expect_call_error("63 C2", 0, -EIO);
        expect_call_error("01 02 03 04 6F 00", 0, -EIO);
        expect_call_error("", 0, -EPROTO);
        expect_call_error("00", 0, -EPROTO);
        expect_call_error(NULL, -ENOMEDIUM, -ENOMEDIUM); /* pulled out mid-operation */
        expect_call_error(NULL, -EIO, -EIO);
}

static void test_removed_after_select(void **state) {
        static const struct mock_step script[] = {
                { SELECT_OTP, STATUS_OK },
                { SERIAL_CMD, NULL, -ENOMEDIUM },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t buf[64];
        size_t n = 0;

        assert_int_equal(yk_conn_select_otp(c, buf, sizeof(buf), &n), 0);
        assert_int_equal(call(c, 0x10, NULL, buf, sizeof(buf), &n), -ENOMEDIUM);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_touch_prompt_before_sending(void **state) {
        static const struct mock_step script[] = {
                { "00 01 30 00 01 55", "90 00" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        struct yk_prompt p = mock_prompt(&card);
        uint8_t resp[64], data = 0x55;
        size_t n = 0;

        assert_int_equal(yk_conn_otp_call(c, 0x30, &data, 1, &p, resp, sizeof(resp), &n), 0);
        assert_int_equal(card.touches, 1);
        assert_int_equal(card.touch_at, 0); /* before the command went out */
        yk_conn_close(c);
}

static void test_bad_arguments(void **state) {
        static const struct mock_step script[] = { { NULL, "90 00" } };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t data[256] = { 0 }, resp[8];
        size_t n = 0;

        assert_int_equal(yk_conn_otp_call(c, 0x30, data, 256, NULL, resp, sizeof(resp), &n), -EINVAL);
        assert_int_equal(yk_conn_otp_call(c, 0x30, NULL, 3, NULL, resp, sizeof(resp), &n), -EINVAL);
        assert_int_equal(card.pos, 0); /* nothing was sent */
        yk_conn_close(c);

        /* A connection that cannot be made still closes what it was given. */
        struct mock_card card2 = MOCK_CARD(script);
        const struct yk_device dev = { .kind = YK_TRANSPORT_PCSC, .name = "x" };
        const struct yk_ccid_io io = { .transmit = NULL, .close = NULL, .userdata = &card2 };
        struct yk_conn *c2 = NULL;
        assert_int_equal(yk_ccid_conn_new(&dev, &io, &c2), -EINVAL);
        assert_null(c2);
}

static void test_aids(void **state) {
        /* docs/protocol.md §1, typed in. */
        assert_memory_equal(YK_AID_OTP, "\xa0\x00\x00\x05\x27\x20\x01", 7);
        assert_memory_equal(YK_AID_MGMT, "\xa0\x00\x00\x05\x27\x47\x11\x17", 8);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_select_bytes_and_status),
                cmocka_unit_test(test_select_errors),
                cmocka_unit_test(test_select_answer_longer_than_cap),
                cmocka_unit_test(test_call_framing),
                cmocka_unit_test(test_get_response_chain),
                cmocka_unit_test(test_get_response_endless),
                cmocka_unit_test(test_get_response_overflow),
                cmocka_unit_test(test_reselect_after_6d00),
                cmocka_unit_test(test_6d00_twice),
                cmocka_unit_test(test_6d00_then_application_gone),
                cmocka_unit_test(test_reset_reselects),
                cmocka_unit_test(test_reset_twice),
                cmocka_unit_test(test_reset_during_select),
                cmocka_unit_test(test_call_errors),
                cmocka_unit_test(test_removed_after_select),
                cmocka_unit_test(test_touch_prompt_before_sending),
                cmocka_unit_test(test_bad_arguments),
                cmocka_unit_test(test_aids),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
