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

/* The multiplier of a unit suffix (the whole rest of the string), or 0 when it is none. */
static uint64_t unit_multiplier(const char *u) {
        static const char prefixes[] = "KMGTPE";
        if (u[0] == '\0')
                return 1;
        /* An explicit search of the letters: strchr() would also match the terminator. */
        unsigned power = 0;
        for (unsigned i = 0; i < sizeof(prefixes) - 1; i++)
                if (u[0] == prefixes[i] || u[0] == prefixes[i] + ('a' - 'A'))
                        power = i + 1;
        if (power == 0)
                return 0;
        uint64_t base;
        if (strcmp(u + 1, "") == 0 || strcmp(u + 1, "iB") == 0)
                base = 1024;
        else if (strcmp(u + 1, "B") == 0)
                base = 1000;
        else
                return 0;
        uint64_t m = 1;
        for (unsigned i = 0; i < power; i++)
                m *= base; /* at most 1024^6 = 2^60: no overflow */
        return m;
}

int parse_size(const char *s, uint64_t *ret_bytes) {
        if (!s || !ret_bytes)
                return -EINVAL;
        /* The form first, so that a malformed text is refused as such however long. */
        const char *unit = s;
        while (*unit >= '0' && *unit <= '9')
                unit++;
        uint64_t m = unit_multiplier(unit);
        if (unit == s || m == 0)
                return -EINVAL;
        uint64_t v;
        int r = parse_digits(&s, UINT64_MAX, &v);
        if (r < 0)
                return r;
        if (v > UINT64_MAX / m)
                return -ERANGE;
        *ret_bytes = v * m;
        return 0;
}

int parse_size_or_increment(const char *s, uint64_t *ret_bytes, bool *ret_plus) {
        if (!s || !ret_bytes || !ret_plus)
                return -EINVAL;
        bool plus = s[0] == '+';
        uint64_t v;
        int r = parse_size(s + plus, &v);
        if (r < 0)
                return r;
        *ret_bytes = v;
        *ret_plus = plus;
        return 0;
}

int size_round_up(uint64_t v, uint64_t align, uint64_t *ret) {
        if (align == 0 || (align & (align - 1)) != 0 || !ret)
                return -EINVAL;
        uint64_t rest = v & (align - 1);
        if (rest != 0 && v > UINT64_MAX - (align - rest))
                return -ERANGE;
        *ret = rest ? v + (align - rest) : v;
        return 0;
}
