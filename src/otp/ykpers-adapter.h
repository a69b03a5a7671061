/* The one place that knows libykpers (yubikey-personalization, end of life 2026-02-13,
 * docs/protocol.md §2): replacing the library means replacing ykpers-adapter.c, nothing else. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "otp/config.h"
#include "otp/status.h"

/* Fills the 52-byte HMAC-SHA1 challenge-response configuration for a key of this version,
 * every field but the CRC (bytes 50..51 are left zero). The key's 20 bytes go to key and
 * uid[0..3]; new_access_code is 6 bytes or NULL. -EOPNOTSUPP when the library refuses a flag
 * for this firmware; -ENOMEM. */
int ykpers_hmac_config(const struct yk_version *version, const struct yk_hmac_key *key, bool touch,
                       const uint8_t *new_access_code, struct yk_slot_config *ret_config);
