/* See deadline.h. */
#include <time.h>

#include "shared/deadline.h"

uint64_t now_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

struct yk_deadline yk_deadline_in(uint64_t ms) {
        uint64_t now = now_ms();
        return (struct yk_deadline) { .end_ms = ms > UINT64_MAX - now ? UINT64_MAX : now + ms };
}

uint64_t yk_deadline_left_ms(const struct yk_deadline *d) {
        if (!d)
                return 0;
        uint64_t now = now_ms();
        return d->end_ms > now ? d->end_ms - now : 0;
}

bool yk_deadline_passed(const struct yk_deadline *d) {
        return yk_deadline_left_ms(d) == 0;
}

long yk_deadline_call_ms(const struct yk_deadline *d) {
        uint64_t left = yk_deadline_left_ms(d);
        if (left < YK_CALL_MIN_MS)
                return YK_CALL_MIN_MS;
        return left > (uint64_t) 1 << 40 ? (long) 1 << 40 : (long) left;
}
