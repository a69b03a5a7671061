/* Creating a vault: the files, LUKS2, and the recovery key (recovery.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/fill.h"
#include "vault/internal.h"
#include "vault/recovery.h"

#define DETACHED_HEADER_SIZE (16u << 20) /* 2 x 64 KiB metadata and the keyslots area */

/* A file we may create the vault in: new, or existing and empty (a regular file). */
struct new_file {
        const char *path;
        int fd;
        bool created;
        bool block; /* a block device: formatted whole, never removed */
        uint64_t block_size;
};

/* A block device the caller confirmed. An exclusive open first, so that a device that is
 * mounted, open as a mapping or held by another program is refused (-EBUSY) before anything is
 * written; then an ordinary one, since libcryptsetup's format opens the device exclusively
 * itself (and would find it busy with our own exclusive open). */
static int block_open(const char *path, struct new_file *f) {
        int excl = open(path, O_RDONLY | O_EXCL | O_NOFOLLOW | O_CLOEXEC);
        if (excl < 0)
                return -errno;
        int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        int r = fd < 0 ? -errno : 0;
        close(excl);
        if (r < 0)
                return r;
        struct stat st;
        uint64_t size = 0;
        r = fstat(fd, &st) < 0 ? -errno : !S_ISBLK(st.st_mode) ? -ENOTSUP : 0;
        if (r == 0 && ioctl(fd, BLKGETSIZE64, &size) < 0)
                r = -errno;
        if (r < 0) {
                close(fd);
                return r;
        }
        f->fd = fd;
        f->block = true;
        f->block_size = size;
        return 0;
}

static int new_file_open(const char *path, bool block, struct new_file *f) {
        *f = (struct new_file) { .path = path, .fd = -1 };
        if (block)
                return block_open(path, f);
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
                f->fd = fd;
                f->created = true;
                return 0;
        }
        if (errno != EEXIST)
                return -errno;
        /* O_NONBLOCK: a FIFO put there must not hang us before fstat() refuses it. It changes
         * nothing for the regular file we accept. */
        fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        struct stat st;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 0 || st.st_uid != geteuid()) {
                int r = fstat(fd, &st) < 0       ? -errno
                        : !S_ISREG(st.st_mode)   ? -ENOTSUP
                        : st.st_size != 0        ? -EEXIST
                                                 : -EACCES; /* someone else's file: they could read it */
                close(fd);
                return r;
        }
        f->fd = fd;
        return 0;
}

/* A block device is not removed: the LUKS2 header written on it is zeroed (both copies and the
 * keyslots: the first 16 MiB), so that no vault is left whose recovery key nobody saw. */
static int wipe_header_area(int fd, uint64_t size) {
        static const uint8_t zeros[64 * 1024];
        uint64_t end = size < DETACHED_HEADER_SIZE ? size : DETACHED_HEADER_SIZE;
        for (uint64_t off = 0; off < end; off += sizeof(zeros)) {
                size_t n = end - off < sizeof(zeros) ? (size_t) (end - off) : sizeof(zeros);
                if (pwrite(fd, zeros, n, (off_t) off) != (ssize_t) n)
                        return -errno;
        }
        return fsync(fd) < 0 ? -errno : 0;
}

/* On failure: what we created goes, what was there empty is emptied again. */
static void new_file_undo(struct new_file *f) {
        if (f->fd < 0)
                return;
        if (f->block)
                (void) wipe_header_area(f->fd, f->block_size);
        else if (f->created)
                (void) unlink(f->path);
        else if (ftruncate(f->fd, 0) < 0) {
                /* nothing more to undo with: the caller reports the first error */
        }
        close(f->fd);
        f->fd = -1;
}

/* Done: an empty file that was there gets the mode of one we create (its owner is us). */
static int new_file_close(struct new_file *f) {
        int r = 0;
        if (f->fd >= 0 && !f->created && fchmod(f->fd, 0600) < 0)
                r = -errno;
        if (f->fd >= 0)
                close(f->fd);
        f->fd = -1;
        return r;
}

/* Header and image must be two files: compared by device and inode, not by name
 * (`same.img` and `./same.img`, a hard link). */
static int check_two_files(const struct new_file *image, const struct new_file *header) {
        struct stat a, b;
        if (header->fd < 0)
                return 0;
        if (fstat(image->fd, &a) < 0 || fstat(header->fd, &b) < 0)
                return -errno;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino ? -EINVAL : 0;
}

/* libcryptsetup opens devices by path. The files we checked and filled are named through our
 * own descriptors, so that a symbolic link swapped in for a path since (in a directory others
 * can write) cannot turn the format onto another file or a block device. */
static void fd_path(int fd, char buf[32]) {
        snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

static int format_luks2(const struct new_file *image, const struct new_file *header,
                        const struct vault_create_params *p, struct secret *ret_recovery) {
        char image_path[32], header_path[32];
        fd_path(image->fd, image_path);
        fd_path(header->fd, header_path);
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        int r = header->fd >= 0 ? crypt_init_data_device(&cd, header_path, image_path) : crypt_init(&cd, image_path);
        if (r < 0)
                return r;
        r = crypt_set_metadata_size(cd, VAULT_METADATA_SIZE, 0);
        if (r == 0)
                r = vault_pbkdf_minimal(cd);
        if (r < 0)
                return r;
        struct crypt_params_luks2 params = {
                .sector_size = VAULT_SECTOR_SIZE,
                .label = p->label,
        };
        r = crypt_format(cd, CRYPT_LUKS2, "aes", "xts-plain64", NULL, NULL, 512 / 8, &params);
        if (r < 0)
                return r;
        return vault_add_recovery_key(cd, ret_recovery);
}

static int check_create_params(const struct vault_location *loc, const struct vault_create_params *p) {
        if (!loc || !loc->device || !p)
                return -EINVAL;
        if (p->block_device && (p->size != 0 || loc->header))
                return -EINVAL;
        if (!p->block_device &&
            (p->size % VAULT_SECTOR_SIZE != 0 || p->size < (loc->header ? VAULT_MIN_SIZE_DETACHED : VAULT_MIN_SIZE)))
                return -EINVAL;
        if (p->label && strlen(p->label) > VAULT_LABEL_MAX)
                return -EINVAL;
        if (p->fill != VAULT_FILL_SPARSE && p->fill != VAULT_FILL_ZERO && p->fill != VAULT_FILL_RANDOM)
                return -EINVAL;
        if (vault_location_same_file(loc))
                return -EINVAL;
        return 0;
}

int vault_wipe_created(const struct vault_location *loc) {
        if (!loc || !loc->device || loc->header)
                return -EINVAL;
        struct new_file f;
        int r = block_open(loc->device, &f);
        if (r < 0)
                return r;
        r = wipe_header_area(f.fd, f.block_size);
        close(f.fd);
        return r;
}

int vault_device_size(const char *path, uint64_t *ret) {
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        uint64_t size;
        int r = ioctl(fd, BLKGETSIZE64, &size) < 0 ? -errno : 0;
        close(fd);
        if (r < 0)
                return r;
        *ret = size;
        return 0;
}

int vault_create(const struct vault_location *loc, const struct vault_create_params *p,
                 struct secret *ret_recovery_key) {
        int r = check_create_params(loc, p);
        if (r < 0 || !ret_recovery_key)
                return r < 0 ? r : -EINVAL;
        vault_quiet_libcryptsetup();

        struct new_file image, header = { .fd = -1 };
        r = new_file_open(loc->device, p->block_device, &image);
        if (r < 0)
                return r;
        if (image.block && image.block_size < VAULT_MIN_SIZE) {
                close(image.fd);
                return -EFBIG; /* too small: nothing was written */
        }
        if (loc->header && (r = new_file_open(loc->header, /* block= */ false, &header)) < 0) {
                new_file_undo(&image);
                return r;
        }
        r = check_two_files(&image, &header);
        if (r < 0) {
                /* The same file twice: undo it once, as the image. */
                if (header.fd >= 0)
                        close(header.fd);
                new_file_undo(&image);
                return r;
        }
        if (image.block)
                r = p->fill == VAULT_FILL_SPARSE ? 0 : vault_fill(image.fd, image.block_size, p->fill, p->progress, p->progress_userdata);
        else
                r = vault_fill(image.fd, p->size, p->fill, p->progress, p->progress_userdata);
        if (r == 0 && loc->header)
                r = ftruncate(header.fd, DETACHED_HEADER_SIZE) < 0 ? -errno : 0;

        _cleanup_(secret_clearp) struct secret recovery = {};
        if (r == 0)
                r = format_luks2(&image, &header, p, &recovery);
        if (r < 0) {
                new_file_undo(&header);
                new_file_undo(&image);
                return r;
        }
        r = new_file_close(&header);
        int r2 = new_file_close(&image);
        if (r < 0 || r2 < 0)
                return r < 0 ? r : r2;
        *ret_recovery_key = TAKE_STRUCT(recovery);
        return 0;
}
