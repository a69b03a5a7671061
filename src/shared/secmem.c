#include "shared/secmem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Every allocation is its own mapping: mlock and MADV_DONTDUMP work on whole pages, and a
 * secret never shares a page with ordinary heap data. The header keeps the mapping size. */
struct secure_header {
        size_t map_size;
        size_t user_size;
} __attribute__((aligned(16))); /* user data 16-byte aligned, like malloc's */

static size_t page_size(void) {
        long p = sysconf(_SC_PAGESIZE);
        return p > 0 ? (size_t) p : 4096;
}

void *secure_alloc(size_t size) {
        size_t ps = page_size();
        if (size > SIZE_MAX - sizeof(struct secure_header) - ps) {
                errno = ENOMEM;
                return NULL;
        }
        size_t map_size = (size + sizeof(struct secure_header) + ps - 1) / ps * ps;

        void *m = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
                return NULL;

        /* Both are best effort: RLIMIT_MEMLOCK may be small for an unprivileged user, and a
         * locked page is still better than no secret at all. */
        (void) mlock(m, map_size);
        (void) madvise(m, map_size, MADV_DONTDUMP);

        struct secure_header *h = m;
        h->map_size = map_size;
        h->user_size = size;
        return h + 1;
}

size_t secure_size(const void *p) {
        if (!p)
                return 0;
        const struct secure_header *h = (const struct secure_header *) p - 1;
        return h->user_size;
}

void secure_free(void *p) {
        if (!p)
                return;
        struct secure_header *h = (struct secure_header *) p - 1;
        size_t map_size = h->map_size;
        explicit_bzero(h, map_size);
        (void) munlock(h, map_size);
        (void) munmap(h, map_size);
}

void secure_wipe(void *p, size_t len) {
        if (p && len > 0)
                explicit_bzero(p, len);
}

int secure_memcmp(const void *a, const void *b, size_t len) {
        const volatile uint8_t *x = a, *y = b;
        uint8_t d = 0;
        for (size_t i = 0; i < len; i++)
                d |= x[i] ^ y[i];
        return d != 0;
}

int secret_new(size_t len, struct secret *ret) {
        uint8_t *d = secure_alloc(len ? len : 1);
        if (!d)
                return -ENOMEM;
        ret->data = d;
        ret->len = len;
        return 0;
}

void secret_clear(struct secret *s) {
        if (!s)
                return;
        secure_free(s->data);
        s->data = NULL;
        s->len = 0;
}
