/* HMAC-SHA1, the function of the key's challenge-response slot: the host computes it itself to
 * check that a slot it just programmed answers as it should. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "shared/response.h"

/* *ret = HMAC-SHA1(key, msg), what a slot holding `key` answers to the challenge `msg`.
 * 0, or -EINVAL / -EIO; *ret is untouched on failure. */
int crypto_hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
                     struct yk_response *ret);
