/* The OTP application's status (docs/protocol.md §1): firmware version, program sequence, touch level. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct yk_version {
        uint8_t major, minor, build;
};

struct yk_otp_status {
        struct yk_version version;
        uint8_t pgm_seq;
        uint16_t touch_level;
};

/* Touch-level bits. */
#define YK_TOUCH_SLOT1_VALID 0x01
#define YK_TOUCH_SLOT2_VALID 0x02
#define YK_TOUCH_SLOT1_TOUCH 0x04 /* slot 1 is triggered by touch: a keyboard slot */
#define YK_TOUCH_SLOT2_TOUCH 0x08
#define YK_TOUCH_LED_INV     0x10

enum yk_slot_state {
        YK_SLOT_EMPTY,
        YK_SLOT_PROGRAMMED, /* not touch-triggered: challenge-response capable (may need touch) */
        YK_SLOT_KEYBOARD,   /* touch-triggered: types an OTP or static password */
};

const char *yk_slot_state_name(enum yk_slot_state s); /* "empty", "programmed", "keyboard" */

/* Parses 6 (or 10, older keys) status bytes. -EPROTO when too short. */
int yk_otp_parse_status(const uint8_t *buf, size_t len, struct yk_otp_status *ret);

enum yk_slot_state yk_otp_slot_state(const struct yk_otp_status *st, int slot);

/* a >= b */
bool yk_version_at_least(const struct yk_version *v, uint8_t major, uint8_t minor, uint8_t build);
