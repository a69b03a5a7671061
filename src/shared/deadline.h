/* Time limits. A command turns --timeout into one absolute deadline and passes it down to the
 * wire: every call to a service (pcscd, a hidraw node) that may block is bounded by it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds of CLOCK_MONOTONIC: the one clock every wait of the tree reads. */
uint64_t now_ms(void);

/* Each call to a service gets at least this long, also once the deadline has passed or when it
 * was 0 s away: --timeout 0 means "only what is present now", not "fail every call". */
#define YK_CALL_MIN_MS 2000

/* Once a token is chosen, an exchange that may wait for a touch is bounded by the key's own
 * touch timeout (15 s) plus a margin, whatever --timeout said about finding the token. */
#define YK_EXCHANGE_MS 20000

struct yk_deadline {
        uint64_t end_ms; /* the now_ms() at which the time is up */
};

/* The deadline `ms` from now. */
struct yk_deadline yk_deadline_in(uint64_t ms);

/* Milliseconds left, 0 once passed. NULL (no deadline given) has none left. */
uint64_t yk_deadline_left_ms(const struct yk_deadline *d);

bool yk_deadline_passed(const struct yk_deadline *d);

/* How long one service call may block: what is left, at least YK_CALL_MIN_MS. */
long yk_deadline_call_ms(const struct yk_deadline *d);
