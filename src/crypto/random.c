/* getrandom(2) without flags: the urandom pool, once initialised. Large requests may come back
 * short and a signal may interrupt the call: loop until every byte is there. */
#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

#include "crypto/random.h"

int crypto_random(void *buf, size_t len) {
        uint8_t *p = buf;

        if (len > 0 && !buf)
                return -EINVAL;
        while (len > 0) {
                ssize_t n = getrandom(p, len, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return -EIO;
                p += n;
                len -= (size_t) n;
        }
        return 0;
}
