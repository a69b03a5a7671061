#include "shared/base64.h"

#include <errno.h>
#include <stdbool.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -1;
}

void base64_encode(const uint8_t *data, size_t len, char *out) {
        size_t o = 0;
        for (size_t i = 0; i < len; i += 3) {
                uint32_t v = (uint32_t) data[i] << 16;
                if (i + 1 < len)
                        v |= (uint32_t) data[i + 1] << 8;
                if (i + 2 < len)
                        v |= data[i + 2];
                out[o++] = alphabet[(v >> 18) & 63];
                out[o++] = alphabet[(v >> 12) & 63];
                out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
                out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
        }
        out[o] = '\0';
}

int base64_decode(const char *text, size_t text_len, uint8_t *out, size_t cap, size_t *ret_len) {
        if (text_len % 4 != 0)
                return -EINVAL;

        size_t n = 0;
        for (size_t i = 0; i < text_len; i += 4) {
                bool last = i + 4 == text_len;
                int v[4];
                size_t pad = 0;
                for (size_t j = 0; j < 4; j++) {
                        char c = text[i + j];
                        if (c == '=' && last && j >= 2) {
                                v[j] = 0;
                                pad++;
                                continue;
                        }
                        if (pad > 0) /* a character after '=' */
                                return -EINVAL;
                        v[j] = b64_value(c);
                        if (v[j] < 0)
                                return -EINVAL;
                }
                uint32_t w = (uint32_t) v[0] << 18 | (uint32_t) v[1] << 12 | (uint32_t) v[2] << 6 | (uint32_t) v[3];
                /* Canonical form only: bits below the last data byte must be zero. */
                if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
                        return -EINVAL;
                size_t bytes = 3 - pad;
                if (n + bytes > cap)
                        return -ENOBUFS;
                out[n++] = (uint8_t) (w >> 16);
                if (bytes > 1)
                        out[n++] = (uint8_t) (w >> 8);
                if (bytes > 2)
                        out[n++] = (uint8_t) w;
        }
        if (ret_len)
                *ret_len = n;
        return 0;
}
