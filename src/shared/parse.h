/* Parsers for numbers and sizes given on the command line or in the environment. */
#pragma once

#include <stdint.h>

/* A decimal unsigned integer, no sign, no spaces, at most `max`. -EINVAL / -ERANGE. */
int parse_uint64(const char *s, uint64_t max, uint64_t *ret);

/* A size such as 4096, 64M, 500G or 2T (binary units: K=1024; an optional trailing B or
 * iB is accepted). -EINVAL for anything else, -ERANGE on overflow. */
int parse_size(const char *s, uint64_t *ret_bytes);
