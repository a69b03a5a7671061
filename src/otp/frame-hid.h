/* OTP commands over a YubiKey's HID keyboard interface (docs/protocol.md §4), behind two injected
 * functions that get and set one 8-byte feature report: the get_report / set_report of a
 * HID-kind yk_backend (transport/hid.c: HIDIOCGFEATURE / HIDIOCSFEATURE on /dev/hidrawN), or
 * in the unit tests the emulator's HID side in-process.
 *
 * A command is a 70-byte frame: 64-byte payload, the slot command, the CRC-16 of the payload
 * (not inverted, little-endian) and 3 filler bytes, sent as 10 reports of 7 data bytes and a
 * last byte 0x80 | sequence; all-zero middle reports are skipped, and before every report the
 * key must have cleared the write flag. The answer is read back: reports with 0x40 | sequence
 * carry data followed by the key's (inverted) CRC; a status byte 0 carries the 6-byte status;
 * 0x20 | seconds means the key waits for a touch. A report 0x8F ends an aborted exchange.
 *
 * Errors: those of the injected functions (-ENOMEDIUM when the device went away), -EIO when
 * the key stays busy (write flag or processing) past the bounded wait (never past the
 * connection's deadline, or the exchange bound of a command that may wait for a touch), -EPROTO for an answer
 * that breaks the framing or its CRC, -ETIMEDOUT when a touch was asked for and not given. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otp/conn.h"

#define YK_HID_REPORT_DATA  7
#define YK_HID_PAYLOAD_SIZE 64
#define YK_HID_FRAME_SIZE   70
#define YK_HID_FRAME_REPORTS 10

/* The last byte of a report (ykdef.h: SLOT_WRITE_FLAG, RESP_PENDING_FLAG, ...). */
#define YK_HID_WRITE_FLAG   0x80 /* set by the host, cleared by the key once it took the report */
#define YK_HID_PENDING_FLAG 0x40 /* a response report; sequence in the low 5 bits */
#define YK_HID_TOUCH_FLAG   0x20 /* waiting for a touch; seconds left in the low 5 bits */
#define YK_HID_SEQ_MASK     0x1f
#define YK_HID_RESET_REPORT 0x8f /* an invalid sequence: the key drops what it was doing */

/* The residue of the CRC over data followed by its inverted CRC (docs/protocol.md §2). */
#define YK_HID_CRC_RESIDUE 0xf0b8

struct yk_hid_io {
        /* Reads / writes one 8-byte feature report (without report id). 0 or a negative errno. */
        int (*get_report)(void *userdata, uint8_t report[YK_HID_REPORT_SIZE]);
        int (*set_report)(void *userdata, const uint8_t report[YK_HID_REPORT_SIZE]);
        void (*close)(void *userdata); /* may be NULL */
        void *userdata;
};

/* Bounded waits, in milliseconds. Zero means "look once". */
struct yk_hid_timing {
        unsigned write_ms; /* for the write flag to clear before each report */
        unsigned busy_ms;  /* for an answer while the key works without asking for a touch */
        unsigned touch_ms; /* for an answer once the key asked for a touch (it gives up at 15 s) */
};

extern const struct yk_hid_timing yk_hid_default_timing;

/* The CRC-16 of docs/protocol.md §2, not inverted. */
uint16_t yk_hid_crc16(const uint8_t *data, size_t len);

/* The 70-byte frame of one command; -EINVAL when the payload is longer than 64 bytes. */
int yk_hid_build_frame(uint8_t slot_cmd, const uint8_t *data, size_t len, uint8_t ret_frame[YK_HID_FRAME_SIZE]);

/* Report `seq` (0..9) of a frame; false when it is an all-zero middle report that is skipped. */
bool yk_hid_frame_report(const uint8_t frame[YK_HID_FRAME_SIZE], unsigned seq,
                         uint8_t ret_report[YK_HID_REPORT_SIZE]);

/* The length of the data a slot command answers with (without the CRC): > 0 known, 0 the
 * command answers the status, -1 the length is in the first byte (device information). */
int yk_hid_answer_len(uint8_t slot_cmd);

/* A connection whose select_otp / otp_call speak feature reports through io. Takes ownership
 * of io->userdata (closed with io->close, also when this fails). timing NULL: the defaults. */
int yk_hid_conn_new(const struct yk_device *dev, const struct yk_hid_io *io, const struct yk_hid_timing *timing,
                    struct yk_conn **ret);
