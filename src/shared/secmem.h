/* The one allocator for key material: page-backed, locked in memory (best effort), excluded
 * from core dumps, and wiped before it is returned to the system. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "shared/macros.h"

/* Returns zeroed memory of `size` bytes, or NULL with errno set. */
void *secure_alloc(size_t size);
/* Wipes and frees memory from secure_alloc(); NULL is fine. */
void secure_free(void *p);
/* The size that was asked of secure_alloc() for p. */
size_t secure_size(const void *p);

static inline void secure_freep(void *pp) {
        secure_free(*(void **) pp);
}

/* Wipes a stack or heap buffer in a way the compiler may not drop. */
void secure_wipe(void *p, size_t len);

/* Constant-time comparison of two secrets of the same length: 0 when equal. */
int secure_memcmp(const void *a, const void *b, size_t len);

/* A secret held in secure memory with its length. */
struct secret {
        uint8_t *data; /* from secure_alloc() */
        size_t len;
};

int secret_new(size_t len, struct secret *ret);
void secret_clear(struct secret *s);
static inline void secret_clearp(struct secret *s) {
        secret_clear(s);
}
