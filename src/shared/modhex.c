#include "shared/modhex.h"

static const char modhex_digits[] = "cbdefghijklnrtuv";

void modhex_encode(const uint8_t *data, size_t len, char *out) {
        for (size_t i = 0; i < len; i++) {
                out[2 * i] = modhex_digits[data[i] >> 4];
                out[2 * i + 1] = modhex_digits[data[i] & 0x0f];
        }
}

int modhex_value(char c) {
        if (c >= 'A' && c <= 'Z')
                c = (char) (c - 'A' + 'a');
        for (int i = 0; i < 16; i++)
                if (modhex_digits[i] == c)
                        return i;
        return -1;
}
