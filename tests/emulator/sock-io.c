#include "sock-io.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#define POLL_MS 200

int ykemu_read_full(int fd, uint8_t *buf, size_t len, volatile sig_atomic_t *stop) {
        while (len > 0) {
                if (*stop)
                        return -EINTR;
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int n = poll(&p, 1, POLL_MS);
                if (n < 0 && errno != EINTR)
                        return -errno;
                if (n <= 0)
                        continue;
                ssize_t k = read(fd, buf, len);
                /* vpcd's driver writes the length and the APDU separately: with Nagle on its side
                 * and delayed ACKs on ours, every APDU would wait ~40 ms for our ACK. The kernel
                 * clears QUICKACK by itself, so it is set again after every read (on a UNIX
                 * socket the call fails, and that is fine). */
                int one = 1;
                (void) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        return -ECONNRESET;
                buf += k;
                len -= (size_t) k;
        }
        return 0;
}
