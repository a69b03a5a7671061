/* The OTP HID framing (docs/protocol.md §4; ykdef.h struct frame_st), over two injected feature-report
 * functions. The state machine follows what Yubico's clients do (ykcore's yk_write_to_key and
 * yk_read_response_from_key, yubikit's OtpProtocol): wait for the write flag, send, then poll
 * the status byte until the answer is there, bounded at every step. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yubikey.h>

#include "shared/secmem.h"
#include "otp/applet.h"
#include "otp/frame-hid.h"
#include "shared/deadline.h"

/* At most 32 response reports (the sequence has 5 bits). */
#define ANSWER_MAX (32 * YK_HID_REPORT_DATA)

#define POLL_WRITE_MS 5
#define POLL_BUSY_MS  10
#define POLL_TOUCH_MS 100

const struct yk_hid_timing yk_hid_default_timing = {
        .write_ms = 1100, /* ykcore's WAIT_FOR_WRITE_FLAG */
        .busy_ms = 2000,  /* a configuration write takes a few hundred ms of flash */
        .touch_ms = 17000, /* the key's own 15 s and some slack */
};

struct hid_conn {
        struct yk_conn base;
        struct yk_hid_io io;
        struct yk_hid_timing timing;
};

/* The CRC-16 of docs/protocol.md §2 (libyubikey's), not inverted here: the frame carries it as is. */
uint16_t yk_hid_crc16(const uint8_t *data, size_t len) {
        return yubikey_crc16(data, len);
}

int yk_hid_build_frame(uint8_t slot_cmd, const uint8_t *data, size_t len, uint8_t ret_frame[YK_HID_FRAME_SIZE]) {
        if (!ret_frame || len > YK_HID_PAYLOAD_SIZE || (len > 0 && !data))
                return -EINVAL;
        memset(ret_frame, 0, YK_HID_FRAME_SIZE);
        if (len > 0)
                memcpy(ret_frame, data, len);
        uint16_t crc = yk_hid_crc16(ret_frame, YK_HID_PAYLOAD_SIZE);
        ret_frame[64] = slot_cmd;
        ret_frame[65] = crc & 0xff;
        ret_frame[66] = crc >> 8;
        return 0; /* 67..69: filler */
}

bool yk_hid_frame_report(const uint8_t frame[YK_HID_FRAME_SIZE], unsigned seq,
                         uint8_t ret_report[YK_HID_REPORT_SIZE]) {
        const uint8_t *part = frame + seq * YK_HID_REPORT_DATA;
        bool zero = true;
        for (size_t i = 0; i < YK_HID_REPORT_DATA; i++)
                zero = zero && part[i] == 0;
        /* The first and the last report always go: the first starts the frame, the last ends it. */
        if (zero && seq != 0 && seq != YK_HID_FRAME_REPORTS - 1)
                return false;
        memcpy(ret_report, part, YK_HID_REPORT_DATA);
        ret_report[YK_HID_REPORT_DATA] = (uint8_t) (YK_HID_WRITE_FLAG | seq);
        return true;
}

int yk_hid_answer_len(uint8_t slot_cmd) {
        switch (slot_cmd) {
        case YK_CMD_SERIAL:
                return 4;
        case YK_CMD_CHAL_OTP_1:
        case YK_CMD_CHAL_OTP_2:
                return 16;
        case YK_CMD_CHAL_HMAC_1:
        case YK_CMD_CHAL_HMAC_2:
                return 20;
        case YK_CMD_DEVICE_INFO:
                return -1;
        default:
                return 0;
        }
}

/* Sleeps `ms`, but never past the deadline. */
static void pause_until(uint64_t deadline, unsigned ms) {
        uint64_t now = now_ms();
        if (now >= deadline)
                return;
        if (deadline - now < ms)
                ms = (unsigned) (deadline - now);
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        (void) nanosleep(&ts, NULL);
}

static int get_report(struct hid_conn *c, uint8_t report[YK_HID_REPORT_SIZE]) {
        return c->io.get_report(c->io.userdata, report);
}

/* Tells the key to drop a half-read answer or a touch wait (ykcore: yk_force_key_update). */
static void send_reset(struct hid_conn *c) {
        uint8_t report[YK_HID_REPORT_SIZE] = { [YK_HID_REPORT_DATA] = YK_HID_RESET_REPORT };
        (void) c->io.set_report(c->io.userdata, report);
}

/* Waits for the write flag to clear; the last report read is left in `report`. */
static int await_ready(struct hid_conn *c, uint8_t report[YK_HID_REPORT_SIZE]) {
        uint64_t deadline = now_ms() + c->timing.write_ms;
        for (;;) {
                int r = get_report(c, report);
                if (r < 0)
                        return r;
                if (!(report[YK_HID_REPORT_DATA] & YK_HID_WRITE_FLAG))
                        return 0;
                if (now_ms() >= deadline)
                        return -EIO; /* a key that never takes the report is a broken key */
                pause_until(deadline, POLL_WRITE_MS);
        }
}

/* A key left in the middle of an answer or a touch wait by an aborted exchange (ours or
 * another program's) is told to drop it before we talk to it. */
static int read_idle_report(struct hid_conn *c, uint8_t report[YK_HID_REPORT_SIZE]) {
        int r = get_report(c, report);
        if (r < 0)
                return r;
        if (report[YK_HID_REPORT_DATA] & (YK_HID_PENDING_FLAG | YK_HID_TOUCH_FLAG)) {
                send_reset(c);
                r = get_report(c, report);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int send_frame(struct hid_conn *c, const uint8_t frame[YK_HID_FRAME_SIZE]) {
        uint8_t report[YK_HID_REPORT_SIZE], seen[YK_HID_REPORT_SIZE];
        CLEANUP_ERASE(report);
        int r = read_idle_report(c, seen);
        for (unsigned seq = 0; r == 0 && seq < YK_HID_FRAME_REPORTS; seq++) {
                if (!yk_hid_frame_report(frame, seq, report))
                        continue;
                r = await_ready(c, seen);
                if (r == 0)
                        r = c->io.set_report(c->io.userdata, report);
        }
        return r;
}

struct answer {
        uint8_t data[ANSWER_MAX];
        size_t len;
        unsigned next_seq;
        bool touch_seen;
        bool is_status;
};

/* One response report: data in sequence, or the end of the answer (sequence 0 again).
 * Returns 1 when the answer is complete, 2 for the next part of it, 0 for a report out of
 * sequence (read again, as yubikit does). At most 32 parts: an endless answer is -EPROTO. */
static int take_data_report(struct answer *a, const uint8_t report[YK_HID_REPORT_SIZE]) {
        unsigned seq = report[YK_HID_REPORT_DATA] & YK_HID_SEQ_MASK;
        if (seq == a->next_seq) {
                if (a->len + YK_HID_REPORT_DATA > sizeof(a->data))
                        return -EPROTO;
                memcpy(a->data + a->len, report, YK_HID_REPORT_DATA);
                a->len += YK_HID_REPORT_DATA;
                a->next_seq++;
                return 2;
        }
        if (seq == 0 && a->next_seq > 0)
                return 1;
        return 0;
}

/* The end of a wait of `ms` that started at `start`, never past the call's deadline (which
 * leaves every call at least the minimum of shared/deadline.h). */
static uint64_t wait_end(const struct yk_deadline *dl, uint64_t start, unsigned ms) {
        uint64_t end = start + ms, limit = dl->end_ms;
        if (limit < start + YK_CALL_MIN_MS)
                limit = start + YK_CALL_MIN_MS;
        return end < limit ? end : limit;
}

/* Polls until the answer is complete: data reports, or a status report once the key is done. */
static int poll_answer(struct hid_conn *c, const struct yk_deadline *dl, const struct yk_prompt *prompt,
                       struct answer *a, uint8_t report[YK_HID_REPORT_SIZE]) {
        uint64_t start = now_ms(), deadline = wait_end(dl, start, c->timing.busy_ms);
        for (;;) {
                int r = get_report(c, report);
                if (r < 0)
                        return r;
                uint8_t st = report[YK_HID_REPORT_DATA];
                if (st & YK_HID_PENDING_FLAG) {
                        r = take_data_report(a, report);
                        if (r == 2)
                                continue; /* progress: read on at once */
                        if (r != 0)
                                return r < 0 ? r : 0;
                } else if (st == 0) {
                        if (a->len > 0)
                                return -EPROTO; /* the answer stopped half-way */
                        memcpy(a->data, report + 1, 6);
                        a->len = 6;
                        a->is_status = true;
                        return 0;
                } else if ((st & YK_HID_TOUCH_FLAG) && !a->touch_seen) {
                        a->touch_seen = true;
                        deadline = wait_end(dl, start, c->timing.touch_ms);
                        if (prompt && prompt->touch)
                                prompt->touch(prompt->userdata);
                }
                if (now_ms() >= deadline)
                        return a->touch_seen ? -ETIMEDOUT : -EIO;
                pause_until(deadline, a->touch_seen ? POLL_TOUCH_MS : POLL_BUSY_MS);
        }
}

static int read_answer(struct hid_conn *c, const struct yk_deadline *dl, const struct yk_prompt *prompt,
                       struct answer *a) {
        uint8_t report[YK_HID_REPORT_SIZE];
        CLEANUP_ERASE(report); /* the last part of an HMAC response */
        return poll_answer(c, dl, prompt, a, report);
}

/* The data of an answer, its CRC checked; or the status / nothing, as apdu.c answers them. */
static int finish_answer(const struct answer *a, int want, uint8_t *resp, size_t cap, size_t *ret_len) {
        size_t n;
        if (a->is_status) {
                if (want == 0)
                        n = a->len;
                else if (a->touch_seen)
                        return -ETIMEDOUT; /* the key gave up waiting for the touch */
                else
                        n = 0; /* nothing to answer: an empty slot, a hidden serial */
        } else {
                if (want == 0)
                        return -EPROTO;
                size_t len = want > 0 ? (size_t) want : (size_t) a->data[0] + 1;
                if (len + 2 > a->len || yk_hid_crc16(a->data, len + 2) != YK_HID_CRC_RESIDUE)
                        return -EPROTO;
                n = len;
        }
        if (n > cap)
                return -EPROTO;
        if (n > 0)
                memcpy(resp, a->data, n);
        *ret_len = n;
        return 0;
}

static int hid_otp_call(struct yk_conn *conn, uint8_t slot_cmd, const uint8_t *data, size_t len,
                        const struct yk_prompt *prompt, uint8_t *resp, size_t cap, size_t *ret_len) {
        struct hid_conn *c = (struct hid_conn *) conn;
        uint8_t frame[YK_HID_FRAME_SIZE];
        CLEANUP_ERASE(frame); /* a configuration write carries the slot secret */
        struct answer a = {};
        CLEANUP_ERASE(a);

        if ((cap > 0 && !resp) || !ret_len)
                return -EINVAL;
        int r = yk_hid_build_frame(slot_cmd, data, len, frame);
        if (r < 0)
                return r;
        r = send_frame(c, frame);
        const struct yk_deadline dl = yk_conn_call_deadline(conn, slot_cmd);
        if (r == 0)
                r = read_answer(c, &dl, prompt, &a);
        if (r == 0)
                r = finish_answer(&a, yk_hid_answer_len(slot_cmd), resp, cap, ret_len);
        /* After data, or after giving up, the key is told to go back to its status reports. */
        if (r != -ENOMEDIUM && (r < 0 || !a.is_status))
                send_reset(c);
        return r;
}

static int hid_select_otp(struct yk_conn *conn, uint8_t *ret_status, size_t cap, size_t *ret_len) {
        struct hid_conn *c = (struct hid_conn *) conn;
        uint8_t report[YK_HID_REPORT_SIZE];

        if (!ret_status || !ret_len)
                return -EINVAL;
        int r = read_idle_report(c, report);
        if (r == 0 && (report[YK_HID_REPORT_DATA] & YK_HID_WRITE_FLAG))
                r = await_ready(c, report);
        if (r < 0)
                return r;
        if (report[YK_HID_REPORT_DATA] & (YK_HID_PENDING_FLAG | YK_HID_TOUCH_FLAG))
                return -EIO; /* still busy with something after the reset */
        if (cap < 6)
                return -EPROTO;
        memcpy(ret_status, report + 1, 6);
        *ret_len = 6;
        return 0;
}

static void hid_close(struct yk_conn *conn) {
        struct hid_conn *c = (struct hid_conn *) conn;
        if (c->io.close)
                c->io.close(c->io.userdata);
        free(c);
}

static const struct yk_conn_ops hid_ops = {
        .select_otp = hid_select_otp,
        .otp_call = hid_otp_call,
        .close = hid_close,
};

int yk_hid_conn_new(const struct yk_device *dev, const struct yk_hid_io *io, const struct yk_hid_timing *timing,
                    struct yk_conn **ret) {
        if (!dev || !io || !io->get_report || !io->set_report || !ret) {
                if (io && io->close)
                        io->close(io->userdata);
                return -EINVAL;
        }
        struct hid_conn *c = calloc(1, sizeof(*c));
        if (!c) {
                if (io->close)
                        io->close(io->userdata);
                return -ENOMEM;
        }
        yk_conn_init(&c->base, &hid_ops, dev);
        c->io = *io;
        c->timing = timing ? *timing : yk_hid_default_timing;
        *ret = &c->base;
        return 0;
}
