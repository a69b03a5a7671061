/* Taking a remote vault's local stack down: after a lost connection (the keeper) and at
 * `close` (remote.h, docs/remote.md "Teardown"). Nothing here waits without a bound: a file
 * system on a dead transport is unmounted lazily, the mapping removed with force. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "shared/deadline.h"
#include "vault/remote.h"

#define STATE_PATH_MAX (sizeof(REMOTE_STATE_DIR) + 300)

/* /proc/self/mountinfo writes ' ', '\t', '\n' and '\\' as \ooo. */
static void unescape(char *s) {
        char *d = s;
        for (; *s; s++) {
                if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
                    s[3] <= '7') {
                        *d++ = (char) ((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
                        s += 3;
                } else {
                        *d++ = *s;
                }
        }
        *d = '\0';
}

/* Every mount of device `dev`, detached lazily (the deepest first: the file is read anew each
 * time). Returns the number detached. */
static int unmount_device(dev_t dev) {
        int n = 0;
        for (int round = 0; round < 64; round++) {
                FILE *f = fopen("/proc/self/mountinfo", "re");
                if (!f)
                        return n;
                char line[4096], target[4096] = "";
                while (fgets(line, sizeof(line), f)) {
                        unsigned maj, min;
                        char mp[4096];
                        if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &maj, &min, mp) == 3 && makedev(maj, min) == dev)
                                snprintf(target, sizeof(target), "%s", mp);
                }
                fclose(f);
                if (!target[0])
                        return n;
                unescape(target);
                if (umount2(target, MNT_DETACH) < 0)
                        return n;
                n++;
        }
        return n;
}

/* Loop devices whose backing file lies under `dir`: detached (libcryptsetup sets them to
 * clear themselves when the mapping lets go; this catches one that did not). */
static void detach_loops(const char *dir) {
        DIR *d = opendir("/sys/block");
        if (!d)
                return;
        size_t dn = strlen(dir);
        struct dirent *e;
        while ((e = readdir(d))) {
                if (strncmp(e->d_name, "loop", 4) != 0)
                        continue;
                char path[512], backing[4096];
                snprintf(path, sizeof(path), "/sys/block/%s/loop/backing_file", e->d_name);
                FILE *f = fopen(path, "re");
                if (!f)
                        continue;
                bool ours = fgets(backing, sizeof(backing), f) && strncmp(backing, dir, dn) == 0 && backing[dn] == '/';
                fclose(f);
                if (!ours)
                        continue;
                snprintf(path, sizeof(path), "/dev/%s", e->d_name);
                int fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) ioctl(fd, LOOP_CLR_FD, 0);
                        close(fd);
                }
        }
        closedir(d);
}

static int remove_mapping(const char *name) {
        struct yk_deadline d = yk_deadline_in(REMOTE_TEARDOWN_MS);
        for (;;) {
                crypt_status_info s = crypt_status(NULL, name);
                if (s != CRYPT_ACTIVE && s != CRYPT_BUSY)
                        return 0;
                int r = crypt_deactivate_by_name(NULL, name, CRYPT_DEACTIVATE_FORCE);
                if (r == 0 || r == -ENODEV)
                        return 0;
                if (yk_deadline_passed(&d))
                        return r;
                nanosleep(&(struct timespec) { .tv_nsec = 200 * 1000 * 1000 }, NULL);
        }
}

static void link_path(const char *name, char *buf, size_t len) {
        snprintf(buf, len, "%s/%s", REMOTE_STATE_DIR, name);
}

int remote_teardown(const char *name, const char *dir) {
        char dev[300], link[STATE_PATH_MAX], lost[STATE_PATH_MAX + 8];
        struct stat st;
        snprintf(dev, sizeof(dev), "/dev/mapper/%s", name);
        if (stat(dev, &st) == 0 && S_ISBLK(st.st_mode))
                unmount_device(st.st_rdev);
        int r = remove_mapping(name);
        detach_loops(dir);
        if (umount2(dir, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT && r == 0)
                r = -errno;
        if (rmdir(dir) < 0 && errno != ENOENT && r == 0)
                r = -errno;
        /* close NAME finds NAME.lost and says what happened. */
        link_path(name, link, sizeof(link));
        snprintf(lost, sizeof(lost), "%s.lost", link);
        int fd = open(lost, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0)
                close(fd);
        (void) unlink(link);
        return r;
}

int remote_detach(const char *name, bool *ret_lost) {
        char link[STATE_PATH_MAX], lost[STATE_PATH_MAX + 8], target[64], dir[STATE_PATH_MAX + 64];
        link_path(name, link, sizeof(link));
        snprintf(lost, sizeof(lost), "%s.lost", link);
        bool was_lost = unlink(lost) == 0;
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (n <= 0) {
                if (!was_lost)
                        return -ENOENT;
                if (ret_lost)
                        *ret_lost = true;
                return 0;
        }
        target[n] = '\0';
        if (strchr(target, '/') || strncmp(target, "m-", 2) != 0)
                return -EINVAL;
        snprintf(dir, sizeof(dir), "%s/%s", REMOTE_STATE_DIR, target);
        detach_loops(dir);
        /* A live connection is unmounted at once (its writes flushed); a dead one lazily. */
        if (umount2(dir, 0) < 0 && errno != EINVAL && errno != ENOENT && umount2(dir, MNT_DETACH) < 0 &&
            errno != EINVAL)
                return -errno;
        if (rmdir(dir) < 0 && errno != ENOENT)
                return -errno;
        (void) unlink(link);
        if (ret_lost)
                *ret_lost = was_lost;
        return 0;
}
