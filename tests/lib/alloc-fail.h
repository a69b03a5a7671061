/* Allocation failures on demand, for unit tests and fuzz targets: every allocation our code
 * makes through malloc/calloc/realloc/strdup/strndup, mmap (the secure allocator), json-c's
 * object and tokener constructors, adders and serializer, and libykpers' ykp_alloc is counted,
 * and the Nth one fails the way that function fails for lack of memory. The wrapping is done by
 * the linker (--wrap, see alloc_fail_link_options in tests/lib/CMakeLists.txt), so it applies to
 * the calls in our objects only, not inside the libraries. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* From now on, the nth counted allocation fails (1 = the next one); 0: none fails. Resets the
 * counters. */
void alloc_fail_at(unsigned long nth);
/* How many allocations were counted since alloc_fail_at(). */
unsigned long alloc_fail_count(void);
/* Whether the planned failure happened. */
bool alloc_fail_fired(void);
/* For fuzz targets: picks the failing allocation from the input (a hash of it), so that a
 * corpus replays the same failures; about one input in four fails none. */
void alloc_fail_from_input(const uint8_t *data, size_t size);
