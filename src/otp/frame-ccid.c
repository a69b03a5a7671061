/* OTP commands framed as ISO 7816-4 short APDUs (docs/protocol.md §1): SELECT of the OTP application,
 * INS 01 with the slot command in P1, GET RESPONSE chaining, one re-SELECT after a reset or
 * a 6D 00, and the status words mapped to the errnos of otp/conn.h. Every answer is
 * bounds-checked: a card that answers garbage gets -EPROTO, never an over-read. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/secmem.h"
#include "otp/frame-ccid.h"

const uint8_t YK_AID_OTP[7] = { 0xa0, 0x00, 0x00, 0x05, 0x27, 0x20, 0x01 };
const uint8_t YK_AID_MGMT[8] = { 0xa0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17 };

#define INS_OTP          0x01
#define INS_SELECT       0xa4
#define INS_GET_RESPONSE 0xc0

#define SW_OK             0x9000
#define SW_WRONG_LENGTH   0x6700
#define SW_CONDITIONS     0x6985
#define SW_FUNC_NOT_SUPP  0x6a81
#define SW_NOT_FOUND      0x6a82
#define SW_WRONG_P1P2     0x6a86
#define SW_SELECT_FAILED  0x6999
#define SW_INS_NOT_SUPP   0x6d00
#define SW_CLA_NOT_SUPP   0x6e00

#define APDU_DATA_MAX  255           /* short APDU: Lc is one byte */
#define RAW_RESP_MAX   (256 + 2)     /* one short answer: up to 256 data bytes and SW1 SW2 */
#define CHAIN_MAX      16            /* GET RESPONSE rounds before we call it garbage */

struct apdu_conn {
        struct yk_conn base;
        struct yk_ccid_io io;
};

/* One command and its GET RESPONSE chain (61 xx). The data of every part is appended to
 * out; *ret_sw is the status word of the last part. */
static int exchange(struct apdu_conn *c, const struct yk_deadline *dl, const uint8_t *apdu, size_t len,
                    uint8_t *out, size_t cap, size_t *ret_len, uint16_t *ret_sw) {
        uint8_t raw[RAW_RESP_MAX];
        CLEANUP_ERASE(raw); /* a part of an HMAC response */
        uint8_t get_response[5] = { 0x00, INS_GET_RESPONSE, 0x00, 0x00, 0x00 };
        const uint8_t *send = apdu;
        size_t send_len = len, total = 0;
        int r = -EPROTO;

        for (unsigned round = 0; round < CHAIN_MAX; round++) {
                size_t n = 0;
                r = c->io.transmit(c->io.userdata, dl, send, send_len, raw, sizeof(raw), &n);
                if (r < 0)
                        break;
                if (n < 2 || n > sizeof(raw)) {
                        r = -EPROTO;
                        break;
                }
                uint16_t sw = (uint16_t) (raw[n - 2] << 8 | raw[n - 1]);
                size_t data_len = n - 2;
                if (data_len > cap - total) {
                        r = -EPROTO; /* longer than any answer of this command */
                        break;
                }
                if (data_len > 0)
                        memcpy(out + total, raw, data_len);
                total += data_len;
                if ((sw >> 8) == 0x61) {
                        get_response[4] = (uint8_t) (sw & 0xff); /* 00 means 256 */
                        send = get_response;
                        send_len = sizeof(get_response);
                        r = -EPROTO; /* in case this was the last round allowed */
                        continue;
                }
                *ret_len = total;
                *ret_sw = sw;
                r = 0;
                break;
        }
        return r;
}

static int map_select_sw(uint16_t sw) {
        switch (sw) {
        case SW_OK:
                return 0;
        case SW_NOT_FOUND:
        case SW_FUNC_NOT_SUPP:
        case SW_WRONG_P1P2:
        case SW_SELECT_FAILED:
        case SW_INS_NOT_SUPP:
        case SW_CLA_NOT_SUPP:
                return -EMEDIUMTYPE;
        case SW_CONDITIONS:
                return -ETIMEDOUT;
        case SW_WRONG_LENGTH:
                return -EPROTO;
        default:
                return -EIO;
        }
}

static int map_command_sw(uint16_t sw) {
        switch (sw) {
        case SW_OK:
                return 0;
        case SW_CONDITIONS:
                return -ETIMEDOUT;
        case SW_WRONG_LENGTH:
                return -EPROTO;
        case SW_INS_NOT_SUPP:
        case SW_FUNC_NOT_SUPP:
        case SW_WRONG_P1P2:
                return -EBADRQC;
        default:
                return -EIO;
        }
}

static int select_raw(struct apdu_conn *c, uint8_t *out, size_t cap, size_t *ret_len) {
        uint8_t apdu[5 + sizeof(YK_AID_OTP)] = { 0x00, INS_SELECT, 0x04, 0x00, sizeof(YK_AID_OTP) };
        uint16_t sw = 0;
        size_t n = 0;
        int r;

        memcpy(apdu + 5, YK_AID_OTP, sizeof(YK_AID_OTP));
        /* A reset reported by the raw layer before SELECT ran: nothing was lost, send it again. */
        r = exchange(c, &c->base.deadline, apdu, sizeof(apdu), out, cap, &n, &sw);
        if (r == -ECONNRESET)
                r = exchange(c, &c->base.deadline, apdu, sizeof(apdu), out, cap, &n, &sw);
        if (r == -ECONNRESET)
                return -EIO;
        if (r < 0)
                return r;
        r = map_select_sw(sw);
        if (r < 0)
                return r;
        *ret_len = n;
        return 0;
}

static int apdu_select_otp(struct yk_conn *conn, uint8_t *ret_status, size_t cap, size_t *ret_len) {
        struct apdu_conn *c = (struct apdu_conn *) conn;
        uint8_t buf[RAW_RESP_MAX];
        size_t n = 0;

        if (!ret_status || !ret_len)
                return -EINVAL;
        int r = select_raw(c, buf, sizeof(buf), &n);
        if (r < 0)
                return r;
        if (n > cap)
                return -EPROTO;
        memcpy(ret_status, buf, n);
        *ret_len = n;
        return 0;
}

/* The command once, then once more after selecting the application again when the card was
 * reset under us (the raw layer says -ECONNRESET) or forgot the selection (6D 00). */
static int command_with_reselect(struct apdu_conn *c, const struct yk_deadline *dl, const uint8_t *apdu,
                                 size_t len, uint8_t *resp, size_t cap, size_t *ret_len) {
        uint8_t sel[RAW_RESP_MAX];
        uint16_t sw = 0;
        size_t n = 0, sel_len = 0;
        int r = -EIO;

        for (int attempt = 0; attempt < 2; attempt++) {
                r = exchange(c, dl, apdu, len, resp, cap, &n, &sw);
                bool again = r == -ECONNRESET || (r == 0 && sw == SW_INS_NOT_SUPP);
                if (again && attempt == 0) {
                        r = select_raw(c, sel, sizeof(sel), &sel_len);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r == -ECONNRESET)
                        return -EIO;
                if (r < 0)
                        return r;
                r = map_command_sw(sw);
                if (r < 0)
                        return r;
                *ret_len = n;
                return 0;
        }
        return r;
}

static int apdu_otp_call(struct yk_conn *conn, uint8_t slot_cmd, const uint8_t *data, size_t len,
                         const struct yk_prompt *prompt, uint8_t *resp, size_t cap, size_t *ret_len) {
        struct apdu_conn *c = (struct apdu_conn *) conn;
        uint8_t apdu[5 + APDU_DATA_MAX];
        CLEANUP_ERASE(apdu); /* a configuration write carries the slot secret */
        size_t apdu_len = 4, n = 0;

        if (len > APDU_DATA_MAX || (len > 0 && !data) || (cap > 0 && !resp) || !ret_len)
                return -EINVAL;
        apdu[0] = 0x00;
        apdu[1] = INS_OTP;
        apdu[2] = slot_cmd;
        apdu[3] = 0x00;
        if (len > 0) {
                apdu[4] = (uint8_t) len;
                memcpy(apdu + 5, data, len);
                apdu_len = 5 + len;
        }
        /* PC/SC cannot tell whether the key waits for a touch: say it may, before it waits. */
        if (prompt && prompt->touch)
                prompt->touch(prompt->userdata);

        const struct yk_deadline dl = yk_conn_call_deadline(conn, slot_cmd);
        int r = command_with_reselect(c, &dl, apdu, apdu_len, resp, cap, &n);
        if (r < 0)
                return r;
        *ret_len = n;
        return 0;
}

static void apdu_close(struct yk_conn *conn) {
        struct apdu_conn *c = (struct apdu_conn *) conn;
        if (c->io.close)
                c->io.close(c->io.userdata);
        free(c);
}

static const struct yk_conn_ops apdu_ops = {
        .select_otp = apdu_select_otp,
        .otp_call = apdu_otp_call,
        .close = apdu_close,
};

int yk_ccid_conn_new(const struct yk_device *dev, const struct yk_ccid_io *io, struct yk_conn **ret) {
        if (!dev || !io || !io->transmit || !ret) {
                if (io && io->close)
                        io->close(io->userdata);
                return -EINVAL;
        }
        struct apdu_conn *c = calloc(1, sizeof(*c));
        if (!c) {
                if (io->close)
                        io->close(io->userdata);
                return -ENOMEM;
        }
        yk_conn_init(&c->base, &apdu_ops, dev);
        c->io = *io;
        *ret = &c->base;
        return 0;
}
