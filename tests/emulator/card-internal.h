/* The card's inner parts, shared by the files of the card library. */
#pragma once

#include "ykemu.h"

/* Offsets and flags of the 52-byte configuration (docs/protocol.md §2). */
#define CFG_OFF_FIXED 0
#define CFG_OFF_UID 16
#define CFG_OFF_KEY 22
#define CFG_OFF_ACC_CODE 38
#define CFG_OFF_EXT 45
#define CFG_OFF_TKT 46
#define CFG_OFF_CFG 47
#define CFG_OFF_CRC 50

#define TKT_CHAL_RESP 0x40
#define TKT_UPDATE_MASK 0x3f /* tabs, delays, CR */
#define CFG_CHAL_HMAC 0x22
#define CFG_HMAC_LT64 0x04
#define CFG_CHAL_BTN_TRIG 0x08
#define CFG_UPDATE_MASK 0x0c /* pacing (the same bits as LT64/BTN_TRIG in a chal-resp slot) */
#define EXT_SERIAL_API_VISIBLE 0x04
#define EXT_ALLOW_UPDATE 0x20

/* The residue of the CRC over a configuration that carries its own (inverted) CRC. */
#define YKEMU_CRC_OK_RESIDUE 0xf0b8

/* Status words. */
#define SW_OK 0x9000
#define SW_WRONG_LENGTH 0x6700
#define SW_CONDITIONS 0x6985
#define SW_NOT_FOUND 0x6a82
#define SW_FUNC_NOT_SUPPORTED 0x6a81
#define SW_WRONG_P1P2 0x6a86
#define SW_INS_NOT_SUPPORTED 0x6d00
#define SW_CLA_NOT_SUPPORTED 0x6e00
#define SW_CHAINING_NOT_SUPPORTED 0x6884
#define SW_MEMORY_FAILURE 0x6581

struct ykemu_slot {
        bool programmed;
        uint8_t config[YKEMU_CONFIG_SIZE];     /* effective configuration */
        uint8_t last_write[YKEMU_CONFIG_SIZE]; /* the bytes the client last wrote to it */
};

/* Everything a real key keeps in flash. */
struct ykemu_state {
        uint32_t serial;
        uint8_t firmware[3];
        uint8_t pgm_seq;
        struct ykemu_slot slot[2];
};

enum ykemu_app {
        APP_NONE,
        APP_OTP,
        APP_MGMT,
};

/* Room for one answer of any command plus its status words. */
#define YKEMU_RESP_MAX 256

/* The HID side (card-hid.c): a frame being received, a touch wait, or an answer being read. */
enum ykemu_hid_phase {
        HID_IDLE,   /* status reports */
        HID_TOUCH,  /* a command waits for its touch: status byte 0x20 | seconds left */
        HID_ANSWER, /* response reports 0x40 | sequence, then 0x40 (sequence 0 again) */
};

#define YKEMU_HID_FRAME_SIZE 70
#define YKEMU_HID_ANSWER_MAX (32 * 7)

struct ykemu_hid {
        enum ykemu_hid_phase phase;
        bool receiving;                      /* report 0 of a frame came, the last not yet */
        uint8_t frame[YKEMU_HID_FRAME_SIZE];
        uint64_t touch_start_ms;
        uint8_t answer[YKEMU_HID_ANSWER_MAX];
        size_t answer_len;
        unsigned answer_seq;
        unsigned touches; /* touch waits started, for the tests that count them */
};

struct ykemu_card {
        struct ykemu_state st;
        struct ykemu_options opt;
        char *state_path; /* owned copy of opt.state_path */
        enum ykemu_app app;
        uint8_t pending[YKEMU_RESP_MAX]; /* an answer waiting for GET RESPONSE */
        size_t pending_len, pending_off;
        struct ykemu_hid hid;
        bool touch_given; /* the HID side has waited for the touch already: do not wait again */
};

/* A parsed answer: data plus status word. */
struct ykemu_reply {
        uint8_t data[YKEMU_RESP_MAX];
        size_t len;
        uint16_t sw;
};

/* card-otp.c: INS 01 (slot commands) and INS 03 (status) of the OTP application. */
void ykemu_otp_status(const struct ykemu_card *card, uint8_t out[YKEMU_STATUS_SIZE]);
void ykemu_otp_command(struct ykemu_card *card, uint8_t p1, const uint8_t *data, size_t len,
                       struct ykemu_reply *r);
/* card-mgmt.c: the device information TLV (length byte first), for OTP 0x13 and MGMT 1D. */
size_t ykemu_device_info(const struct ykemu_card *card, uint8_t *out, size_t cap);
void ykemu_mgmt_command(struct ykemu_card *card, uint8_t ins, struct ykemu_reply *r);

/* card-state.c: the state file (JSON). */
int ykemu_state_load(const char *path, struct ykemu_state *ret);
int ykemu_state_parse(const char *text, size_t len, struct ykemu_state *ret); /* -EBADMSG */
int ykemu_state_save(const char *path, const struct ykemu_state *st);
/* Slot validity and the touch-level bits, derived from the configurations. */
uint16_t ykemu_touch_level(const struct ykemu_state *st);

/* Whether this slot command waits for a touch (an HMAC challenge to a CHAL_BTN_TRIG slot). */
bool ykemu_otp_needs_touch(const struct ykemu_card *card, uint8_t p1);

/* card-touch.c: waits for the touch the slot needs; false when none came (69 85). */
bool ykemu_wait_touch(const struct ykemu_card *card);

/* card-fault.c: answers an APDU the faulty way the options ask for: 1 when it answered,
 * 0 when the card should answer normally, -ENOMEDIUM when the card is gone. */
int ykemu_fault_answer(struct ykemu_card *card, const uint8_t *apdu, size_t len, uint8_t *resp,
                       size_t *ret_len);
