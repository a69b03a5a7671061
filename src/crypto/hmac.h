/* HMAC-SHA1, the function of the key's challenge-response slot: the host computes it itself to
 * check that a slot it just programmed answers as it should. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "shared/sizes.h"

/* out = HMAC-SHA1(key, msg). 0, or -EINVAL / -EIO. */
int crypto_hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
                     uint8_t out[YK_HMAC_RESPONSE_SIZE]);
