/* Reading secrets from files or stdin, and writing files atomically. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shared/secmem.h"

/* Reads all of `path` ("-" means stdin) into secure memory. Files are opened with
 * O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK. -EFBIG when there are more than `max` bytes, -ENOENT/
 * -EACCES/... as open(2) says, -ELOOP for a symbolic link, -EISDIR for a directory, -EBADFD
 * for anything else that is not a regular file (a FIFO, a device, a socket). The result is
 * not NUL-terminated. */
int read_secret_input(const char *path, size_t max, struct secret *ret);

/* Drops exactly one trailing "\n" from a secret read from a file, if there is one. */
void secret_strip_one_newline(struct secret *s);

/* Reads a small regular file (at most `max` bytes) into a NUL-terminated malloc'd buffer. */
int read_small_file(const char *path, size_t max, char **ret_data, size_t *ret_len);
