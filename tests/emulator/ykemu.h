/* ykemu: a YubiKey 5's OTP application seen from the card's side (docs/protocol.md §1-3).
 *
 * The card is fed command APDUs in-process and answers them the way a real key does: the
 * 6-byte status on SELECT, config writes checked by CRC and access code (a refused write still
 * answers 90 00, only the program sequence tells), HMAC-SHA1 with the HMAC_LT64 rule, the
 * serial only when a slot has SERIAL_API_VISIBLE (or both slots are empty), and a waiting
 * period for slots that need a touch. The program `ykemu` plugs such a card into vpcd. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YKEMU_CONFIG_SIZE 52
#define YKEMU_ACC_CODE_SIZE 6
#define YKEMU_STATUS_SIZE 6
#define YKEMU_DEFAULT_SERIAL 10000001u

enum ykemu_touch {
        YKEMU_TOUCH_AUTO,  /* the "person" touches after touch_ms (300 ms by default) */
        YKEMU_TOUCH_NEVER, /* nobody touches: 69 85 after touch_timeout_ms */
};

enum ykemu_atr {
        YKEMU_ATR_USB, /* a YubiKey 5 on USB (T=1) */
        YKEMU_ATR_NFC, /* a YubiKey 5 on an NFC reader */
        YKEMU_ATR_T0,  /* T=0 only, for readers that speak nothing else (QEMU's usb-ccid) */
};

/* Faults a test asks of the card, to see the host cope with something that is not a good key. */
enum ykemu_fault {
        YKEMU_FAULT_NONE,
        YKEMU_FAULT_NO_OTP,        /* a card without the OTP application: SELECT answers 6A 82 */
        YKEMU_FAULT_GARBAGE,       /* every answer is one byte: not even a status word */
        YKEMU_FAULT_SHORT,         /* SELECT answers a 3-byte status with 90 00 */
        YKEMU_FAULT_PULL_ON_WRITE, /* the card is pulled out when a configuration write arrives */
};

/* "no-otp", "garbage", "short", "pull-on-write" (or "none"); -EINVAL for anything else. */
int ykemu_fault_from_string(const char *s, enum ykemu_fault *ret);

struct ykemu_options {
        uint32_t serial;              /* only used when the state is created */
        uint8_t firmware[3];          /* only used when the state is created; default 5.4.3 */
        enum ykemu_touch touch;
        unsigned touch_ms;            /* AUTO: the time until the touch; 0 = at once */
        unsigned touch_timeout_ms;    /* the key gives up after this (15 s like a real key) */
        const char *state_path;       /* NULL: in memory only */
        bool management;              /* answer the management application (else 6A 82) */
        volatile sig_atomic_t *cancel; /* when set and non-zero, a touch wait ends with 69 85 */
        enum ykemu_fault fault;
};

struct ykemu_card;

/* Fills in the defaults above: serial YKEMU_DEFAULT_SERIAL, firmware 5.4.3, touch auto after
 * 300 ms, timeout 15 s, in memory, management application present. */
void ykemu_options_init(struct ykemu_options *o);

/* Creates a card. With a state path, an existing file is loaded (-EBADMSG when it is not a
 * valid state, -ELOOP for a symbolic link) and a missing one is created with empty slots. */
int ykemu_card_new(const struct ykemu_options *o, struct ykemu_card **ret);
void ykemu_card_free(struct ykemu_card *card); /* NULL is fine */

/* One command APDU in; response data followed by SW1 SW2 out. Protocol errors are answered
 * with status words (return 0); -ENOBUFS when cap < 258, -EINVAL for a NULL buffer;
 * -ENOMEDIUM when the card has been pulled out (YKEMU_FAULT_PULL_ON_WRITE). */
int ykemu_card_apdu(struct ykemu_card *card, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
                    size_t *ret_len);

/* The HID side (docs/protocol.md §4): the 8-byte feature reports of the keyboard interface, without
 * report id. A get never blocks: a touch wait shows as status 0x20 | seconds left until the
 * emulated person touches (or the key gives up). -EINVAL for a NULL buffer. */
#define YKEMU_HID_REPORT_SIZE 8
int ykemu_card_hid_get(struct ykemu_card *card, uint8_t ret_report[YKEMU_HID_REPORT_SIZE]);
int ykemu_card_hid_set(struct ykemu_card *card, const uint8_t report[YKEMU_HID_REPORT_SIZE]);
/* How many touch waits the HID side has started (a command to a touch slot, each time). */
unsigned ykemu_card_hid_touches(const struct ykemu_card *card);

/* Power cycle or reset: forgets the selected application and any pending answer. */
void ykemu_card_reset(struct ykemu_card *card);

/* The answer to reset of the given kind. */
const uint8_t *ykemu_atr_bytes(enum ykemu_atr kind, size_t *ret_len);

/* Test accessors. */
uint8_t ykemu_card_program_sequence(const struct ykemu_card *card);
uint32_t ykemu_card_serial(const struct ykemu_card *card);
/* The slot's effective 52-byte configuration; false when the slot is empty. */
bool ykemu_card_slot(const struct ykemu_card *card, int slot, uint8_t ret_config[YKEMU_CONFIG_SIZE]);

/* The CRC-16 of docs/protocol.md §2 (not inverted), written on the card's side independently of src/otp. */
uint16_t ykemu_crc16(const uint8_t *data, size_t len);
