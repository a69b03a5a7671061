/* Reading from the socket a card is plugged in by (vpcd's TCP, QEMU's UNIX socket). */
#pragma once

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* Reads exactly len bytes, waking up every 200 ms to look at *stop. 0; -EINTR when told to
 * stop; -ECONNRESET when the peer closed the socket. */
int ykemu_read_full(int fd, uint8_t *buf, size_t len, volatile sig_atomic_t *stop);
