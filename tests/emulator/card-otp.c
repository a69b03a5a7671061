/* The OTP application's slot commands (INS 01, docs/protocol.md §1-3) on the card's side. Changes are
 * made on a copy of the state, saved, and only then taken: a failed save changes nothing. */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "card-internal.h"
#include "shared/secmem.h"

enum {
        CMD_CONFIG_1 = 0x01,
        CMD_NDEF_1 = 0x08,
        CMD_NDEF_2 = 0x09,
        CMD_CONFIG_2 = 0x03,
        CMD_UPDATE_1 = 0x04,
        CMD_UPDATE_2 = 0x05,
        CMD_SWAP = 0x06,
        CMD_SERIAL = 0x10,
        CMD_DEVICE_CONFIG = 0x11,
        CMD_SCAN_MAP = 0x12,
        CMD_DEVICE_INFO = 0x13,
        CMD_SET_DEVICE_INFO = 0x15,
        CMD_CHAL_OTP_1 = 0x20,
        CMD_CHAL_OTP_2 = 0x28,
        CMD_CHAL_HMAC_1 = 0x30,
        CMD_CHAL_HMAC_2 = 0x38,
};

#define HMAC_CHALLENGE_SIZE 64
#define HMAC_RESPONSE_SIZE 20

static bool slot_is_chal_resp(const struct ykemu_slot *s) {
        return s->programmed && (s->config[CFG_OFF_TKT] & TKT_CHAL_RESP) && (s->config[CFG_OFF_CFG] & 0x20);
}

static bool slot_is_hmac(const struct ykemu_slot *s) {
        return slot_is_chal_resp(s) && (s->config[CFG_OFF_CFG] & CFG_CHAL_HMAC) == CFG_CHAL_HMAC;
}

uint16_t ykemu_touch_level(const struct ykemu_state *st) {
        uint16_t level = 0;
        for (int i = 0; i < 2; i++) {
                const struct ykemu_slot *s = &st->slot[i];
                if (!s->programmed)
                        continue;
                level |= i == 0 ? 0x01 : 0x02;
                /* A slot that is not challenge-response types something when touched. */
                if (!slot_is_chal_resp(s))
                        level |= i == 0 ? 0x04 : 0x08;
        }
        return level;
}

void ykemu_otp_status(const struct ykemu_card *card, uint8_t out[YKEMU_STATUS_SIZE]) {
        uint16_t level = ykemu_touch_level(&card->st);
        memcpy(out, card->st.firmware, 3);
        out[3] = card->st.pgm_seq;
        out[4] = level & 0xff;
        out[5] = level >> 8;
}

static void reply_status(const struct ykemu_card *card, struct ykemu_reply *r) {
        ykemu_otp_status(card, r->data);
        r->len = YKEMU_STATUS_SIZE;
        r->sw = SW_OK;
}

static bool is_zero(const uint8_t *p, size_t len) {
        uint8_t acc = 0;
        for (size_t i = 0; i < len; i++)
                acc |= p[i];
        return acc == 0;
}

/* A slot protected by an access code accepts a change only with that code. */
static bool access_ok(const struct ykemu_slot *s, const uint8_t code[YKEMU_ACC_CODE_SIZE]) {
        const uint8_t *cur = s->config + CFG_OFF_ACC_CODE;
        if (!s->programmed || is_zero(cur, YKEMU_ACC_CODE_SIZE))
                return true;
        return secure_memcmp(cur, code, YKEMU_ACC_CODE_SIZE) == 0;
}

/* Takes a changed state: the program sequence goes up, or drops to 0 when no slot is left
 * valid (docs/protocol.md §1), then the state is saved. Answers the status, or 65 81 when the state
 * could not be saved (and then nothing changed). */
static void commit(struct ykemu_card *card, struct ykemu_state *next, struct ykemu_reply *r) {
        if (!next->slot[0].programmed && !next->slot[1].programmed)
                next->pgm_seq = 0;
        else
                next->pgm_seq = card->st.pgm_seq == 0xff ? 1 : card->st.pgm_seq + 1;
        if (card->state_path && ykemu_state_save(card->state_path, next) < 0) {
                r->len = 0;
                r->sw = SW_MEMORY_FAILURE;
                return;
        }
        card->st = *next;
        reply_status(card, r);
}

/* The 52 bytes, then the current access code (zeros when the client sent none). */
static int split_write(const uint8_t *data, size_t len, const uint8_t **ret_cfg, uint8_t ret_code[6]) {
        if (len != YKEMU_CONFIG_SIZE && len != YKEMU_CONFIG_SIZE + YKEMU_ACC_CODE_SIZE)
                return -EINVAL;
        memset(ret_code, 0, YKEMU_ACC_CODE_SIZE);
        if (len > YKEMU_CONFIG_SIZE)
                memcpy(ret_code, data + YKEMU_CONFIG_SIZE, YKEMU_ACC_CODE_SIZE);
        *ret_cfg = data;
        return 0;
}

static void do_write(struct ykemu_card *card, int idx, const uint8_t *data, size_t len, struct ykemu_reply *r) {
        const uint8_t *cfg;
        uint8_t code[YKEMU_ACC_CODE_SIZE];
        if (split_write(data, len, &cfg, code) < 0) {
                r->sw = SW_WRONG_LENGTH;
                return;
        }
        /* 52 zero bytes delete the slot (they carry no CRC); anything else must check out. */
        bool delete = is_zero(cfg, YKEMU_CONFIG_SIZE);
        bool crc_ok = delete || ykemu_crc16(cfg, YKEMU_CONFIG_SIZE) == YKEMU_CRC_OK_RESIDUE;
        if (!crc_ok || !access_ok(&card->st.slot[idx], code)) {
                reply_status(card, r); /* refused: 90 00, the sequence does not move */
                return;
        }
        struct ykemu_state next = card->st;
        struct ykemu_slot *s = &next.slot[idx];
        s->programmed = !delete;
        memcpy(s->config, cfg, YKEMU_CONFIG_SIZE);
        memcpy(s->last_write, cfg, YKEMU_CONFIG_SIZE);
        commit(card, &next, r);
        secure_wipe(&next, sizeof(next));
}

/* An update keeps the secret and changes only the flags of the update masks (ykdef.h: ticket
 * TAB/DELAY/CR, config PACING_10MS/20MS, every ext flag) and the access code. It needs
 * ALLOW_UPDATE on the programmed slot. */
static void do_update(struct ykemu_card *card, int idx, const uint8_t *data, size_t len, struct ykemu_reply *r) {
        const uint8_t *cfg;
        uint8_t code[YKEMU_ACC_CODE_SIZE];
        if (split_write(data, len, &cfg, code) < 0) {
                r->sw = SW_WRONG_LENGTH;
                return;
        }
        const struct ykemu_slot *cur = &card->st.slot[idx];
        if (!cur->programmed || !(cur->config[CFG_OFF_EXT] & EXT_ALLOW_UPDATE) ||
            ykemu_crc16(cfg, YKEMU_CONFIG_SIZE) != YKEMU_CRC_OK_RESIDUE || !access_ok(cur, code)) {
                reply_status(card, r);
                return;
        }
        struct ykemu_state next = card->st;
        uint8_t *c = next.slot[idx].config;
        memcpy(c + CFG_OFF_ACC_CODE, cfg + CFG_OFF_ACC_CODE, YKEMU_ACC_CODE_SIZE);
        c[CFG_OFF_EXT] = cfg[CFG_OFF_EXT];
        c[CFG_OFF_TKT] = (c[CFG_OFF_TKT] & ~TKT_UPDATE_MASK) | (cfg[CFG_OFF_TKT] & TKT_UPDATE_MASK);
        c[CFG_OFF_CFG] = (c[CFG_OFF_CFG] & ~CFG_UPDATE_MASK) | (cfg[CFG_OFF_CFG] & CFG_UPDATE_MASK);
        uint16_t crc = ~ykemu_crc16(c, CFG_OFF_CRC);
        c[CFG_OFF_CRC] = crc & 0xff;
        c[CFG_OFF_CRC + 1] = crc >> 8;
        memcpy(next.slot[idx].last_write, cfg, YKEMU_CONFIG_SIZE);
        commit(card, &next, r);
        secure_wipe(&next, sizeof(next));
}

/* Swap: ykman sends only a current access code (6 bytes). Assumption (not checked on a real
 * key): a slot with an access code must be given it, like a write. */
static void do_swap(struct ykemu_card *card, const uint8_t *data, size_t len, struct ykemu_reply *r) {
        uint8_t code[YKEMU_ACC_CODE_SIZE] = {};
        if (len == YKEMU_ACC_CODE_SIZE || len == YKEMU_CONFIG_SIZE + YKEMU_ACC_CODE_SIZE)
                memcpy(code, data + len - YKEMU_ACC_CODE_SIZE, YKEMU_ACC_CODE_SIZE);
        else if (len != 0 && len != YKEMU_CONFIG_SIZE) {
                r->sw = SW_WRONG_LENGTH;
                return;
        }
        if (!access_ok(&card->st.slot[0], code) || !access_ok(&card->st.slot[1], code)) {
                reply_status(card, r);
                return;
        }
        struct ykemu_state next = card->st;
        next.slot[0] = card->st.slot[1];
        next.slot[1] = card->st.slot[0];
        commit(card, &next, r);
        secure_wipe(&next, sizeof(next));
}

/* The serial is readable when a programmed slot has SERIAL_API_VISIBLE, or when both slots
 * are empty (Yubico, python-yubico issue 26). Otherwise 69 85 (assumed: yubico-piv-tool
 * issue 215 shows that answer for the same flag). */
static void do_serial(const struct ykemu_card *card, struct ykemu_reply *r) {
        const struct ykemu_state *st = &card->st;
        bool visible = !st->slot[0].programmed && !st->slot[1].programmed;
        for (int i = 0; i < 2; i++)
                if (st->slot[i].programmed && (st->slot[i].config[CFG_OFF_EXT] & EXT_SERIAL_API_VISIBLE))
                        visible = true;
        if (!visible) {
                r->sw = SW_CONDITIONS;
                return;
        }
        r->data[0] = st->serial >> 24;
        r->data[1] = st->serial >> 16;
        r->data[2] = st->serial >> 8;
        r->data[3] = st->serial;
        r->len = 4;
        r->sw = SW_OK;
}

/* With HMAC_LT64 the key drops the last byte of the 64 and every equal byte before it
 * (docs/protocol.md §3). */
static size_t hmac_message_len(const uint8_t *chal, bool lt64) {
        if (!lt64)
                return HMAC_CHALLENGE_SIZE;
        size_t n = HMAC_CHALLENGE_SIZE - 1;
        uint8_t pad = chal[n];
        while (n > 0 && chal[n - 1] == pad)
                n--;
        return n;
}

static void do_hmac(struct ykemu_card *card, int idx, const uint8_t *data, size_t len, struct ykemu_reply *r) {
        if (len != HMAC_CHALLENGE_SIZE) {
                r->sw = SW_WRONG_LENGTH;
                return;
        }
        const struct ykemu_slot *s = &card->st.slot[idx];
        if (!slot_is_hmac(s)) {
                r->sw = SW_OK; /* an empty slot answers 90 00 without data */
                return;
        }
        const uint8_t *c = s->config;
        if ((c[CFG_OFF_CFG] & CFG_CHAL_BTN_TRIG) && !ykemu_wait_touch(card)) {
                r->sw = SW_CONDITIONS;
                return;
        }
        uint8_t key[20];
        memcpy(key, c + CFG_OFF_KEY, 16);
        memcpy(key + 16, c + CFG_OFF_UID, 4);
        unsigned out_len = 0;
        size_t n = hmac_message_len(data, c[CFG_OFF_CFG] & CFG_HMAC_LT64);
        bool ok = HMAC(EVP_sha1(), key, sizeof(key), data, n, r->data, &out_len) && out_len == HMAC_RESPONSE_SIZE;
        secure_wipe(key, sizeof(key));
        r->len = ok ? HMAC_RESPONSE_SIZE : 0;
        r->sw = ok ? SW_OK : SW_MEMORY_FAILURE;
}

bool ykemu_otp_needs_touch(const struct ykemu_card *card, uint8_t p1) {
        if (p1 != CMD_CHAL_HMAC_1 && p1 != CMD_CHAL_HMAC_2)
                return false;
        const struct ykemu_slot *s = &card->st.slot[p1 == CMD_CHAL_HMAC_1 ? 0 : 1];
        return slot_is_hmac(s) && (s->config[CFG_OFF_CFG] & CFG_CHAL_BTN_TRIG);
}

void ykemu_otp_command(struct ykemu_card *card, uint8_t p1, const uint8_t *data, size_t len,
                       struct ykemu_reply *r) {
        r->len = 0;
        switch (p1) {
        case CMD_CONFIG_1:
        case CMD_CONFIG_2:
                do_write(card, p1 == CMD_CONFIG_1 ? 0 : 1, data, len, r);
                return;
        case CMD_UPDATE_1:
        case CMD_UPDATE_2:
                do_update(card, p1 == CMD_UPDATE_1 ? 0 : 1, data, len, r);
                return;
        case CMD_SWAP:
                do_swap(card, data, len, r);
                return;
        case CMD_SERIAL:
                do_serial(card, r);
                return;
        case CMD_DEVICE_INFO:
                r->len = ykemu_device_info(card, r->data, sizeof(r->data));
                r->sw = SW_OK;
                return;
        case CMD_CHAL_HMAC_1:
        case CMD_CHAL_HMAC_2:
                do_hmac(card, p1 == CMD_CHAL_HMAC_1 ? 0 : 1, data, len, r);
                return;
        case CMD_CHAL_OTP_1:
        case CMD_CHAL_OTP_2:
        case CMD_NDEF_1:
        case CMD_NDEF_2:
        case CMD_DEVICE_CONFIG:
        case CMD_SCAN_MAP:
        case CMD_SET_DEVICE_INFO:
                r->sw = SW_FUNC_NOT_SUPPORTED; /* real commands this emulator does not implement */
                return;
        default:
                r->sw = SW_WRONG_P1P2;
                return;
        }
}
