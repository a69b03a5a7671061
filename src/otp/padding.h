/* HMAC_LT64 challenge padding (docs/protocol.md §3). */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Pads a challenge of 0..63 bytes to the 64 bytes the key always receives: with 0x00, or with
 * 0x01 when the challenge itself ends in 0x00, so that the key's "drop the last byte and every
 * equal byte before it" rule gives back exactly the challenge. -EINVAL when len > 63. */
int yk_pad_challenge(const uint8_t *challenge, size_t len, uint8_t out[64]);
