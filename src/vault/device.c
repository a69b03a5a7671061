/* Loading a vault's header through libcryptsetup, and what its errors mean to us. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/internal.h"

static void (*log_hook)(int level, const char *msg, void *userdata);
static void *log_hook_userdata;

/* libcryptsetup prints to stderr unless told otherwise; below the edge nothing prints. */
static void vault_crypt_log(int level, const char *msg, void *usrptr) {
        if (log_hook)
                log_hook(level, msg, log_hook_userdata);
}

void vault_set_log_hook(void (*hook)(int level, const char *msg, void *userdata), void *userdata) {
        log_hook = hook;
        log_hook_userdata = userdata;
        crypt_set_log_callback(NULL, vault_crypt_log, NULL);
}

void vault_quiet_libcryptsetup(void) {
        crypt_set_log_callback(NULL, vault_crypt_log, NULL);
}

int vault_map_load_error(int r) {
        switch (r) {
        case -ENOMEM:
        case -EACCES:
        case -EBUSY:
        case -ENOENT:
        case -ENOSPC:
                return r;
        default:
                return -EBADMSG;
        }
}

bool vault_have_device_mapper(void) {
        /* /dev/mapper/control may exist without the driver; the kernel's list is the truth. */
        return access("/sys/class/misc/device-mapper", F_OK) == 0;
}

int vault_map_activate_error(int r, const char *name) {
        if (r >= 0)
                return r;
        if (r == -EPERM || r == -ENOMEM || r == -EEXIST || r == -EBUSY)
                return r;
        if (name && !vault_have_device_mapper())
                return -ENOSYS;
        if (r == -ENOENT)
                return -EPERM; /* the keyslot does not exist, or holds another key */
        return r;
}

/* With a detached header, the data device must not carry a LUKS header of its own: that is a
 * vault of its own, and mixing the two is the mistake this catches. */
static int check_data_device(const char *device) {
        static const char magic[6] = { 'L', 'U', 'K', 'S', (char) 0xba, (char) 0xbe };
        _cleanup_(closep) int fd = open(device, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        char buf[sizeof(magic)];
        ssize_t n = pread(fd, buf, sizeof(buf), 0);
        if (n < 0)
                return -errno;
        if ((size_t) n == sizeof(buf) && memcmp(buf, magic, sizeof(magic)) == 0)
                return -EBADMSG;
        return 0;
}

static int check_path(const char *path) {
        struct stat st;
        if (lstat(path, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode))
                return -ENOTSUP;
        return 0;
}

bool vault_location_same_file(const struct vault_location *loc) {
        struct stat a, b;
        if (!loc || !loc->device || !loc->header)
                return false;
        if (strcmp(loc->device, loc->header) == 0)
                return true;
        if (stat(loc->device, &a) < 0 || stat(loc->header, &b) < 0)
                return false;
        return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int vault_load(const struct vault_location *loc, struct crypt_device **ret) {
        if (!loc || !loc->device || !ret)
                return -EINVAL;
        vault_quiet_libcryptsetup();

        int r = check_path(loc->device);
        if (r == 0 && loc->header)
                r = check_path(loc->header);
        if (r == 0 && vault_location_same_file(loc))
                r = -EINVAL;
        if (r == 0 && loc->header)
                r = check_data_device(loc->device);
        if (r < 0)
                return r;

        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        r = loc->header ? crypt_init_data_device(&cd, loc->header, loc->device) : crypt_init(&cd, loc->device);
        if (r < 0)
                return r == -ENOMEM ? r : -EBADMSG;
        r = crypt_load(cd, CRYPT_LUKS2, NULL);
        if (r < 0)
                return vault_map_load_error(r);
        *ret = TAKE_PTR(cd);
        return 0;
}
