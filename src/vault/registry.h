/* The vaults that open when their token is plugged in: /etc/ykunlock/vaults (docs/plug-in.md).
 *
 * One vault a line, crypttab-like, fields separated by blanks, `#` starts a comment line:
 *
 *     SOURCE  NAME  [MOUNTPOINT|-]  [OPTION,OPTION,...]
 *
 * SOURCE is an absolute path (image file or block device), UUID=… or LABEL=… (the LUKS2 UUID
 * or label). NAME is the device-mapper name. MOUNTPOINT is an absolute path, or `-` for none;
 * when only three fields are given, the third is the mount point if it starts with `/` or is
 * `-`, else the options. Options: noauto, readonly (or read-only), on-remove=nothing|close|
 * suspend, header=PATH (a detached header), mountopts=OPTS (it must come last: the rest of the
 * field, commas included, is given to mount -o).
 *
 * The parser never prints and never stops at a bad line: a bad line is recorded (line number,
 * errno, message) and skipped, and the other lines are kept. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define VAULT_REGISTRY_PATH      "/etc/ykunlock/vaults"
#define VAULT_REGISTRY_MAX_SIZE  (1u << 20) /* a bigger file is refused as a whole (-EFBIG) */
#define VAULT_REGISTRY_LINE_MAX  4096
#define VAULT_REGISTRY_NAME_MAX  127 /* device-mapper names: 128 bytes with the NUL */

enum vault_source_kind {
        VAULT_SOURCE_PATH,
        VAULT_SOURCE_UUID,
        VAULT_SOURCE_LABEL,
};

enum vault_on_remove {
        VAULT_ON_REMOVE_NOTHING, /* the default */
        VAULT_ON_REMOVE_CLOSE,   /* unmount, then close */
        VAULT_ON_REMOVE_SUSPEND, /* luksSuspend: the volume key leaves the kernel, I/O waits */
};

struct vault_config {
        unsigned line;
        enum vault_source_kind source_kind;
        char *source;     /* the path, or the value after UUID= / LABEL= */
        char *name;       /* device-mapper name */
        char *mountpoint; /* NULL: none */
        char *mountopts;  /* NULL: none (only with a mount point) */
        char *header;     /* NULL: the header is on the source */
        bool noauto;      /* not opened on insertion (status still shows it) */
        bool readonly;
        enum vault_on_remove on_remove;
};

struct vault_config_error {
        unsigned line;    /* 0: the file as a whole */
        int error;        /* negative errno: -EINVAL (syntax), -EEXIST (duplicate name/mount) */
        char message[160];
};

struct vault_registry {
        struct vault_config *vaults; /* in file order */
        size_t n_vaults;
        struct vault_config_error *errors; /* in file order */
        size_t n_errors;
};

/* Parses `size` bytes (need not be NUL-terminated). Bad lines go to ret->errors; the return
 * is 0 even then. Only -ENOMEM (and -EFBIG for more than VAULT_REGISTRY_MAX_SIZE) fail the
 * whole parse, and leave *ret untouched. */
int vault_registry_parse(const char *text, size_t size, struct vault_registry *ret);

/* Reads and parses `path` (NULL: VAULT_REGISTRY_PATH). -ENOENT when it does not exist, other
 * errors of open/read as they come. */
int vault_registry_load(const char *path, struct vault_registry *ret);

void vault_registry_free(struct vault_registry *r);

const char *vault_on_remove_name(enum vault_on_remove a); /* "nothing", "close", "suspend" */

/* The device node or file to open: the path itself, /dev/disk/by-uuid/UUID or
 * /dev/disk/by-label/LABEL (udev links those for LUKS devices; a label is escaped the way
 * udev does: `/`, blanks and other unsafe bytes as \xNN). Returns a malloc'ed string. */
int vault_config_device(const struct vault_config *c, char **ret);
