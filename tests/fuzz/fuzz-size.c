/* The size grammar of `create --size` (src/shared/parse.c) against an independent reading of
 * the same grammar in 128-bit arithmetic: digits, then nothing, K/M/G/T/P/E (either case)
 * alone or with "iB" (powers of 1024) or with "B" (powers of 1000). Any text is either
 * refused with the output untouched, refused as too large exactly when the value does not
 * fit in 64 bits, or read as the same number; the '+' variant agrees with it; rounding up to
 * 4096 is the next multiple or "too large". */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef unsigned __int128 u128;

/* 0: well formed, *ret the value (saturated at 2^64); -EINVAL otherwise. */
static int oracle(const char *s, u128 *ret) {
        static const char letters[] = "kmgtpe";
        const u128 cap = (u128) 1 << 64;
        u128 v = 0;
        size_t i = 0;
        for (; s[i] >= '0' && s[i] <= '9'; i++) {
                v = v * 10 + (unsigned) (s[i] - '0');
                if (v > cap)
                        v = cap;
        }
        if (i == 0)
                return -EINVAL;
        const char *u = s + i;
        unsigned power = 0, base = 1024;
        if (*u != '\0') {
                char lower = *u >= 'A' && *u <= 'Z' ? (char) (*u - 'A' + 'a') : *u;
                const char *l = memchr(letters, lower, sizeof(letters) - 1);
                if (!l)
                        return -EINVAL;
                power = (unsigned) (l - letters) + 1;
                if (strcmp(u + 1, "B") == 0)
                        base = 1000;
                else if (strcmp(u + 1, "") != 0 && strcmp(u + 1, "iB") != 0)
                        return -EINVAL;
        }
        for (unsigned k = 0; k < power; k++) {
                v *= base;
                if (v > cap)
                        v = cap;
        }
        *ret = v;
        return 0;
}

static void check_round_up(uint64_t v) {
        uint64_t r = 0;
        int k = size_round_up(v, 4096, &r);
        u128 want = ((u128) v + 4095) / 4096 * 4096;
        if (want > UINT64_MAX ? k != -ERANGE : (k != 0 || r != want))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 64)
                return 0;
        char text[66];
        memcpy(text + 1, data, size);
        text[0] = '+';
        text[size + 1] = '\0';
        const char *s = text + 1; /* strings end at the first NUL, as argv does */

        uint64_t v = 0x5a5a;
        int r = parse_size(s, &v);
        u128 want = 0;
        int o = oracle(s, &want);
        if (o < 0) {
                if (r != -EINVAL || v != 0x5a5a)
                        abort();
        } else if (want > UINT64_MAX) {
                if (r != -ERANGE || v != 0x5a5a)
                        abort();
        } else if (r != 0 || v != (uint64_t) want) {
                abort();
        }

        /* The '+' variant: the same answer, and says whether the sign was there. */
        uint64_t w = 0x5a5a;
        bool plus = false;
        int rp = parse_size_or_increment(text, &w, &plus);
        if (rp != r || (r == 0 && (w != v || !plus)) || (r < 0 && (w != 0x5a5a || plus)))
                abort();
        rp = parse_size_or_increment(s, &w, &plus);
        if (s[0] != '+' && (rp != r || (r == 0 && plus)))
                abort();

        if (r == 0)
                check_round_up(v);
        return 0;
}
