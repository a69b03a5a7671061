/* RFC 4648 base64 with padding, strict: no whitespace, no missing or extra '=', and the
 * unused bits of the last character must be zero, so that every byte string has exactly one
 * accepted text. */
#pragma once

#include <stddef.h>
#include <stdint.h>

static inline size_t base64_encoded_len(size_t len) {
        return (len + 2) / 3 * 4;
}

/* Writes base64_encoded_len(len) characters and a NUL to out. */
void base64_encode(const uint8_t *data, size_t len, char *out);

/* -EINVAL for text that is not canonical base64, -ENOBUFS when the result is over `cap`. */
int base64_decode(const char *text, size_t text_len, uint8_t *out, size_t cap, size_t *ret_len);
