/* The OTP HID framing (src/otp/frame-hid.c): CRC and frame layout against values
 * computed outside this code base, then the host's framing against the emulator's HID side
 * (tests/emulator/card-hid.c) in-process, and against a faulty device built on it: a device
 * that goes away mid-frame, a corrupted answer, a write flag or a busy status that never
 * clears, a touch never given, and a key left mid-answer by an aborted exchange. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "crypto/hmac.h"
#include "otp/applet.h"
#include "otp/config.h"
#include "otp/frame-hid.h"
#include "ykemu.h"

/* ---- CRC and frame layout ---- */

static void test_crc(void **state) {
        /* CRC-16/X-25 before its final inversion: the published check value of X-25 over
         * "123456789" is 0x906E, so the raw register is 0x6F91. */
        assert_int_equal(yk_hid_crc16((const uint8_t *) "123456789", 9), 0x6f91);
        /* docs/protocol.md §2 worked example: the CRC over all 52 bytes is the residue 0xF0B8. */
        uint8_t cfg[52] = { 0 };
        const uint8_t tail[] = { 0x00, 0x24, 0x40, 0x26, 0x00, 0x00, 0x09, 0x21 };
        memcpy(cfg + 16, (const uint8_t[]) { 0x40, 0x41, 0x42, 0x43 }, 4);
        for (int i = 0; i < 16; i++)
                cfg[22 + i] = (uint8_t) (0x30 + i);
        memcpy(cfg + 44, tail, sizeof(tail));
        assert_int_equal(yk_hid_crc16(cfg, 52), YK_HID_CRC_RESIDUE);
        /* Two values computed by an independent implementation (Python, yubikit's algorithm). */
        uint8_t zeros[64] = { 0 }, ramp[64];
        for (int i = 0; i < 64; i++)
                ramp[i] = (uint8_t) (i + 1);
        assert_int_equal(yk_hid_crc16(zeros, 64), 0x5b6b);
        assert_int_equal(yk_hid_crc16(ramp, 64), 0x390d);
        /* The emulator's own implementation agrees. */
        assert_int_equal(ykemu_crc16(ramp, 64), 0x390d);
}

static void test_frame_layout(void **state) {
        uint8_t ramp[64], frame[YK_HID_FRAME_SIZE], report[YK_HID_REPORT_SIZE];
        for (int i = 0; i < 64; i++)
                ramp[i] = (uint8_t) (i + 1);
        assert_int_equal(yk_hid_build_frame(0x38, ramp, sizeof(ramp), frame), 0);
        assert_memory_equal(frame, ramp, 64);
        /* slot command, CRC little-endian and NOT inverted, three filler bytes */
        const uint8_t tail[6] = { 0x38, 0x0d, 0x39, 0x00, 0x00, 0x00 };
        assert_memory_equal(frame + 64, tail, sizeof(tail));

        /* Every report of a full payload goes; report i holds bytes 7i..7i+6 and 0x80 | i. */
        for (unsigned seq = 0; seq < YK_HID_FRAME_REPORTS; seq++) {
                assert_true(yk_hid_frame_report(frame, seq, report));
                assert_memory_equal(report, frame + 7 * seq, 7);
                assert_int_equal(report[7], 0x80 | seq);
        }

        /* An empty payload (read serial): only the first and the last report go. */
        assert_int_equal(yk_hid_build_frame(0x10, NULL, 0, frame), 0);
        const uint8_t last[8] = { 0x00, 0x10, 0x6b, 0x5b, 0x00, 0x00, 0x00, 0x89 };
        assert_true(yk_hid_frame_report(frame, 0, report));
        assert_int_equal(report[7], 0x80);
        for (unsigned seq = 1; seq < 9; seq++)
                assert_false(yk_hid_frame_report(frame, seq, report));
        assert_true(yk_hid_frame_report(frame, 9, report));
        assert_memory_equal(report, last, sizeof(last));

        uint8_t big[65] = { 0 };
        assert_int_equal(yk_hid_build_frame(0x38, big, sizeof(big), frame), -EINVAL);
        assert_int_equal(yk_hid_answer_len(0x30), 20);
        assert_int_equal(yk_hid_answer_len(0x10), 4);
        assert_int_equal(yk_hid_answer_len(0x03), 0);
        assert_int_equal(yk_hid_answer_len(0x13), -1);
}

/* ---- a device: the emulator's HID side, with faults on demand ---- */

enum fault {
        FAULT_NONE,
        FAULT_GONE,          /* every call from call number `after` on: -ENOMEDIUM */
        FAULT_CORRUPT,       /* the first response report has one bit flipped */
        FAULT_WRITE_STUCK,   /* every report read shows the write flag */
        FAULT_BUSY_STUCK,    /* once a frame is sent, the status byte says "processing" forever */
        FAULT_TOUCH_STUCK,   /* once a frame is sent, "waiting for touch" forever */
        FAULT_SHORT_ANSWER,  /* the answer stops after one report with a status report */
};

struct device {
        struct ykemu_card *card;
        enum fault fault;
        unsigned after, calls, sets, resets, gets;
        bool frame_sent;
        bool corrupted;
        uint8_t last_set[YK_HID_REPORT_SIZE];
};

static int dev_get(void *userdata, uint8_t report[YK_HID_REPORT_SIZE]) {
        struct device *d = userdata;
        if (d->fault == FAULT_GONE && ++d->calls > d->after)
                return -ENOMEDIUM;
        d->gets++;
        int r = ykemu_card_hid_get(d->card, report);
        if (r < 0)
                return r;
        switch (d->fault) {
        case FAULT_WRITE_STUCK:
                report[7] |= 0x80;
                break;
        case FAULT_BUSY_STUCK:
                if (d->frame_sent)
                        report[7] = 0x09; /* the write flag gone, something else never is */
                break;
        case FAULT_TOUCH_STUCK:
                if (d->frame_sent)
                        report[7] = 0x20 | 14;
                break;
        case FAULT_CORRUPT:
                if ((report[7] & 0x40) && !d->corrupted) {
                        report[2] ^= 0x01;
                        d->corrupted = true;
                }
                break;
        case FAULT_SHORT_ANSWER:
                if ((report[7] & 0x40) && (report[7] & 0x1f) >= 1)
                        memset(report, 0, 8);
                break;
        default:
                break;
        }
        return 0;
}

static int dev_set(void *userdata, const uint8_t report[YK_HID_REPORT_SIZE]) {
        struct device *d = userdata;
        if (d->fault == FAULT_GONE && ++d->calls > d->after)
                return -ENOMEDIUM;
        d->sets++;
        memcpy(d->last_set, report, YK_HID_REPORT_SIZE);
        if (report[7] == YK_HID_RESET_REPORT)
                d->resets++;
        if (report[7] == (0x80 | 9))
                d->frame_sent = true;
        return ykemu_card_hid_set(d->card, report);
}

static const struct yk_hid_timing fast = { .write_ms = 100, .busy_ms = 150, .touch_ms = 2000 };

struct fixture {
        struct ykemu_card *card;
        struct device dev;
        struct yk_conn *conn;
        struct yk_otp_status st;
        unsigned touches;
        struct yk_hmac_key secret;
};

static struct ykemu_card *new_card(enum ykemu_touch touch, unsigned touch_ms, unsigned timeout_ms) {
        struct ykemu_options o;
        struct ykemu_card *card = NULL;
        ykemu_options_init(&o);
        o.touch = touch;
        o.touch_ms = touch_ms;
        o.touch_timeout_ms = timeout_ms;
        assert_int_equal(ykemu_card_new(&o, &card), 0);
        return card;
}

static void connect(struct fixture *f, const struct yk_hid_timing *timing) {
        const struct yk_device dev = { .kind = YK_TRANSPORT_HID, .name = "/dev/hidraw-test" };
        const struct yk_hid_io io = { .get_report = dev_get, .set_report = dev_set, .userdata = &f->dev };
        f->dev.card = f->card;
        assert_int_equal(yk_hid_conn_new(&dev, &io, timing, &f->conn), 0);
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        f->card = new_card(YKEMU_TOUCH_AUTO, 200, 3000);
        for (size_t i = 0; i < sizeof(f->secret.bytes); i++)
                f->secret.bytes[i] = (uint8_t) (0x30 + i); /* docs/protocol.md §2 example secret */
        connect(f, &fast);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        yk_conn_close(f->conn);
        ykemu_card_free(f->card);
        free(f);
        return 0;
}

static void count_touch(void *userdata) {
        struct fixture *f = userdata;
        f->touches++;
}

/* Programs slot 2 through the HID framing, checking the emulator stored those 52 bytes. */
static void program(struct fixture *f, bool touch) {
        struct yk_slot_config cfg;
        uint8_t stored[YK_CONFIG_SIZE];
        const struct yk_hmac_config_options opts = { .touch = touch };
        assert_int_equal(yk_otp_select(f->conn, &f->st), 0);
        assert_int_equal(yk_build_hmac_config(&f->st.version, &f->secret, &opts, &cfg), 0);
        struct yk_otp_status after;
        assert_int_equal(yk_otp_write_config(f->conn, &f->st, 2, &cfg, NULL, &after), 0);
        assert_int_equal(after.pgm_seq, f->st.pgm_seq + 1);
        assert_true(ykemu_card_slot(f->card, 2, stored));
        assert_memory_equal(stored, cfg.bytes, sizeof(stored));
        f->st = after;
}

static void expect_hmac(struct fixture *f, const uint8_t *chal, size_t len, const struct yk_response *got) {
        struct yk_response want;
        assert_int_equal(crypto_hmac_sha1(f->secret.bytes, sizeof(f->secret.bytes), chal, len, &want), 0);
        assert_memory_equal(got->bytes, want.bytes, sizeof(want.bytes));
}

/* ---- end to end against the emulator ---- */

static void test_select_serial(void **state) {
        struct fixture *f = *state;
        uint32_t serial = 0;
        assert_int_equal(yk_otp_select(f->conn, &f->st), 0);
        assert_int_equal(f->st.version.major, 5);
        assert_int_equal(f->st.version.minor, 4);
        assert_int_equal(f->st.version.build, 3);
        assert_int_equal(f->st.pgm_seq, 0);
        /* Both slots empty: the serial is shown (4 bytes + the key's CRC over 1 report). */
        assert_int_equal(yk_otp_read_serial(f->conn, &serial), 0);
        assert_int_equal(serial, YKEMU_DEFAULT_SERIAL);
        /* After data the host told the key to go back to status reports. */
        assert_int_equal(f->dev.last_set[7], YK_HID_RESET_REPORT);
}

static void test_write_and_challenge(void **state) {
        struct fixture *f = *state;
        uint8_t chal[32];
        struct yk_response resp;
        uint32_t serial = 0;
        for (size_t i = 0; i < sizeof(chal); i++)
                chal[i] = (uint8_t) (0xa0 + i);
        program(f, false);
        assert_int_equal(yk_otp_slot_state(&f->st, 2), YK_SLOT_PROGRAMMED);
        /* SERIAL_API_VISIBLE is set by the configuration: still shown. */
        assert_int_equal(yk_otp_read_serial(f->conn, &serial), 0);
        assert_int_equal(serial, YKEMU_DEFAULT_SERIAL);
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, sizeof(chal), NULL, &resp), 0);
        expect_hmac(f, chal, sizeof(chal), &resp);
        /* Slot 1 is empty: the key answers its status, no data; the applet says "slot empty". */
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 1, chal, sizeof(chal), NULL, &resp), -ENOKEY);
        /* An empty slot that the status did not show as empty: nothing answered, 0 bytes. */
        uint8_t padded[64] = { 1 }, out[64];
        size_t n = 99;
        assert_int_equal(yk_conn_otp_call(f->conn, 0x30, padded, sizeof(padded), NULL, out, sizeof(out), &n), 0);
        assert_int_equal(n, 0);
}

static void test_refused_write(void **state) {
        struct fixture *f = *state;
        struct yk_slot_config cfg;
        uint8_t code[6] = { 1, 2, 3, 4, 5, 6 }, wrong[6] = { 9, 9, 9, 9, 9, 9 };
        const struct yk_hmac_config_options opts = { .new_access_code = code };
        struct yk_otp_status after;
        assert_int_equal(yk_otp_select(f->conn, &f->st), 0);
        assert_int_equal(yk_build_hmac_config(&f->st.version, &f->secret, &opts, &cfg), 0);
        assert_int_equal(yk_otp_write_config(f->conn, &f->st, 2, &cfg, NULL, &after), 0);
        f->st = after;
        uint8_t before = ykemu_card_program_sequence(f->card);
        /* The wrong access code: the key takes the frame, the sequence does not move. */
        assert_int_equal(yk_otp_delete_slot(f->conn, &f->st, 2, wrong, &after), -EPERM);
        assert_int_equal(ykemu_card_program_sequence(f->card), before);
        assert_int_equal(yk_otp_delete_slot(f->conn, &f->st, 2, code, &after), 0);
        assert_int_equal(after.pgm_seq, 0); /* no slot left valid */
        assert_false(ykemu_card_slot(f->card, 2, cfg.bytes));
}

static void test_touch(void **state) {
        struct fixture *f = *state;
        uint8_t chal[40] = { 7 };
        struct yk_response resp;
        const struct yk_prompt prompt = { .touch = count_touch, .userdata = f };
        program(f, true);
        uint64_t t0 = now_ms();
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, sizeof(chal), &prompt, &resp), 0);
        assert_true(now_ms() - t0 >= 200); /* the emulated person touched after 200 ms */
        assert_int_equal(f->touches, 1);   /* said once, although polled many times */
        assert_int_equal(ykemu_card_hid_touches(f->card), 1); /* and the key counted one wait */
        expect_hmac(f, chal, sizeof(chal), &resp);
        /* A slot without touch never prompts over HID (unlike PC/SC, the key says when). */
        f->touches = 0;
        program(f, false);
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, sizeof(chal), &prompt, &resp), 0);
        assert_int_equal(f->touches, 0);
        assert_int_equal(ykemu_card_hid_touches(f->card), 1);
}

static void test_touch_not_given(void **state) {
        struct fixture *f = *state;
        uint8_t chal[32] = { 1 };
        struct yk_response resp = { 0 }, zero = { 0 };
        const struct yk_prompt prompt = { .touch = count_touch, .userdata = f };
        program(f, true);
        yk_conn_close(f->conn);
        ykemu_card_free(f->card);
        /* The same slot on a key nobody touches; it gives up after 400 ms. */
        f->card = new_card(YKEMU_TOUCH_NEVER, 0, 400);
        connect(f, &fast);
        program(f, true);
        uint64_t t0 = now_ms();
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, sizeof(chal), &prompt, &resp), -ETIMEDOUT);
        uint64_t took = now_ms() - t0;
        assert_true(took >= 400 && took < 1500);
        assert_int_equal(f->touches, 1);
        assert_memory_equal(&resp, &zero, sizeof(zero)); /* the output untouched */
        /* The key is usable again at once. */
        assert_int_equal(yk_otp_select(f->conn, &f->st), 0);
        assert_int_equal(yk_otp_slot_state(&f->st, 2), YK_SLOT_PROGRAMMED);
}

/* ---- faults ---- */

static void test_gone_mid_frame(void **state) {
        struct fixture *f = *state;
        uint8_t chal[32] = { 1 };
        struct yk_response resp;
        program(f, false);
        /* The device answers a few more calls, then is gone in the middle of the 10 reports. */
        f->dev.calls = 0;
        f->dev.after = 6;
        f->dev.fault = FAULT_GONE;
        unsigned sets = f->dev.sets;
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, sizeof(chal), NULL, &resp), -ENOMEDIUM);
        assert_true(f->dev.sets > sets && f->dev.sets < sets + 10); /* it was mid-frame */
        assert_int_equal(yk_otp_select(f->conn, &f->st), -ENOMEDIUM);
}

static void test_bad_crc(void **state) {
        struct fixture *f = *state;
        uint8_t chal[32] = { 1 };
        struct yk_response resp = { 0 }, zero = { 0 };
        program(f, false);
        f->dev.fault = FAULT_CORRUPT;
        unsigned resets = f->dev.resets;
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, sizeof(chal), NULL, &resp), -EPROTO);
        assert_memory_equal(&resp, &zero, sizeof(zero));
        assert_int_equal(f->dev.resets, resets + 1);
        /* The same answer uncorrupted checks out: the CRC, not the framing, failed. */
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, sizeof(chal), NULL, &resp), 0);
        expect_hmac(f, chal, sizeof(chal), &resp);
}

static void test_short_answer(void **state) {
        struct fixture *f = *state;
        uint8_t chal[32] = { 1 };
        struct yk_response resp;
        program(f, false);
        f->dev.fault = FAULT_SHORT_ANSWER;
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, sizeof(chal), NULL, &resp), -EPROTO);
}

static void test_write_flag_stuck(void **state) {
        struct fixture *f = *state;
        uint32_t serial;
        f->dev.fault = FAULT_WRITE_STUCK;
        uint64_t t0 = now_ms();
        assert_int_equal(yk_otp_read_serial(f->conn, &serial), -EIO);
        uint64_t took = now_ms() - t0;
        assert_true(took >= 100 && took < 1000); /* bounded by timing.write_ms */
        /* no report of the frame went to a key that never took one; only the reset after */
        assert_int_equal(f->dev.sets, 1);
        assert_int_equal(f->dev.last_set[7], YK_HID_RESET_REPORT);
        struct yk_otp_status st;
        assert_int_equal(yk_otp_select(f->conn, &st), -EIO);
}

static void test_busy_stuck(void **state) {
        struct fixture *f = *state;
        uint32_t serial;
        f->dev.fault = FAULT_BUSY_STUCK;
        uint64_t t0 = now_ms();
        assert_int_equal(yk_otp_read_serial(f->conn, &serial), -EIO);
        uint64_t took = now_ms() - t0;
        assert_true(took >= 150 && took < 1000); /* bounded by timing.busy_ms */
        assert_int_equal(f->dev.last_set[7], YK_HID_RESET_REPORT);
}

static void test_touch_stuck(void **state) {
        struct fixture *f = *state;
        uint8_t chal[32] = { 1 };
        struct yk_response resp;
        const struct yk_prompt prompt = { .touch = count_touch, .userdata = f };
        const struct yk_hid_timing t = { .write_ms = 100, .busy_ms = 100, .touch_ms = 300 };
        program(f, false);
        yk_conn_close(f->conn);
        connect(f, &t);
        f->dev.fault = FAULT_TOUCH_STUCK;
        uint64_t t0 = now_ms();
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, sizeof(chal), &prompt, &resp), -ETIMEDOUT);
        uint64_t took = now_ms() - t0;
        assert_true(took >= 300 && took < 1500); /* our own bound past the key's */
        assert_int_equal(f->touches, 1);
        assert_int_equal(f->dev.last_set[7], YK_HID_RESET_REPORT);
}

/* Another program read half an answer and went away: the key still shows response reports.
 * The next select tells it to stop (0x8F) and reads the status. */
static void test_aborted_exchange(void **state) {
        struct fixture *f = *state;
        uint8_t frame[YK_HID_FRAME_SIZE], report[8];
        assert_int_equal(yk_hid_build_frame(0x10, NULL, 0, frame), 0);
        for (unsigned seq = 0; seq < 10; seq++)
                if (yk_hid_frame_report(frame, seq, report))
                        assert_int_equal(ykemu_card_hid_set(f->card, report), 0);
        assert_int_equal(ykemu_card_hid_get(f->card, report), 0);
        assert_int_equal(report[7], 0x40); /* mid-answer */
        assert_int_equal(yk_otp_select(f->conn, &f->st), 0);
        assert_int_equal(f->dev.resets, 1);
        assert_int_equal(f->st.version.major, 5);
        uint32_t serial;
        assert_int_equal(yk_otp_read_serial(f->conn, &serial), 0);
        assert_int_equal(serial, YKEMU_DEFAULT_SERIAL);
}

/* The key's side: a frame whose CRC does not match is ignored, a write does not happen. */
static void test_card_ignores_bad_frame(void **state) {
        struct fixture *f = *state;
        struct yk_slot_config cfg;
        uint8_t payload[64] = { 0 }, frame[YK_HID_FRAME_SIZE], report[8];
        const struct yk_hmac_config_options opts = { 0 };
        assert_int_equal(yk_otp_select(f->conn, &f->st), 0);
        assert_int_equal(yk_build_hmac_config(&f->st.version, &f->secret, &opts, &cfg), 0);
        memcpy(payload, cfg.bytes, sizeof(cfg.bytes));
        assert_int_equal(yk_hid_build_frame(0x03, payload, sizeof(payload), frame), 0);
        frame[65] ^= 0x01;
        for (unsigned seq = 0; seq < 10; seq++)
                if (yk_hid_frame_report(frame, seq, report))
                        assert_int_equal(ykemu_card_hid_set(f->card, report), 0);
        assert_false(ykemu_card_slot(f->card, 2, cfg.bytes));
        assert_int_equal(ykemu_card_program_sequence(f->card), 0);
        /* The same frame with its CRC intact is taken. */
        frame[65] ^= 0x01;
        for (unsigned seq = 0; seq < 10; seq++)
                if (yk_hid_frame_report(frame, seq, report))
                        assert_int_equal(ykemu_card_hid_set(f->card, report), 0);
        assert_true(ykemu_card_slot(f->card, 2, cfg.bytes));
        assert_int_equal(ykemu_card_program_sequence(f->card), 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc),
                cmocka_unit_test(test_frame_layout),
                cmocka_unit_test_setup_teardown(test_select_serial, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_and_challenge, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refused_write, setup, teardown),
                cmocka_unit_test_setup_teardown(test_touch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_touch_not_given, setup, teardown),
                cmocka_unit_test_setup_teardown(test_gone_mid_frame, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_crc, setup, teardown),
                cmocka_unit_test_setup_teardown(test_short_answer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_write_flag_stuck, setup, teardown),
                cmocka_unit_test_setup_teardown(test_busy_stuck, setup, teardown),
                cmocka_unit_test_setup_teardown(test_touch_stuck, setup, teardown),
                cmocka_unit_test_setup_teardown(test_aborted_exchange, setup, teardown),
                cmocka_unit_test_setup_teardown(test_card_ignores_bad_frame, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
