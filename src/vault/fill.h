/* Giving a new image its size (vault_create). */
#pragma once

#include <stdint.h>

#include "vault/vault.h"

/* Sparse: ftruncate. Zero / random: writes `size` bytes from offset 0 in 4 MiB chunks,
 * calling progress after each (a negative return stops and is returned), then fsync. */
int vault_fill(int fd, uint64_t size, enum vault_fill fill,
               int (*progress)(void *userdata, uint64_t done, uint64_t total), void *userdata);
