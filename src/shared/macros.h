/* Small language helpers used by every layer: cleanup attributes and ownership moves. */
#pragma once

#include <stdlib.h>
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
