/* Header backup and restore: the LUKS2 header (both binary headers, the JSON areas and the
 * keyslot area) saved into a file of its own and written back, through libcryptsetup's
 * crypt_header_backup / crypt_header_restore. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vault/internal.h"

/* libcryptsetup asks its confirm callback before overwriting a header; the edge has asked the
 * person already (with the changes in front of them), so the answer here is yes. */
static int confirm_yes(const char *msg, void *usrptr) {
        (void) msg;
        (void) usrptr;
        return 1;
}

/* libcryptsetup says -EINVAL for any file it cannot create: tell the missing directory apart. */
static int check_directory(const char *file) {
        char copy[PATH_MAX];
        if (snprintf(copy, sizeof(copy), "%s", file) >= (int) sizeof(copy))
                return -ENAMETOOLONG;
        struct stat st;
        if (stat(dirname(copy), &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int vault_header_backup(const struct vault_location *loc, const char *file) {
        if (!loc || !file)
                return -EINVAL;
        struct stat st;
        if (lstat(file, &st) == 0)
                return -EEXIST;
        if (errno != ENOENT)
                return -errno;
        int r = check_directory(file);
        if (r < 0)
                return r;
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        r = vault_load_vault(loc, &v);
        if (r < 0)
                return r;
        /* The file is created with O_EXCL and mode 0400 by libcryptsetup. */
        r = crypt_header_backup(v->cd, CRYPT_LUKS2, file);
        if (r < 0) {
                /* A half-written backup is worse than none: it would restore garbage. */
                if (r != -EEXIST)
                        (void) unlink(file);
                return r;
        }
        return 0;
}

/* The header of a backup file: a LUKS2 header file whose data would start at 0. */
static int read_backup(const char *file, struct vault_info *ret) {
        struct stat st;
        if (lstat(file, &st) < 0)
                return -errno;
        if (S_ISLNK(st.st_mode))
                return -ELOOP;
        if (!S_ISREG(st.st_mode))
                return -ENOTSUP;
        struct vault_location backup = { .device = file };
        int r = vault_list(&backup, ret);
        return r == -ENOENT || r == -EACCES || r == -ENOMEM ? r : r < 0 ? -EBADMSG : 0;
}

int vault_header_restore_plan(const struct vault_location *loc, const char *file, struct vault_restore_plan *ret) {
        if (!loc || !file || !ret)
                return -EINVAL;
        struct vault_restore_plan p = {};
        int r = read_backup(file, &p.backup);
        if (r < 0)
                return r == -EBADMSG ? -EMEDIUMTYPE : r;
        r = vault_list(loc, &p.current);
        if (r == 0)
                p.current_readable = true;
        else if (r != -EBADMSG) {
                vault_info_free(&p.backup);
                return r; /* not there, not a file, permission: nothing to restore onto */
        }
        if (p.current_readable && strcmp(p.current.uuid, p.backup.uuid) != 0) {
                *ret = p; /* the caller names both UUIDs */
                return -EXDEV;
        }
        *ret = p;
        return 0;
}

void vault_restore_plan_free(struct vault_restore_plan *p) {
        if (!p)
                return;
        vault_info_free(&p->backup);
        vault_info_free(&p->current);
}

int vault_header_restore(const struct vault_location *loc, const char *file) {
        /* Checked again right before the write: the header may have changed while a person read
         * the plan. */
        _cleanup_(vault_restore_plan_free) struct vault_restore_plan p = {};
        int r = vault_header_restore_plan(loc, file, &p);
        if (r < 0)
                return r;
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        r = loc->header ? crypt_init_data_device(&cd, loc->header, loc->device) : crypt_init(&cd, loc->device);
        if (r < 0)
                return r;
        crypt_set_confirm_callback(cd, confirm_yes, NULL);
        r = crypt_header_restore(cd, CRYPT_LUKS2, file);
        if (r < 0)
                return r == -ENOMEM || r == -EACCES || r == -EIO || r == -ENOSPC ? r : -EBADMSG;
        return 0;
}
