/* The 52-byte slot configuration (docs/protocol.md §2) for HMAC-SHA1 challenge-response. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "otp/status.h"

#define YK_CONFIG_SIZE 52
#define YK_HMAC_SECRET_SIZE 20

struct yk_hmac_config_options {
        bool touch;                      /* CHAL_BTN_TRIG */
        const uint8_t *new_access_code;  /* 6 bytes, or NULL for none */
};

/* Builds the configuration that `ykman otp chalresp` would write for this key version:
 * ext SERIAL_API_VISIBLE|ALLOW_UPDATE, tkt CHAL_RESP, cfg CHAL_HMAC|HMAC_LT64 (|CHAL_BTN_TRIG),
 * the CRC of docs/protocol.md §2. -EOPNOTSUPP when the firmware has no challenge-response (< 2.2). */
int yk_build_hmac_config(const struct yk_version *version, const uint8_t secret[YK_HMAC_SECRET_SIZE],
                         const struct yk_hmac_config_options *opts, uint8_t ret_config[YK_CONFIG_SIZE]);

/* The stored CRC field: one's complement of CRC-16 over bytes 0..49, little-endian. */
uint16_t yk_config_crc(const uint8_t config[YK_CONFIG_SIZE]);
