/* The card: creation, answer to reset, and the ISO 7816-4 framing of command APDUs (short,
 * extended, and the forms without data or Le), SELECT and GET RESPONSE. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card-internal.h"
#include "shared/secmem.h"

#define INS_SELECT 0xa4
#define INS_GET_RESPONSE 0xc0
#define INS_OTP_CONFIG 0x01
#define INS_OTP_STATUS 0x03

static const uint8_t AID_OTP[7] = { 0xa0, 0x00, 0x00, 0x05, 0x27, 0x20, 0x01 };
static const uint8_t AID_MGMT[8] = { 0xa0, 0x00, 0x00, 0x05, 0x27, 0x47, 0x11, 0x17 };

/* docs/protocol.md §4. */
static const uint8_t ATR_USB[] = { 0x3b, 0xfd, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x15, 0x80, 0x73, 0xc0,
                                   0x21, 0xc0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4b, 0x65, 0x79, 0x40 };
static const uint8_t ATR_NFC[] = { 0x3b, 0x8d, 0x80, 0x01, 0x80, 0x73, 0xc0, 0x21, 0xc0,
                                   0x57, 0x59, 0x75, 0x62, 0x69, 0x4b, 0x65, 0x79, 0xf9 };
/* No interface bytes: T=0 only, default rates; the same 13 historical bytes ("YubiKey"). */
static const uint8_t ATR_T0[] = { 0x3b, 0x0d, 0x80, 0x73, 0xc0, 0x21, 0xc0, 0x57,
                                  0x59, 0x75, 0x62, 0x69, 0x4b, 0x65, 0x79 };

const uint8_t *ykemu_atr_bytes(enum ykemu_atr kind, size_t *ret_len) {
        switch (kind) {
        case YKEMU_ATR_NFC:
                *ret_len = sizeof(ATR_NFC);
                return ATR_NFC;
        case YKEMU_ATR_T0:
                *ret_len = sizeof(ATR_T0);
                return ATR_T0;
        case YKEMU_ATR_USB:
        default:
                *ret_len = sizeof(ATR_USB);
                return ATR_USB;
        }
}

void ykemu_options_init(struct ykemu_options *o) {
        *o = (struct ykemu_options) {
                .serial = YKEMU_DEFAULT_SERIAL,
                .firmware = { 5, 4, 3 },
                .touch = YKEMU_TOUCH_AUTO,
                .touch_ms = 300,
                .touch_timeout_ms = 15000,
                .management = true,
        };
}

uint16_t ykemu_crc16(const uint8_t *data, size_t len) {
        uint16_t crc = 0xffff;
        for (size_t i = 0; i < len; i++) {
                crc ^= data[i];
                for (int bit = 0; bit < 8; bit++) {
                        bool lsb = crc & 1;
                        crc >>= 1;
                        if (lsb)
                                crc ^= 0x8408;
                }
        }
        return crc;
}

int ykemu_card_new(const struct ykemu_options *o, struct ykemu_card **ret) {
        /* The card holds slot secrets: keep it in locked memory that is wiped when freed. */
        struct ykemu_card *card = secure_alloc(sizeof(*card));
        if (!card)
                return -ENOMEM;
        card->opt = *o;
        card->st.serial = o->serial;
        memcpy(card->st.firmware, o->firmware, sizeof(card->st.firmware));
        if (o->state_path) {
                card->state_path = strdup(o->state_path);
                if (!card->state_path) {
                        secure_free(card);
                        return -ENOMEM;
                }
                card->opt.state_path = card->state_path;
                int r = ykemu_state_load(o->state_path, &card->st);
                if (r == -ENOENT)
                        r = ykemu_state_save(o->state_path, &card->st);
                if (r < 0) {
                        ykemu_card_free(card);
                        return r;
                }
        }
        *ret = card;
        return 0;
}

void ykemu_card_free(struct ykemu_card *card) {
        if (!card)
                return;
        free(card->state_path);
        secure_free(card);
}

void ykemu_card_reset(struct ykemu_card *card) {
        card->app = APP_NONE;
        card->pending_len = card->pending_off = 0;
}

uint8_t ykemu_card_program_sequence(const struct ykemu_card *card) {
        return card->st.pgm_seq;
}

uint32_t ykemu_card_serial(const struct ykemu_card *card) {
        return card->st.serial;
}

bool ykemu_card_slot(const struct ykemu_card *card, int slot, uint8_t ret_config[YKEMU_CONFIG_SIZE]) {
        if (slot < 1 || slot > 2 || !card->st.slot[slot - 1].programmed)
                return false;
        memcpy(ret_config, card->st.slot[slot - 1].config, YKEMU_CONFIG_SIZE);
        return true;
}

/* A command APDU taken apart (ISO 7816-3 §12.1: cases 1, 2, 3, 4, short and extended). */
struct apdu {
        uint8_t cla, ins, p1, p2;
        const uint8_t *data;
        size_t lc;
        size_t le; /* 0 when absent; 256 or 65536 for "all" */
        bool has_le;
};

static int parse_extended(const uint8_t *a, size_t len, struct apdu *c) {
        /* a[4] == 0, len >= 7 */
        size_t n = (size_t) a[5] << 8 | a[6];
        if (len == 7) { /* case 2E */
                c->has_le = true;
                c->le = n ? n : 65536;
                return 0;
        }
        if (n == 0)
                return -EINVAL;
        if (len == 7 + n) { /* case 3E */
                c->data = a + 7;
                c->lc = n;
                return 0;
        }
        if (len == 9 + n) { /* case 4E */
                size_t le = (size_t) a[7 + n] << 8 | a[8 + n];
                c->data = a + 7;
                c->lc = n;
                c->has_le = true;
                c->le = le ? le : 65536;
                return 0;
        }
        return -EINVAL;
}

static int parse_apdu(const uint8_t *a, size_t len, struct apdu *c) {
        if (len < 4)
                return -EINVAL;
        *c = (struct apdu) { .cla = a[0], .ins = a[1], .p1 = a[2], .p2 = a[3] };
        if (len == 4) /* case 1 */
                return 0;
        if (len == 5) { /* case 2S */
                c->has_le = true;
                c->le = a[4] ? a[4] : 256;
                return 0;
        }
        if (a[4] == 0)
                return len >= 7 ? parse_extended(a, len, c) : -EINVAL;
        c->lc = a[4];
        c->data = a + 5;
        if (len == 5 + c->lc) /* case 3S */
                return 0;
        if (len == 6 + c->lc) { /* case 4S */
                c->has_le = true;
                c->le = a[5 + c->lc] ? a[5 + c->lc] : 256;
                return 0;
        }
        return -EINVAL;
}

static void reply_sw(struct ykemu_reply *r, uint16_t sw) {
        r->len = 0;
        r->sw = sw;
}

/* Clients send the 7-byte OTP AID or the 8-byte one with a version suffix (... 20 01 01):
 * the application is found by its 7-byte prefix. */
static bool is_otp_aid(const struct apdu *c) {
        return c->lc >= sizeof(AID_OTP) && c->lc <= 16 && memcmp(c->data, AID_OTP, sizeof(AID_OTP)) == 0;
}

static void do_select(struct ykemu_card *card, const struct apdu *c, struct ykemu_reply *r) {
        if (c->p1 != 0x04) {
                reply_sw(r, SW_WRONG_P1P2);
                return;
        }
        if (is_otp_aid(c)) {
                card->app = APP_OTP;
                ykemu_otp_status(card, r->data);
                r->len = YKEMU_STATUS_SIZE;
                r->sw = SW_OK;
                return;
        }
        if (card->opt.management && c->lc == sizeof(AID_MGMT) && memcmp(c->data, AID_MGMT, c->lc) == 0) {
                /* The management application answers its version as text, e.g. "5.4.3". */
                card->app = APP_MGMT;
                int n = snprintf((char *) r->data, sizeof(r->data), "%u.%u.%u", card->st.firmware[0],
                                 card->st.firmware[1], card->st.firmware[2]);
                r->len = (size_t) n;
                r->sw = SW_OK;
                return;
        }
        /* A failed SELECT leaves the current application selected. */
        reply_sw(r, SW_NOT_FOUND);
}

static void dispatch(struct ykemu_card *card, const struct apdu *c, struct ykemu_reply *r) {
        if (c->ins == INS_SELECT) {
                do_select(card, c, r);
                return;
        }
        switch (card->app) {
        case APP_OTP:
                if (c->ins == INS_OTP_CONFIG) {
                        if (c->p2 != 0) {
                                reply_sw(r, SW_WRONG_P1P2);
                                return;
                        }
                        ykemu_otp_command(card, c->p1, c->data, c->lc, r);
                        return;
                }
                if (c->ins == INS_OTP_STATUS) {
                        ykemu_otp_status(card, r->data);
                        r->len = YKEMU_STATUS_SIZE;
                        r->sw = SW_OK;
                        return;
                }
                break;
        case APP_MGMT:
                ykemu_mgmt_command(card, c->ins, r);
                return;
        case APP_NONE:
                break;
        }
        reply_sw(r, SW_INS_NOT_SUPPORTED);
}

static void put_sw(uint8_t *resp, size_t *n, uint16_t sw) {
        resp[(*n)++] = sw >> 8;
        resp[(*n)++] = sw & 0xff;
}

/* Sends up to `le` bytes of the pending answer; 61 XX says how much is left. */
static void send_pending(struct ykemu_card *card, size_t le, uint8_t *resp, size_t *ret_len) {
        size_t left = card->pending_len - card->pending_off;
        size_t n = left < le ? left : le;
        memcpy(resp, card->pending + card->pending_off, n);
        card->pending_off += n;
        left -= n;
        if (left == 0) {
                card->pending_len = card->pending_off = 0;
                put_sw(resp, &n, SW_OK);
        } else
                put_sw(resp, &n, 0x6100 | (left > 0xff ? 0 : left));
        *ret_len = n;
}

int ykemu_card_apdu(struct ykemu_card *card, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
                    size_t *ret_len) {
        if (!card || !apdu || !resp || !ret_len)
                return -EINVAL;
        if (cap < YKEMU_RESP_MAX + 2)
                return -ENOBUFS;
        int fr = ykemu_fault_answer(card, apdu, len, resp, ret_len);
        if (fr != 0)
                return fr < 0 ? fr : 0;

        struct apdu c;
        size_t n = 0;
        if (parse_apdu(apdu, len, &c) < 0) {
                put_sw(resp, &n, SW_WRONG_LENGTH);
                *ret_len = n;
                return 0;
        }
        if (c.ins == INS_GET_RESPONSE && card->pending_len > 0) {
                send_pending(card, c.le ? c.le : 256, resp, ret_len);
                return 0;
        }
        card->pending_len = card->pending_off = 0;
        if (c.cla & 0x10) {
                put_sw(resp, &n, SW_CHAINING_NOT_SUPPORTED);
                *ret_len = n;
                return 0;
        }
        if (c.cla != 0x00) {
                put_sw(resp, &n, SW_CLA_NOT_SUPPORTED);
                *ret_len = n;
                return 0;
        }

        struct ykemu_reply r = {};
        dispatch(card, &c, &r);
        if (r.sw != SW_OK || r.len == 0) {
                put_sw(resp, &n, r.sw);
                *ret_len = n;
                secure_wipe(&r, sizeof(r));
                return 0;
        }
        /* Without Le (case 3) the key sends everything, like a real YubiKey does. */
        memcpy(card->pending, r.data, r.len);
        card->pending_len = r.len;
        card->pending_off = 0;
        send_pending(card, c.has_le ? c.le : r.len, resp, ret_len);
        secure_wipe(&r, sizeof(r));
        return 0;
}
