/* Parsers for numbers and sizes given on the command line or in the environment. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* A decimal unsigned integer, no sign, no spaces, at most `max`. -EINVAL / -ERANGE. */
int parse_uint64(const char *s, uint64_t max, uint64_t *ret);

/* A size in bytes, with coreutils' units: decimal digits, then nothing (bytes), or one of
 * K M G T P E (either case) alone or followed by "iB" (powers of 1024: 64M = 64MiB =
 * 64 * 2^20), or followed by "B" (powers of 1000: 64MB = 64 * 10^6). Nothing else: no sign,
 * no space, no fraction. -EINVAL for anything else, -ERANGE when it does not fit in 64 bits.
 * *ret_bytes is untouched on failure. */
int parse_size(const char *s, uint64_t *ret_bytes);

/* The same grammar with an optional leading '+': "+1G" (an increment, *ret_plus true) or
 * "1G" (an absolute size, *ret_plus false). For growing a vault. */
int parse_size_or_increment(const char *s, uint64_t *ret_bytes, bool *ret_plus);

/* v rounded up to a multiple of `align` (a power of two). -ERANGE when that does not fit. */
int size_round_up(uint64_t v, uint64_t align, uint64_t *ret);
