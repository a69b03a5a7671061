#include "shared/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/macros.h"

/* A secret file must be a regular file: a FIFO without a writer (or a device) would block
 * the read forever. O_NONBLOCK keeps the open itself from blocking on a FIFO; standard input
 * ("-") may be a pipe, that is the caller's choice. */
static int open_input(const char *path) {
        if (strcmp(path, "-") == 0)
                return STDIN_FILENO;
        _cleanup_(closep) int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        return TAKE_FD(fd);
}

/* Reads up to cap bytes; -EFBIG when more is there. */
static int read_all(int fd, uint8_t *buf, size_t cap, size_t *ret_len) {
        size_t n = 0;
        for (;;) {
                uint8_t extra;
                uint8_t *dst = n < cap ? buf + n : &extra;
                size_t want = n < cap ? cap - n : 1;
                ssize_t k = read(fd, dst, want);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                if (n >= cap)
                        return -EFBIG;
                n += (size_t) k;
        }
        *ret_len = n;
        return 0;
}

int read_secret_input(const char *path, size_t max, struct secret *ret) {
        _cleanup_(secret_clearp) struct secret s = {};
        int fd = open_input(path);
        if (fd < 0)
                return fd;

        int r = secret_new(max, &s);
        if (r >= 0)
                r = read_all(fd, s.data, max, &s.len);
        if (fd != STDIN_FILENO)
                close(fd);
        if (r < 0)
                return r;
        *ret = TAKE_STRUCT(s);
        return 0;
}

void secret_strip_one_newline(struct secret *s) {
        if (s->len > 0 && s->data[s->len - 1] == '\n') {
                s->len--;
                s->data[s->len] = 0;
        }
}

int read_small_file(const char *path, size_t max, char **ret_data, size_t *ret_len) {
        _cleanup_(closep) int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        _cleanup_(freep) char *buf = malloc(max + 1);
        if (!buf)
                return -ENOMEM;
        size_t n;
        int r = read_all(fd, (uint8_t *) buf, max, &n);
        if (r < 0)
                return r;
        buf[n] = '\0';
        *ret_data = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = n;
        return 0;
}
