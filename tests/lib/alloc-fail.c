/* See alloc-fail.h. The __real_* symbols are the wrapped functions themselves (ld --wrap). */
#include "alloc-fail.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <json-c/json.h>
#include <ykpers.h>

static unsigned long fail_nth, seen;
static bool fired;

void alloc_fail_at(unsigned long nth) {
        fail_nth = nth;
        seen = 0;
        fired = false;
}

unsigned long alloc_fail_count(void) {
        return seen;
}

bool alloc_fail_fired(void) {
        return fired;
}

void alloc_fail_from_input(const uint8_t *data, size_t size) {
        uint32_t h = 2166136261u; /* FNV-1a */
        for (size_t i = 0; i < size; i++)
                h = (h ^ data[i]) * 16777619u;
        alloc_fail_at(h % 4 == 0 ? 0 : 1 + (h >> 2) % 48);
}

/* True when this allocation is the one to fail. */
static bool fail_now(void) {
        seen++;
        if (fail_nth == 0 || seen != fail_nth)
                return false;
        fired = true;
        return true;
}

#define WRAP(ret, name, params, args, failed)   \
        ret __real_##name params;               \
        ret __wrap_##name params;               \
        ret __wrap_##name params {              \
                if (fail_now()) {               \
                        errno = ENOMEM;         \
                        return failed;          \
                }                               \
                return __real_##name args;      \
        }

WRAP(void *, malloc, (size_t n), (n), NULL)
WRAP(void *, calloc, (size_t n, size_t m), (n, m), NULL)
WRAP(void *, realloc, (void *p, size_t n), (p, n), NULL)
WRAP(char *, strdup, (const char *s), (s), NULL)
WRAP(char *, strndup, (const char *s, size_t n), (s, n), NULL)
WRAP(void *, mmap, (void *a, size_t n, int prot, int flags, int fd, off_t off), (a, n, prot, flags, fd, off),
     MAP_FAILED)
WRAP(json_object *, json_object_new_object, (void), (), NULL)
WRAP(json_object *, json_object_new_array, (void), (), NULL)
WRAP(json_object *, json_object_new_string, (const char *s), (s), NULL)
WRAP(json_object *, json_object_new_int, (int32_t v), (v), NULL)
WRAP(json_object *, json_object_new_int64, (int64_t v), (v), NULL)
WRAP(json_object *, json_object_new_boolean, (json_bool v), (v), NULL)
WRAP(int, json_object_object_add, (json_object *o, const char *k, json_object *v), (o, k, v), -1)
WRAP(int, json_object_array_add, (json_object *o, json_object *v), (o, v), -1)
WRAP(const char *, json_object_to_json_string_ext, (json_object *o, int flags), (o, flags), NULL)
WRAP(struct json_tokener *, json_tokener_new_ex, (int depth), (depth), NULL)
WRAP(YKP_CONFIG *, ykp_alloc, (void), (), NULL)
