/* The 52-byte slot configuration for HMAC-SHA1 challenge-response (docs/protocol.md §2): fields from
 * libykpers (ykpers-adapter.c), CRC from libyubikey. */
#include <errno.h>
#include <string.h>
#include <yubikey.h>

#include "otp/config.h"
#include "otp/ykpers-adapter.h"
#include "shared/secmem.h"

#define CRC_OFFSET 50

uint16_t yk_config_crc(const struct yk_slot_config *config) {
        return (uint16_t) ~yubikey_crc16(config->bytes, CRC_OFFSET);
}

int yk_build_hmac_config(const struct yk_version *version, const struct yk_hmac_key *key,
                         const struct yk_hmac_config_options *opts, struct yk_slot_config *ret_config) {
        struct yk_slot_config buf;
        CLEANUP_ERASE(buf);

        if (!version || !key || !ret_config)
                return -EINVAL;
        /* Challenge-response and HMAC_LT64 arrived with firmware 2.2. */
        if (!yk_version_at_least(version, 2, 2, 0))
                return -EOPNOTSUPP;
        int r = ykpers_hmac_config(version, key, opts && opts->touch, opts ? opts->new_access_code : NULL, &buf);
        if (r < 0)
                return r;
        uint16_t crc = yk_config_crc(&buf);
        buf.bytes[CRC_OFFSET] = (uint8_t) (crc & 0xff); /* little-endian */
        buf.bytes[CRC_OFFSET + 1] = (uint8_t) (crc >> 8);
        *ret_config = buf;
        return 0;
}
