/* Giving a new image its size: sparse, zeros, or random data, with progress. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/random.h"
#include "vault/fill.h"

#define CHUNK (4u << 20)

static int write_all(int fd, const uint8_t *buf, size_t len, uint64_t offset) {
        while (len > 0) {
                ssize_t n = pwrite(fd, buf, len, (off_t) offset);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                buf += n;
                len -= (size_t) n;
                offset += (uint64_t) n;
        }
        return 0;
}

int vault_fill(int fd, uint64_t size, enum vault_fill fill,
               int (*progress)(void *userdata, uint64_t done, uint64_t total), void *userdata) {
        if (fill == VAULT_FILL_SPARSE)
                return ftruncate(fd, (off_t) size) < 0 ? -errno : 0;

        _cleanup_(freep) uint8_t *buf = calloc(1, CHUNK);
        if (!buf)
                return -ENOMEM;
        for (uint64_t done = 0; done < size;) {
                size_t n = size - done < CHUNK ? (size_t) (size - done) : CHUNK;
                int r = 0;
                if (fill == VAULT_FILL_RANDOM)
                        r = crypto_random(buf, n);
                if (r == 0)
                        r = write_all(fd, buf, n, done);
                if (r < 0)
                        return r;
                done += n;
                if (progress && (r = progress(userdata, done, size)) < 0)
                        return r;
        }
        return fsync(fd) < 0 ? -errno : 0;
}
