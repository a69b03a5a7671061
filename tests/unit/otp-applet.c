/* The OTP applet's commands (src/otp/applet.c) against scripted card answers: the bytes it
 * sends, how it reads answers, and the program-sequence rule for writes (docs/protocol.md §1). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "otp/applet.h"
#include "ccid-mock.h"

#define SELECT_OTP "00 A4 04 00 07 A0 00 00 05 27 20 01"
#define SERIAL_CMD "00 01 10 00"

static void hex_of(const uint8_t *b, size_t n, char *out) {
        for (size_t i = 0; i < n; i++)
                snprintf(out + 3 * i, 4, "%02x ", b[i]); /* out holds 3n+1 */
        out[3 * n] = '\0';
}

static void test_select(void **state) {
        static const struct mock_step script[] = {
                { SELECT_OTP, "05 04 03 07 02 00 90 00" },
                { SELECT_OTP, "05 04 03 07 02 90 00" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        struct yk_otp_status st;

        assert_int_equal(yk_otp_select(c, &st), 0);
        assert_int_equal(st.version.major, 5);
        assert_int_equal(st.pgm_seq, 7);
        assert_int_equal(st.touch_level, 2);
        assert_int_equal(yk_otp_select(c, &st), -EPROTO); /* 5 bytes */
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void expect_serial(const char *answer, int want_r, uint32_t want) {
        const struct mock_step script[] = { { SERIAL_CMD, answer } };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint32_t serial = 0xdeadbeef;

        assert_int_equal(yk_otp_read_serial(c, &serial), want_r);
        assert_int_equal(serial, want_r == 0 ? want : 0xdeadbeef);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static void test_serial(void **state) {
        expect_serial("00 98 96 81 90 00", 0, 10000001);   /* big-endian */
        expect_serial("90 00", -ENOENT, 0);                 /* hidden */
        expect_serial("00 00 00 00 90 00", -ENOENT, 0);
        expect_serial("98 96 81 90 00", -EPROTO, 0);
        expect_serial("00 98 96 81 00 90 00", -EPROTO, 0);
        expect_serial("6A 86", -ENOENT, 0);                 /* applet without the command */
        expect_serial("69 85", -ENOENT, 0);                 /* hidden, as ykemu answers */
        expect_serial("6F 00", -EIO, 0);
}

static void test_serial_unknown_instruction(void **state) {
        static const struct mock_step script[] = {
                { SERIAL_CMD, "6D 00" },
                { SELECT_OTP, "05 04 03 07 02 00 90 00" },
                { SERIAL_CMD, "6D 00" },
        };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint32_t serial;

        assert_int_equal(yk_otp_read_serial(c, &serial), -ENOENT);
        mock_assert_done(&card);
        yk_conn_close(c);
}

static const struct yk_otp_status st_slot2 = { .version = { 5, 4, 3 }, .pgm_seq = 3, .touch_level = 0x02 };

/* A challenge to slot 2 of the 32 bytes c0 c1 ... df, and `answer` to it. */
static int challenge_once(const char *answer, int error, struct yk_response *resp, unsigned *touches) {
        uint8_t chal[32], padded[64] = { 0 };
        char expect[3 * (5 + 64) + 1];

        for (int i = 0; i < 32; i++)
                chal[i] = (uint8_t) (0xc0 + i);
        memcpy(padded, chal, 32); /* ends in 0xdf: zero padding */
        uint8_t head[5] = { 0x00, 0x01, 0x38, 0x00, 0x40 };
        hex_of(head, 5, expect);
        hex_of(padded, 64, expect + 15);
        const struct mock_step script[] = { { expect, answer, error } };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        struct yk_prompt p = mock_prompt(&card);

        int r = yk_otp_challenge_hmac(c, &st_slot2, 2, chal, sizeof(chal), &p, resp);
        mock_assert_done(&card);
        *touches = card.touches;
        yk_conn_close(c);
        return r;
}

static void test_challenge(void **state) {
        struct yk_response resp;
        unsigned touches = 0;
        static const uint8_t want[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20 };

        assert_int_equal(challenge_once("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 90 00", 0,
                                        &resp, &touches), 0);
        assert_memory_equal(resp.bytes, want, 20);
        assert_int_equal(touches, 1);

        memset(&resp, 0xee, sizeof(resp));
        assert_int_equal(challenge_once("90 00", 0, &resp, &touches), -ENOKEY);
        assert_int_equal(challenge_once("69 85", 0, &resp, &touches), -ETIMEDOUT);
        assert_int_equal(challenge_once("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 90 00", 0,
                                        &resp, &touches), -EPROTO);
        assert_int_equal(challenge_once("01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 90 00", 0,
                                        &resp, &touches), -EPROTO);
        assert_int_equal(challenge_once(NULL, -ENOMEDIUM, &resp, &touches), -ENOMEDIUM);
        assert_int_equal(challenge_once("6A 81", 0, &resp, &touches), -EPROTO); /* not known */
        for (int i = 0; i < 20; i++)
                assert_int_equal(resp.bytes[i], 0xee); /* untouched on every failure */
}

static void test_challenge_refused_before_sending(void **state) {
        static const struct mock_step script[] = { { NULL, "90 00" } };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);
        uint8_t chal[32] = { 0 };
        struct yk_response resp;
        struct yk_otp_status st = st_slot2;

        assert_int_equal(yk_otp_challenge_hmac(c, &st, 1, chal, 32, NULL, &resp), -ENOKEY); /* slot 1 empty */
        st.touch_level = 0;
        assert_int_equal(yk_otp_challenge_hmac(c, &st, 2, chal, 32, NULL, &resp), -ENOKEY);
        st = st_slot2;
        assert_int_equal(yk_otp_challenge_hmac(c, &st, 3, chal, 32, NULL, &resp), -EINVAL);
        assert_int_equal(yk_otp_challenge_hmac(c, &st, 2, chal, 64, NULL, &resp), -EINVAL);
        st.version = (struct yk_version) { 2, 1, 0 };
        assert_int_equal(yk_otp_challenge_hmac(c, &st, 2, chal, 32, NULL, &resp), -EOPNOTSUPP);
        assert_int_equal(card.pos, 0); /* nothing was sent */
        yk_conn_close(c);
}

/* A write of `config` to slot 1 with access code 01..06; `answer` is the key's status. */
static int write_once(const struct yk_otp_status *before, const char *answer, const char *reselect,
                      struct yk_otp_status *after) {
        struct yk_slot_config config;
        uint8_t apdu[5 + 58];
        static const uint8_t code[6] = { 1, 2, 3, 4, 5, 6 };
        char expect[3 * sizeof(apdu) + 1];

        for (int i = 0; i < 52; i++)
                config.bytes[i] = (uint8_t) i;
        apdu[0] = 0x00, apdu[1] = 0x01, apdu[2] = 0x01, apdu[3] = 0x00, apdu[4] = 58;
        memcpy(apdu + 5, config.bytes, 52);
        memcpy(apdu + 57, code, 6);
        hex_of(apdu, sizeof(apdu), expect);
        struct mock_step script[2] = { { expect, answer }, { SELECT_OTP, reselect } };
        struct mock_card card = { .steps = script, .n = reselect ? 2 : 1, .touch_at = SIZE_MAX };
        struct yk_conn *c = mock_conn(&card);

        int r = yk_otp_write_config(c, before, 1, &config, code, after);
        mock_assert_done(&card);
        yk_conn_close(c);
        return r;
}

static void test_write_sequence_rule(void **state) {
        struct yk_otp_status before = { .version = { 5, 7, 1 }, .pgm_seq = 7, .touch_level = 0x02 };
        struct yk_otp_status after = { .pgm_seq = 99 };

        assert_int_equal(write_once(&before, "05 07 01 08 03 00 90 00", NULL, &after), 0);
        assert_int_equal(after.pgm_seq, 8);
        assert_int_equal(after.touch_level, 3);

        after.pgm_seq = 99;
        assert_int_equal(write_once(&before, "05 07 01 07 02 00 90 00", NULL, &after), -EPERM); /* refused */
        assert_int_equal(after.pgm_seq, 99);
        assert_int_equal(write_once(&before, "05 07 01 09 03 00 90 00", NULL, &after), -EPERM);
        /* Drops to 0 with no slot left valid: taken. */
        assert_int_equal(write_once(&before, "05 07 01 00 00 00 90 00", NULL, &after), 0);
        /* Drops to 0 with a slot still valid on 5.7.1: refused... */
        assert_int_equal(write_once(&before, "05 07 01 00 03 00 90 00", NULL, &after), -EPERM);
        /* ...but taken on 4.0 <= firmware < 5.5, which may report 0 over CCID. */
        before.version = (struct yk_version) { 5, 4, 3 };
        assert_int_equal(write_once(&before, "05 04 03 00 03 00 90 00", NULL, &after), 0);
        before.version = (struct yk_version) { 4, 3, 7 };
        assert_int_equal(write_once(&before, "04 03 07 00 03 00 90 00", NULL, &after), 0);
        before.version = (struct yk_version) { 3, 4, 0 };
        assert_int_equal(write_once(&before, "03 04 00 00 03 00 90 00", NULL, &after), -EPERM);
        /* From 0, 0 again is never a success; 255 goes up to 0. */
        before.pgm_seq = 0;
        assert_int_equal(write_once(&before, "03 04 00 00 00 00 90 00", NULL, &after), -EPERM);
        before.pgm_seq = 255;
        assert_int_equal(write_once(&before, "03 04 00 00 03 00 90 00", NULL, &after), 0);
}

static void test_write_answers(void **state) {
        const struct yk_otp_status before = { .version = { 5, 7, 1 }, .pgm_seq = 7, .touch_level = 0x02 };
        struct yk_otp_status after;

        /* No status in the answer: asked again with SELECT. */
        assert_int_equal(write_once(&before, "90 00", "05 07 01 08 03 00 90 00", &after), 0);
        assert_int_equal(after.pgm_seq, 8);
        assert_int_equal(write_once(&before, "90 00", "05 07 01 07 03 00 90 00", &after), -EPERM);
        assert_int_equal(write_once(&before, "05 07 01 08 90 00", NULL, &after), -EPROTO);
        assert_int_equal(write_once(&before, "69 85", NULL, &after), -ETIMEDOUT);
        assert_int_equal(write_once(&before, "65 81", NULL, &after), -EIO);
        assert_int_equal(write_once(&before, "6A 86", NULL, &after), -EPROTO);
}

static void test_delete(void **state) {
        const struct yk_otp_status before = { .version = { 5, 7, 1 }, .pgm_seq = 7, .touch_level = 0x03 };
        struct yk_otp_status after;
        uint8_t apdu[5 + 58] = { 0x00, 0x01, 0x03, 0x00, 58 };
        char expect[3 * sizeof(apdu) + 1];

        memcpy(apdu + 57, "\xaa\xbb\xcc\xdd\xee\xff", 6); /* 52 zero bytes, then the access code */
        hex_of(apdu, sizeof(apdu), expect);
        const struct mock_step script[] = { { expect, "05 07 01 08 01 00 90 00" } };
        struct mock_card card = MOCK_CARD(script);
        struct yk_conn *c = mock_conn(&card);

        assert_int_equal(yk_otp_delete_slot(c, &before, 2, (const uint8_t *) "\xaa\xbb\xcc\xdd\xee\xff", &after), 0);
        assert_int_equal(after.touch_level, 1);
        mock_assert_done(&card);
        yk_conn_close(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_select),
                cmocka_unit_test(test_serial),
                cmocka_unit_test(test_serial_unknown_instruction),
                cmocka_unit_test(test_challenge),
                cmocka_unit_test(test_challenge_refused_before_sending),
                cmocka_unit_test(test_write_sequence_rule),
                cmocka_unit_test(test_write_answers),
                cmocka_unit_test(test_delete),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
