/* Mounts of a mapping, unmounting them, and who holds a busy one (for plug-event remove). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* True when `dev` is the source of a mount in this namespace. */
bool mount_is_mounted(const char *dev);

/* The processes whose cwd, root, executable, open files or mapped files lie under `dir`, as
 * "123 (bash), 456 (cat)" into buf (cut short with "..."). Returns how many. */
size_t mount_holders(const char *dir, char *buf, size_t len);
