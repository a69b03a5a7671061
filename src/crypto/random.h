/* Random bytes from the kernel (getrandom(2)). */
#pragma once

#include <stddef.h>

/* Fills buf with len random bytes; blocks until the kernel's pool is initialised. 0, or a
 * negative errno (buf then holds nothing usable). */
int crypto_random(void *buf, size_t len);
