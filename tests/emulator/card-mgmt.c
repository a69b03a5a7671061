/* The management application (SELECT answers the version as text; INS 1D reads the device
 * information) and the device-information TLV that OTP command 0x13 answers too. */
#include <string.h>

#include "card-internal.h"

#define INS_READ_CONFIG 0x1d

/* Tags of the device information (yubikit management.py). */
#define TAG_USB_SUPPORTED 0x01
#define TAG_SERIAL 0x02
#define TAG_USB_ENABLED 0x03
#define TAG_FORM_FACTOR 0x04
#define TAG_VERSION 0x05
#define TAG_AUTO_EJECT_TIMEOUT 0x06
#define TAG_CHALRESP_TIMEOUT 0x07
#define TAG_DEVICE_FLAGS 0x08
#define TAG_CONFIG_LOCK 0x0a
#define TAG_NFC_SUPPORTED 0x0d
#define TAG_NFC_ENABLED 0x0e

/* Capabilities: the emulator has only the OTP application. */
#define CAP_OTP 0x0001
#define FORM_FACTOR_USB_A_KEYCHAIN 0x01

static size_t put_tlv(uint8_t *out, size_t at, size_t cap, uint8_t tag, const uint8_t *v, size_t n) {
        if (at + 2 + n > cap)
                return at;
        out[at] = tag;
        out[at + 1] = (uint8_t) n;
        memcpy(out + at + 2, v, n);
        return at + 2 + n;
}

size_t ykemu_device_info(const struct ykemu_card *card, uint8_t *out, size_t cap) {
        const struct ykemu_state *st = &card->st;
        const uint8_t caps[2] = { CAP_OTP >> 8, CAP_OTP & 0xff };
        const uint8_t serial[4] = { st->serial >> 24, st->serial >> 16, st->serial >> 8, st->serial };
        const uint8_t ff = FORM_FACTOR_USB_A_KEYCHAIN, zero = 0, chalresp_timeout = 15;
        const uint8_t eject[2] = { 0, 0 };
        size_t n = 1; /* the length byte comes first */
        n = put_tlv(out, n, cap, TAG_USB_SUPPORTED, caps, 2);
        n = put_tlv(out, n, cap, TAG_SERIAL, serial, 4);
        n = put_tlv(out, n, cap, TAG_USB_ENABLED, caps, 2);
        n = put_tlv(out, n, cap, TAG_FORM_FACTOR, &ff, 1);
        n = put_tlv(out, n, cap, TAG_VERSION, st->firmware, 3);
        n = put_tlv(out, n, cap, TAG_AUTO_EJECT_TIMEOUT, eject, 2);
        n = put_tlv(out, n, cap, TAG_CHALRESP_TIMEOUT, &chalresp_timeout, 1);
        n = put_tlv(out, n, cap, TAG_DEVICE_FLAGS, &zero, 1);
        n = put_tlv(out, n, cap, TAG_CONFIG_LOCK, &zero, 1);
        n = put_tlv(out, n, cap, TAG_NFC_SUPPORTED, caps, 2);
        n = put_tlv(out, n, cap, TAG_NFC_ENABLED, caps, 2);
        out[0] = (uint8_t) (n - 1);
        return n;
}

void ykemu_mgmt_command(struct ykemu_card *card, uint8_t ins, struct ykemu_reply *r) {
        if (ins != INS_READ_CONFIG) {
                r->len = 0;
                r->sw = SW_INS_NOT_SUPPORTED;
                return;
        }
        r->len = ykemu_device_info(card, r->data, sizeof(r->data));
        r->sw = SW_OK;
}
