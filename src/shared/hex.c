#include "shared/hex.h"

#include <errno.h>

static int hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

void hex_encode(const uint8_t *data, size_t len, char *out) {
        static const char digits[] = "0123456789abcdef";
        for (size_t i = 0; i < len; i++) {
                out[2 * i] = digits[data[i] >> 4];
                out[2 * i + 1] = digits[data[i] & 0x0f];
        }
        out[2 * len] = '\0';
}

int hex_decode(const char *text, size_t text_len, uint8_t *out, size_t cap, size_t *ret_len) {
        if (text_len % 2 != 0)
                return -EINVAL;
        if (text_len / 2 > cap)
                return -ENOBUFS;
        for (size_t i = 0; i < text_len; i += 2) {
                int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[i / 2] = (uint8_t) (hi << 4 | lo);
        }
        if (ret_len)
                *ret_len = text_len / 2;
        return 0;
}
