/* The card's HID side (docs/protocol.md §4): 8-byte feature reports on the keyboard interface, driving
 * the same OTP slot commands as the CCID side (card-otp.c).
 *
 * A set report with 0x80 | sequence (0..9) carries 7 bytes of the 70-byte frame; sequence 0
 * starts a frame (skipped reports stay zero), sequence 9 ends it. The frame's CRC (not
 * inverted) must match or the key ignores it. Any other set report (0x8F) drops what the key
 * was doing. A get report answers, by phase: the status (byte 0 zero, 6 status bytes, status
 * byte 0), the touch wait (status byte 0x20 | seconds left), or the answer: data followed by
 * its inverted CRC, 7 bytes a report with 0x40 | sequence, then 0x40 alone. The emulator takes
 * each report at once, so the write flag is always clear when read. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "card-internal.h"
#include "shared/deadline.h"
#include "shared/secmem.h"

#define WRITE_FLAG   0x80
#define PENDING_FLAG 0x40
#define TOUCH_FLAG   0x20
#define SEQ_MASK     0x1f
#define LAST_SEQ     9
#define DATA_SIZE    7
#define PAYLOAD_SIZE 64

/* How much of the 64-byte payload each command takes (its CCID length). */
static size_t payload_len(uint8_t cmd) {
        switch (cmd) {
        case 0x01: /* config 1 / 2, update 1 / 2: configuration and current access code */
        case 0x03:
        case 0x04:
        case 0x05:
                return YKEMU_CONFIG_SIZE + YKEMU_ACC_CODE_SIZE;
        case 0x06: /* swap: the current access code */
                return YKEMU_ACC_CODE_SIZE;
        case 0x20: /* challenges */
        case 0x28:
        case 0x30:
        case 0x38:
                return PAYLOAD_SIZE;
        default:
                return 0;
        }
}

static bool answers_data(uint8_t cmd) {
        return cmd == 0x10 || cmd == 0x13 || cmd == 0x20 || cmd == 0x28 || cmd == 0x30 || cmd == 0x38;
}

/* Runs the frame's command; data answers are queued for reading, anything else leaves the
 * key on its status reports (a write shows there by its program sequence). */
static void run_command(struct ykemu_card *card) {
        struct ykemu_hid *h = &card->hid;
        struct ykemu_reply r = {};
        uint8_t cmd = h->frame[PAYLOAD_SIZE];

        ykemu_otp_command(card, cmd, h->frame, payload_len(cmd), &r);
        h->phase = HID_IDLE;
        if (answers_data(cmd) && r.sw == SW_OK && r.len > 0 && r.len + 2 <= sizeof(h->answer)) {
                memset(h->answer, 0, sizeof(h->answer));
                memcpy(h->answer, r.data, r.len);
                uint16_t crc = (uint16_t) ~ykemu_crc16(r.data, r.len);
                h->answer[r.len] = crc & 0xff;
                h->answer[r.len + 1] = crc >> 8;
                h->answer_len = (r.len + 2 + DATA_SIZE - 1) / DATA_SIZE * DATA_SIZE;
                h->answer_seq = 0;
                h->phase = HID_ANSWER;
        }
        secure_wipe(&r, sizeof(r));
        secure_wipe(h->frame, sizeof(h->frame));
}

static void frame_complete(struct ykemu_card *card) {
        struct ykemu_hid *h = &card->hid;
        uint16_t crc = ykemu_crc16(h->frame, PAYLOAD_SIZE);
        if ((h->frame[65] | h->frame[66] << 8) != crc) {
                secure_wipe(h->frame, sizeof(h->frame)); /* a garbled frame is ignored */
                h->phase = HID_IDLE;
                return;
        }
        if (ykemu_otp_needs_touch(card, h->frame[PAYLOAD_SIZE])) {
                h->phase = HID_TOUCH;
                h->touch_start_ms = now_ms();
                h->touches++;
                return;
        }
        run_command(card);
}

int ykemu_card_hid_set(struct ykemu_card *card, const uint8_t report[YKEMU_HID_REPORT_SIZE]) {
        if (!card || !report)
                return -EINVAL;
        struct ykemu_hid *h = &card->hid;
        uint8_t st = report[DATA_SIZE];
        unsigned seq = st & SEQ_MASK;
        if (!(st & WRITE_FLAG) || seq > LAST_SEQ) {
                /* 0x8F (or yubikit's 0xFF): drop a half-read answer, a touch wait, a frame. */
                h->phase = HID_IDLE;
                h->receiving = false;
                return 0;
        }
        if (seq == 0) {
                memset(h->frame, 0, sizeof(h->frame));
                h->receiving = true;
                h->phase = HID_IDLE; /* a new command abandons the old one */
        }
        if (!h->receiving)
                return 0; /* a part of a frame whose start we never saw */
        memcpy(h->frame + seq * DATA_SIZE, report, DATA_SIZE);
        if (seq == LAST_SEQ) {
                h->receiving = false;
                frame_complete(card);
        }
        return 0;
}

static void status_report(const struct ykemu_card *card, uint8_t out[YKEMU_HID_REPORT_SIZE], uint8_t flags) {
        memset(out, 0, YKEMU_HID_REPORT_SIZE);
        ykemu_otp_status(card, out + 1);
        out[DATA_SIZE] = flags;
}

/* The touch wait, looked at when the host polls: touched, given up, or still waiting. */
static void touch_report(struct ykemu_card *card, uint8_t out[YKEMU_HID_REPORT_SIZE]) {
        const struct ykemu_options *o = &card->opt;
        uint64_t waited = now_ms() - card->hid.touch_start_ms;
        bool cancelled = o->cancel && *o->cancel;
        bool touched = o->touch == YKEMU_TOUCH_AUTO && o->touch_ms < o->touch_timeout_ms && waited >= o->touch_ms;

        if (!cancelled && touched) {
                card->touch_given = true;
                run_command(card);
                card->touch_given = false;
                return;
        }
        if (cancelled || waited >= o->touch_timeout_ms) {
                card->hid.phase = HID_IDLE; /* the key gave up: status, sequence unchanged */
                secure_wipe(card->hid.frame, sizeof(card->hid.frame));
                return;
        }
        uint64_t left = (o->touch_timeout_ms - waited + 999) / 1000;
        status_report(card, out, (uint8_t) (TOUCH_FLAG | (left > SEQ_MASK ? SEQ_MASK : left)));
}

int ykemu_card_hid_get(struct ykemu_card *card, uint8_t ret_report[YKEMU_HID_REPORT_SIZE]) {
        if (!card || !ret_report)
                return -EINVAL;
        struct ykemu_hid *h = &card->hid;
        if (h->phase == HID_TOUCH) {
                touch_report(card, ret_report);
                if (h->phase == HID_TOUCH)
                        return 0;
        }
        if (h->phase != HID_ANSWER) {
                status_report(card, ret_report, 0);
                return 0;
        }
        memset(ret_report, 0, YKEMU_HID_REPORT_SIZE);
        size_t off = (size_t) h->answer_seq * DATA_SIZE;
        if (off < h->answer_len) {
                memcpy(ret_report, h->answer + off, DATA_SIZE);
                ret_report[DATA_SIZE] = (uint8_t) (PENDING_FLAG | h->answer_seq);
                h->answer_seq++;
        } else
                ret_report[DATA_SIZE] = PENDING_FLAG; /* sequence 0 again: the answer is complete */
        return 0;
}

unsigned ykemu_card_hid_touches(const struct ykemu_card *card) {
        return card ? card->hid.touches : 0;
}
