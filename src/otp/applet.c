/* The OTP application's commands (docs/protocol.md §1), over any transport. */
#include <errno.h>
#include <string.h>

#include "otp/applet.h"
#include "otp/config.h"
#include "otp/padding.h"
#include "shared/secmem.h"

#define STATUS_MAX 16   /* 6 bytes, 10 on older keys; room for a little more */
#define ANSWER_MAX 64   /* more than any answer of the commands below */

/* A key that does not know a command it should (6D 00, 6A 81, 6A 86) is not speaking the
 * protocol we need: -EBADRQC stays inside the OTP layer. */
static int protocol_error(int r) {
        return r == -EBADRQC ? -EPROTO : r;
}

int yk_otp_select(struct yk_conn *c, struct yk_otp_status *ret) {
        uint8_t buf[STATUS_MAX];
        size_t n = 0;

        if (!c || !ret)
                return -EINVAL;
        int r = yk_conn_select_otp(c, buf, sizeof(buf), &n);
        if (r < 0)
                return r;
        return yk_otp_parse_status(buf, n, ret);
}

int yk_otp_read_serial(struct yk_conn *c, uint32_t *ret_serial) {
        uint8_t buf[ANSWER_MAX];
        size_t n = 0;

        if (!c || !ret_serial)
                return -EINVAL;
        int r = yk_conn_otp_call(c, YK_CMD_SERIAL, NULL, 0, NULL, buf, sizeof(buf), &n);
        /* A key that hides its serial (SERIAL_API_VISIBLE unset) answers nothing (NEO over
         * CCID, yubikey-manager issue #113) or 69 85 "conditions not satisfied", which here
         * cannot mean a touch; an applet without the command says it does not know it. */
        if (r == -EBADRQC || r == -ETIMEDOUT)
                return -ENOENT;
        if (r < 0)
                return r;
        if (n == 0)
                return -ENOENT;
        if (n != 4)
                return -EPROTO;
        uint32_t serial = (uint32_t) buf[0] << 24 | (uint32_t) buf[1] << 16 | (uint32_t) buf[2] << 8 | buf[3];
        if (serial == 0)
                return -ENOENT; /* no real key has serial 0: treat it as "not shown" */
        *ret_serial = serial;
        return 0;
}

int yk_otp_challenge_hmac(struct yk_conn *c, const struct yk_otp_status *st, int slot,
                          const uint8_t *challenge, size_t len, const struct yk_prompt *prompt,
                          struct yk_response *ret_response) {
        uint8_t padded[64], answer[ANSWER_MAX];
        CLEANUP_ERASE(answer);
        size_t n = 0;

        if (!c || !st || (slot != 1 && slot != 2) || len > YK_CHALLENGE_MAX || (len > 0 && !challenge) ||
            !ret_response)
                return -EINVAL;
        if (!yk_version_at_least(&st->version, 2, 2, 0))
                return -EOPNOTSUPP;
        /* A challenge to an empty slot answers nothing (or 69 85 on some keys), which would
         * read as "touch not received": ask the valid bits first (docs/protocol.md §1). */
        if (yk_otp_slot_state(st, slot) == YK_SLOT_EMPTY)
                return -ENOKEY;
        int r = yk_pad_challenge(challenge, len, padded);
        if (r < 0)
                return r;
        r = yk_conn_otp_call(c, slot == 1 ? YK_CMD_CHAL_HMAC_1 : YK_CMD_CHAL_HMAC_2, padded, sizeof(padded),
                             prompt, answer, sizeof(answer), &n);
        r = protocol_error(r);
        if (r == 0 && n == 0)
                r = -ENOKEY;
        else if (r == 0 && n != sizeof(ret_response->bytes))
                r = -EPROTO;
        if (r == 0)
                memcpy(ret_response->bytes, answer, sizeof(ret_response->bytes));
        return r;
}

/* Did the key take the write? yubikit's rule (docs/protocol.md §1): the program sequence goes up by
 * one; it may drop to 0 instead when no slot is left valid, and firmware 4.0 up to 5.5 may
 * report 0 over CCID although it stored the configuration. A refused write (wrong access code,
 * bad CRC) answers 90 00 all the same and leaves the sequence where it was. */
static bool write_took_effect(const struct yk_otp_status *before, const struct yk_otp_status *after) {
        if (after->pgm_seq == (uint8_t) (before->pgm_seq + 1))
                return true;
        if (after->pgm_seq != 0 || before->pgm_seq == 0)
                return false;
        if ((after->touch_level & 0x1f) == 0)
                return true;
        return yk_version_at_least(&after->version, 4, 0, 0) && !yk_version_at_least(&after->version, 5, 5, 0);
}

static int write_slot(struct yk_conn *c, const struct yk_otp_status *before, int slot,
                      const struct yk_slot_config *config, const uint8_t *access_code,
                      struct yk_otp_status *ret_after) {
        uint8_t data[YK_CONFIG_SIZE + YK_ACCESS_CODE_SIZE] = { 0 };
        CLEANUP_ERASE(data); /* a configuration write carries the slot secret */
        uint8_t answer[ANSWER_MAX];
        struct yk_otp_status after;
        size_t n = 0;

        if (!c || !before || (slot != 1 && slot != 2))
                return -EINVAL;
        memcpy(data, config->bytes, YK_CONFIG_SIZE);
        if (access_code)
                memcpy(data + YK_CONFIG_SIZE, access_code, YK_ACCESS_CODE_SIZE);
        int r = yk_conn_otp_call(c, slot == 1 ? YK_CMD_CONFIG_1 : YK_CMD_CONFIG_2, data, sizeof(data), NULL,
                                 answer, sizeof(answer), &n);
        if (r < 0)
                return protocol_error(r);
        /* Some keys answer a write without the status: ask for it again. */
        if (n == 0)
                r = yk_otp_select(c, &after);
        else
                r = yk_otp_parse_status(answer, n, &after);
        if (r < 0)
                return r;
        if (!write_took_effect(before, &after))
                return -EPERM;
        if (ret_after)
                *ret_after = after;
        return 0;
}

int yk_otp_write_config(struct yk_conn *c, const struct yk_otp_status *before, int slot,
                        const struct yk_slot_config *config, const uint8_t *access_code,
                        struct yk_otp_status *ret_after) {
        if (!config)
                return -EINVAL;
        return write_slot(c, before, slot, config, access_code, ret_after);
}

int yk_otp_delete_slot(struct yk_conn *c, const struct yk_otp_status *before, int slot,
                       const uint8_t *access_code, struct yk_otp_status *ret_after) {
        static const struct yk_slot_config empty;
        return write_slot(c, before, slot, &empty, access_code, ret_after);
}
