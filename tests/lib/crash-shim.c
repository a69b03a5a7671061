/* crash-shim: an LD_PRELOAD library that kills its process at the Nth write to one file, to
 * test that every header write of enroll and unenroll is crash-safe.
 *
 *   CRASH_SHIM_PATH=FILE   the file whose writes are counted (compared by device and inode,
 *                          so every descriptor and path of it counts)
 *   CRASH_SHIM_AT=N        the process dies with SIGKILL at the Nth write, before it happens
 *   CRASH_SHIM_TORN=1      ... after writing the first half of it (rounded down to 4096 bytes,
 *                          so O_DIRECT accepts it): a torn write
 *
 * libcryptsetup 2.6 writes headers and keyslot areas with write(2) after lseek (checked with
 * strace: no pwrite); pwrite/pwritev/writev are counted too so that a change there does not
 * silently make the test vacuous. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static unsigned long writes;

static bool is_target(int fd) {
        const char *path = getenv("CRASH_SHIM_PATH");
        struct stat a, b;
        if (!path || fstat(fd, &a) < 0 || stat(path, &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static size_t torn_part(size_t len) {
        const char *t = getenv("CRASH_SHIM_TORN");
        if (!t || *t != '1')
                return 0;
        return len / 2 / 4096 * 4096;
}

/* Counts one write to the target; at the Nth, optionally writes part of it, then dies. */
static void maybe_crash(int fd, const void *buf, size_t len, off_t off, bool positioned) {
        const char *at = getenv("CRASH_SHIM_AT");
        if (!at || !is_target(fd))
                return;
        writes++;
        if (writes != strtoul(at, NULL, 10))
                return;
        size_t part = buf ? torn_part(len) : 0;
        if (part > 0) {
                ssize_t (*real_pwrite)(int, const void *, size_t, off_t) = dlsym(RTLD_NEXT, "pwrite64");
                if (!positioned)
                        off = lseek(fd, 0, SEEK_CUR);
                (void) real_pwrite(fd, buf, part, off);
                (void) fdatasync(fd);
        }
        kill(getpid(), SIGKILL);
        _exit(137);
}

ssize_t write(int fd, const void *buf, size_t len) {
        static ssize_t (*real)(int, const void *, size_t);
        if (!real)
                real = dlsym(RTLD_NEXT, "write");
        maybe_crash(fd, buf, len, 0, false);
        return real(fd, buf, len);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off) {
        static ssize_t (*real)(int, const void *, size_t, off_t);
        if (!real)
                real = dlsym(RTLD_NEXT, "pwrite");
        maybe_crash(fd, buf, len, off, true);
        return real(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off) {
        static ssize_t (*real)(int, const void *, size_t, off_t);
        if (!real)
                real = dlsym(RTLD_NEXT, "pwrite64");
        maybe_crash(fd, buf, len, off, true);
        return real(fd, buf, len, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n) {
        static ssize_t (*real)(int, const struct iovec *, int);
        if (!real)
                real = dlsym(RTLD_NEXT, "writev");
        maybe_crash(fd, NULL, 0, 0, false);
        return real(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off) {
        static ssize_t (*real)(int, const struct iovec *, int, off_t);
        if (!real)
                real = dlsym(RTLD_NEXT, "pwritev");
        maybe_crash(fd, NULL, 0, off, true);
        return real(fd, iov, n, off);
}
