/* Small language helpers used by every layer: cleanup attributes and ownership moves. */
#pragma once

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _warn_unused_result_ __attribute__((warn_unused_result))

/* Hands the value of a pointer over to the caller and leaves NULL behind, so that the
 * cleanup of the local variable does nothing. */
#define TAKE_PTR(p)                       \
        ({                                \
                typeof(p) _taken_ = (p);  \
                (p) = NULL;               \
                _taken_;                  \
        })

#define TAKE_FD(fd)                       \
        ({                                \
                int _taken_fd_ = (fd);    \
                (fd) = -1;                \
                _taken_fd_;               \
        })

/* Moves a struct value out and leaves a zeroed one behind, for struct-valued owners (struct
 * secret) whose cleanup then has nothing to free: `*ret = TAKE_STRUCT(s);`. */
#define TAKE_STRUCT(s)                                  \
        ({                                              \
                typeof(s) _taken_s_ = (s);              \
                (s) = (typeof(s)) {};                   \
                _taken_s_;                              \
        })

#define CONCAT_(a, b) a##b
#define CONCAT(a, b) CONCAT_(a, b)

/* What CLEANUP_ERASE() declares: the address and size of the variable to wipe. */
struct erase_on_exit {
        void *p;
        size_t size;
};

static inline void erase_on_exitp(struct erase_on_exit *e) {
        explicit_bzero(e->p, e->size); /* unlike memset, never dropped as a dead store */
}

/* `uint8_t buf[64]; CLEANUP_ERASE(buf);` wipes buf whenever the scope is left, by any return.
 * For stack buffers that hold responses, keys or slot configurations. `var` must be an object
 * (an array or a struct), not a pointer to one. */
#define CLEANUP_ERASE(var)                                                                      \
        _cleanup_(erase_on_exitp) _unused_ struct erase_on_exit CONCAT(_erase_, __COUNTER__) = { \
                .p = &(var),                                                                    \
                .size = sizeof(var),                                                            \
        }

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Defines `static inline void funcp(type *p)` that calls func(*p) when *p is set. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)         \
        static inline void func##p(type *p) {           \
                if (*p)                                 \
                        func(*p);                       \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void closep(int *fd) {
        if (*fd >= 0)
                (void) close(*fd);
}
