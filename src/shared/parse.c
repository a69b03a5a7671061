#include "shared/parse.h"

#include <errno.h>
#include <string.h>

static int parse_digits(const char **p, uint64_t max, uint64_t *ret) {
        const char *s = *p;
        uint64_t v = 0;
        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                unsigned d = (unsigned) (*s - '0');
                if (d > max || v > (max - d) / 10) /* max - d must not wrap */
                        return -ERANGE;
                v = v * 10 + d;
        }
        *p = s;
        *ret = v;
        return 0;
}

int parse_uint64(const char *s, uint64_t max, uint64_t *ret) {
        uint64_t v;
        if (!s)
                return -EINVAL;
        int r = parse_digits(&s, max, &v);
        if (r < 0)
                return r;
        if (*s != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_size(const char *s, uint64_t *ret_bytes) {
        static const char units[] = "KMGTPE";
        uint64_t v;
        if (!s)
                return -EINVAL;
        int r = parse_digits(&s, UINT64_MAX, &v);
        if (r < 0)
                return r;

        unsigned shift = 0;
        if (*s != '\0') {
                const char *u = strchr(units, *s & ~0x20); /* upper case */
                if (!u || *s == '\0')
                        return -EINVAL;
                shift = 10 * (unsigned) (u - units + 1);
                s++;
                if (strcmp(s, "") != 0 && strcmp(s, "B") != 0 && strcmp(s, "iB") != 0)
                        return -EINVAL;
        }
        if (shift > 0 && v > (UINT64_MAX >> shift))
                return -ERANGE;
        *ret_bytes = v << shift;
        return 0;
}
