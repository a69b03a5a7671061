/* The 52-byte slot configuration (docs/protocol.md §2) for HMAC-SHA1 challenge-response. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "otp/status.h"

#define YK_CONFIG_SIZE 52
#define YK_HMAC_SECRET_SIZE 20

/* The secret of an HMAC-SHA1 challenge-response slot. Like every fixed-size secret of the
 * tree it is its own type: declared with CLEANUP_ERASE() on the stack, or in secure memory. */
struct yk_hmac_key {
        uint8_t bytes[YK_HMAC_SECRET_SIZE];
};

/* A slot configuration as the key takes it; one for challenge-response holds the slot's key. */
struct yk_slot_config {
        uint8_t bytes[YK_CONFIG_SIZE];
};

struct yk_hmac_config_options {
        bool touch;                      /* CHAL_BTN_TRIG */
        const uint8_t *new_access_code;  /* 6 bytes, or NULL for none */
};

/* Builds the configuration that `ykman otp chalresp` would write for this key version:
 * ext SERIAL_API_VISIBLE|ALLOW_UPDATE, tkt CHAL_RESP, cfg CHAL_HMAC|HMAC_LT64 (|CHAL_BTN_TRIG),
 * the CRC of docs/protocol.md §2. -EOPNOTSUPP when the firmware has no challenge-response (< 2.2). */
int yk_build_hmac_config(const struct yk_version *version, const struct yk_hmac_key *key,
                         const struct yk_hmac_config_options *opts, struct yk_slot_config *ret_config);

/* The stored CRC field: one's complement of CRC-16 over bytes 0..49, little-endian. */
uint16_t yk_config_crc(const struct yk_slot_config *config);
