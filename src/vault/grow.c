/* Growing a vault (vault.h, "grow"): the image file, the loop device under an open mapping,
 * and the mapping itself. The file system on top is the edge's (it runs resize2fs). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/macros.h"
#include "vault/internal.h"

static void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}

int vault_grow_file(const char *path, uint64_t new_size) {
        if (new_size > (uint64_t) INT64_MAX)
                return -EFBIG;
        int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        struct stat st;
        int r = fstat(fd, &st) < 0 ? -errno : 0;
        if (r == 0 && !S_ISREG(st.st_mode))
                r = -ENOTSUP;
        if (r == 0 && (uint64_t) st.st_size > new_size)
                r = -ERANGE; /* never shrink */
        if (r == 0 && (uint64_t) st.st_size < new_size) {
                /* Reserve the blocks (the seed's fallocate), so that the host cannot run out of
                 * space under the file system later; a file system without fallocate (sshfs,
                 * some NFS) gets a sparse extension instead. */
                if (fallocate(fd, /* mode= */ 0, st.st_size, (off_t) (new_size - (uint64_t) st.st_size)) < 0) {
                        r = -errno;
                        if (r == -EOPNOTSUPP || r == -ENOSYS)
                                r = ftruncate(fd, (off_t) new_size) < 0 ? -errno : 0;
                }
                /* sshfs without the server's fsync extension answers ENOSYS: the size is set. */
                if (r == 0 && fsync(fd) < 0 && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
                        r = -errno;
        }
        close(fd);
        return r;
}

/* "CRYPT-LUKS2-<uuid without dashes>-" : the start of the dm uuid libcryptsetup gives a LUKS2
 * mapping. */
static int dm_uuid_prefix(const char *uuid, char *buf, size_t len) {
        size_t k = (size_t) snprintf(buf, len, "CRYPT-LUKS2-");
        for (const char *p = uuid; *p; p++)
                if (*p != '-' && k + 1 < len)
                        buf[k++] = *p;
        if (k + 2 > len)
                return -ENAMETOOLONG;
        buf[k++] = '-';
        buf[k] = '\0';
        return 0;
}

static int read_sys_line(const char *path, char *buf, size_t len) {
        FILE *f = fopen(path, "re");
        if (!f)
                return -errno;
        bool ok = fgets(buf, (int) len, f) != NULL;
        fclose(f);
        if (!ok)
                return -EIO;
        buf[strcspn(buf, "\n")] = '\0';
        return 0;
}

/* The first (only) device under dm-N: "loopX", "sda1"... into buf. */
static int dm_slave(const char *dm, char *buf, size_t len) {
        char path[300];
        snprintf(path, sizeof(path), "/sys/block/%s/slaves", dm);
        _cleanup_(closedirp) DIR *d = opendir(path);
        if (!d)
                return -errno;
        for (struct dirent *e; (e = readdir(d));) {
                if (e->d_name[0] == '.')
                        continue;
                if (strlen(e->d_name) >= len)
                        return -ENAMETOOLONG;
                strcpy(buf, e->d_name);
                return 0;
        }
        return -ENOENT;
}

/* Whether the block device `slave` is `device`: the device itself, or a loop device whose
 * backing file is it (the same inode). */
static bool slave_is(const char *slave, const char *device) {
        struct stat want, st;
        char dev[300], backing[PATH_MAX];
        if (stat(device, &want) < 0)
                return false;
        snprintf(dev, sizeof(dev), "/dev/%s", slave);
        if (S_ISBLK(want.st_mode))
                return stat(dev, &st) == 0 && st.st_rdev == want.st_rdev;
        return S_ISREG(want.st_mode) && vault_loop_backing_file(dev, backing, sizeof(backing)) == 0 &&
               stat(backing, &st) == 0 && st.st_dev == want.st_dev && st.st_ino == want.st_ino;
}

int vault_find_mapping(const char *uuid, const char *device, struct vault_mapping *ret) {
        char prefix[128];
        int r = dm_uuid_prefix(uuid, prefix, sizeof(prefix));
        if (r < 0)
                return r;
        _cleanup_(closedirp) DIR *d = opendir("/sys/block");
        if (!d)
                return -ENOENT;
        struct vault_mapping found = {};
        bool any = false;
        for (struct dirent *e; (e = readdir(d));) {
                if (strncmp(e->d_name, "dm-", 3) != 0)
                        continue;
                char path[300], dm_uuid[256], name[256], slave[64];
                snprintf(path, sizeof(path), "/sys/block/%s/dm/uuid", e->d_name);
                if (read_sys_line(path, dm_uuid, sizeof(dm_uuid)) < 0 || strncmp(dm_uuid, prefix, strlen(prefix)) != 0)
                        continue;
                snprintf(path, sizeof(path), "/sys/block/%s/dm/name", e->d_name);
                if (read_sys_line(path, name, sizeof(name)) < 0 || strlen(name) >= sizeof(found.name) ||
                    dm_slave(e->d_name, slave, sizeof(slave)) < 0)
                        continue;
                bool same = slave_is(slave, device);
                if (any && !same)
                        continue; /* keep the first, or the one on `device` */
                any = true;
                strcpy(found.name, name);
                found.same_device = same;
                found.loop[0] = '\0';
                if (strncmp(slave, "loop", 4) == 0)
                        snprintf(found.loop, sizeof(found.loop), "/dev/%s", slave);
                if (same)
                        break;
        }
        if (!any)
                return -ENOENT;
        *ret = found;
        return 0;
}

int vault_loop_backing_file(const char *loop, char *ret, size_t len) {
        char path[300];
        if (strncmp(loop, "/dev/loop", 9) != 0 || strchr(loop + 5, '/'))
                return -EINVAL;
        snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", loop + 5);
        char buf[PATH_MAX];
        int r = read_sys_line(path, buf, sizeof(buf));
        if (r < 0)
                return r;
        if (buf[0] != '/' || strlen(buf) >= len)
                return -ENAMETOOLONG;
        strcpy(ret, buf);
        return 0;
}

int vault_loop_refresh(const char *loop) {
        int fd = open(loop, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* The loop device keeps the file's old size until told (losetup --set-capacity). */
        int r = ioctl(fd, LOOP_SET_CAPACITY, 0) < 0 ? -errno : 0;
        close(fd);
        return r;
}

/* With the volume key in the kernel keyring (LUKS2's default), crypt_resize refuses (-EPERM)
 * unless this context has loaded the key: docs/protocol.md, "Resizing an open mapping". */
static int load_key_for_resize(struct crypt_device *cd, const char *name, const struct vault_tokens_ctx *ctx,
                               unsigned timeout_s, const struct secret *pin, bool *ret_asked) {
        struct crypt_active_device cad;
        int r = crypt_get_active_device(cd, name, &cad);
        if (r < 0)
                return r;
        *ret_asked = false;
        if (!(cad.flags & CRYPT_ACTIVATE_KEYRING_KEY))
                return 0; /* the key is in the dm table: libcryptsetup reuses it */
        struct vault_header h;
        r = vault_header_read(cd, &h);
        if (r < 0)
                return r;
        struct vault_unlock_req req = {
                .use = VAULT_USE_ACTIVATE, .name = NULL, .flags = CRYPT_ACTIVATE_KEYRING_KEY,
                .timeout_s = timeout_s, .pin = pin, .only_token_id = -1,
        };
        struct vault_unlocked u = {};
        r = vault_unlock(cd, &h, ctx, &req, &u);
        vault_unlocked_clear(&u);
        *ret_asked = true;
        return r < 0 ? r : 0;
}

int vault_resize_mapping(const char *name, const char *header, const struct vault_tokens_ctx *ctx, unsigned timeout_s,
                         const struct secret *pin, bool *ret_key_asked) {
        vault_quiet_libcryptsetup();
        if (!vault_have_device_mapper())
                return -ENOSYS;
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        int r = crypt_init_by_name_and_header(&cd, name, header);
        if (r < 0)
                return r == -ENODEV ? r : vault_map_load_error(r);
        bool asked = false;
        r = load_key_for_resize(cd, name, ctx, timeout_s, pin, &asked);
        if (ret_key_asked)
                *ret_key_asked = asked;
        if (r < 0)
                return r;
        /* 0: the whole data device (LUKS2 "dynamic" segment), as `cryptsetup resize NAME`. */
        return crypt_resize(cd, name, /* new_size= */ 0);
}
