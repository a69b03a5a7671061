/* Hexadecimal text, strict: an even number of hex digits, nothing else. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase digits and a NUL to out (2*len+1 bytes). */
void hex_encode(const uint8_t *data, size_t len, char *out);

/* Decodes exactly `text_len` characters. -EINVAL for an odd length or a non-hex character,
 * -ENOBUFS when the result would not fit in `cap` bytes. */
int hex_decode(const char *text, size_t text_len, uint8_t *out, size_t cap, size_t *ret_len);
