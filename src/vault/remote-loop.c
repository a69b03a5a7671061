/* The loop device under a remote vault's mapping in direct I/O mode (remote.h; why:
 * docs/protocol.md §11, "Large writes"). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "shared/macros.h"
#include "vault/remote.h"
#include "vault/vault.h"

/* The one loop device under /dev/mapper/NAME ("loopN"), through /sys/dev/block/M:m/slaves.
 * -ENOENT: no such mapping; -ENOTBLK: its device is not a loop device. */
static int mapping_loop(const char *name, char *buf, size_t len) {
        char path[300];
        struct stat st;
        if (snprintf(path, sizeof(path), "/dev/mapper/%s", name) >= (int) sizeof(path))
                return -ENAMETOOLONG;
        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISBLK(st.st_mode))
                return -ENOTBLK;
        snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/slaves", major(st.st_rdev), minor(st.st_rdev));
        DIR *d = opendir(path);
        if (!d)
                return -errno;
        int r = -ENOTBLK, n = 0;
        for (struct dirent *e; (e = readdir(d));) {
                if (e->d_name[0] == '.')
                        continue;
                /* Exactly one device under it, a loop device: otherwise not a remote vault's. */
                if (n++ > 0 || strncmp(e->d_name, "loop", 4) != 0 || strlen(e->d_name) >= len) {
                        r = -ENOTBLK;
                        break;
                }
                strcpy(buf, e->d_name);
                r = 0;
        }
        closedir(d);
        return r;
}

int remote_mount_direct_io(const struct remote_mount *m, const char *name) {
        char loop[64], dev[80];
        int r = mapping_loop(name, loop, sizeof(loop));
        if (r < 0)
                return r;
        snprintf(dev, sizeof(dev), "/dev/%s", loop);
        char backing[PATH_MAX];
        if (vault_loop_backing_file(dev, backing, sizeof(backing)) < 0 || strcmp(backing, remote_mount_image(m)) != 0)
                return -ENOTBLK;
        int fd = open(dev, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* The kernel flushes the file's cached pages first, and refuses (EINVAL) when the file
         * system has no direct I/O or the offset is not aligned (loop_update_dio). */
        r = ioctl(fd, LOOP_SET_DIRECT_IO, 1UL) < 0 ? -errno : 0;
        close(fd);
        return r;
}
