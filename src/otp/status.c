/* The OTP application's status bytes (docs/protocol.md §1): version, program sequence, touch level. */
#include <errno.h>

#include "otp/status.h"

const char *yk_slot_state_name(enum yk_slot_state s) {
        switch (s) {
        case YK_SLOT_EMPTY:
                return "empty";
        case YK_SLOT_PROGRAMMED:
                return "programmed";
        case YK_SLOT_KEYBOARD:
                return "keyboard";
        }
        return "unknown";
}

int yk_otp_parse_status(const uint8_t *buf, size_t len, struct yk_otp_status *ret) {
        if (!ret || (len > 0 && !buf))
                return -EINVAL;
        /* 6 bytes; older keys append mode, challenge timeout and auto-eject time (10 in all),
         * which ykunlock does not need. */
        if (len < 6)
                return -EPROTO;
        *ret = (struct yk_otp_status) {
                .version = { .major = buf[0], .minor = buf[1], .build = buf[2] },
                .pgm_seq = buf[3],
                .touch_level = (uint16_t) (buf[4] | buf[5] << 8), /* little-endian */
        };
        return 0;
}

enum yk_slot_state yk_otp_slot_state(const struct yk_otp_status *st, int slot) {
        uint16_t valid, touch;

        if (!st)
                return YK_SLOT_EMPTY;
        if (slot == 1) {
                valid = YK_TOUCH_SLOT1_VALID;
                touch = YK_TOUCH_SLOT1_TOUCH;
        } else if (slot == 2) {
                valid = YK_TOUCH_SLOT2_VALID;
                touch = YK_TOUCH_SLOT2_TOUCH;
        } else
                return YK_SLOT_EMPTY;
        if (!(st->touch_level & valid))
                return YK_SLOT_EMPTY;
        return st->touch_level & touch ? YK_SLOT_KEYBOARD : YK_SLOT_PROGRAMMED;
}

bool yk_version_at_least(const struct yk_version *v, uint8_t major, uint8_t minor, uint8_t build) {
        if (v->major != major)
                return v->major > major;
        if (v->minor != minor)
                return v->minor > minor;
        return v->build >= build;
}
