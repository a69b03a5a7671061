/* Writing the emulator's state file atomically (only the emulator needs it). */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Writes `data` to `path` through a temporary file in the same directory, fsync and rename:
 * readers see either the old or the new file, never a part of it. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
