/* Vaults kept on a remote host (docs/remote.md): the image reached through sshfs under
 * /run/ykunlock/remote/NAME/, opened locally through a loop device that libcryptsetup makes.
 * Nothing secret goes to sshfs, ssh or the remote host: they carry ciphertext blocks only.
 *
 * A mount is run by a keeper: a child that calls setsid() and runs `sshfs -f` as its own child.
 * When sshfs ends while the mapping NAME still exists, the connection was lost: the keeper tears
 * the local stack down (remote_teardown) and reports through struct remote_report. */
#pragma once

#include <stdbool.h>

#include "shared/macros.h"
#include "shared/remote-url.h"

#define REMOTE_STATE_DIR "/run/ykunlock/remote"
/* Keepalives: OpenSSH ServerAliveInterval / ServerAliveCountMax, Dropbear -K (which gives up
 * after 3 unanswered; docs/protocol.md §11). A dead server is noticed within ~15 s. */
#define REMOTE_KEEPALIVE_S 5
#define REMOTE_KEEPALIVE_COUNT 3
/* How long the keeper waits for a busy mapping to let go after a loss, before it leaves it
 * as an error target (dmsetup remove --force). */
#define REMOTE_TEARDOWN_MS 10000

enum remote_event {
        REMOTE_EVENT_LOST,     /* sshfs ended while the mapping was open (r: its exit status) */
        REMOTE_EVENT_TORN_DOWN /* the local stack after a loss: r 0, or the first error */
};

struct remote_report {
        void (*report)(void *userdata, enum remote_event ev, const char *name, const char *host, int r);
        void *userdata;
};

struct remote_params {
        const char *ssh_command; /* "ssh" (NULL), "dbclient", a path, with arguments; no ',' */
        unsigned timeout_s;      /* for the mount to appear (connect, authenticate) */
        const struct remote_report *report; /* called by the keeper once the mount is kept */
};

struct remote_mount;

/* Checks an --ssh-command value (not empty, no ',' or control characters; 1..255 bytes).
 * -EINVAL otherwise. */
int remote_ssh_command_check(const char *cmd);

/* Mounts the directory of u's image with sshfs on a new directory REMOTE_STATE_DIR/m-PID-N
 * and waits for it (up to p->timeout_s). -ENOENT: sshfs is not installed; -ETIMEDOUT;
 * -EHOSTUNREACH: sshfs gave up (its own message, and ssh's, went to stderr). */
int remote_mount(const struct remote_url *u, const struct remote_params *p, struct remote_mount **ret);

/* The image's path in the mount, for libcryptsetup and the create code. */
const char *remote_mount_image(const struct remote_mount *m);

/* The mapping NAME is open on the image: the mount and its keeper stay after this process, and
 * REMOTE_STATE_DIR/NAME links to the mount's directory (for close). The keeper learns NAME
 * (through a pipe): from now on sshfs ending while NAME exists is a loss. */
int remote_mount_keep(struct remote_mount *m, const char *name);

/* Puts the loop device under the open mapping NAME, which must read m's image, into direct I/O
 * mode (LOOP_SET_DIRECT_IO): its writes then go to sshfs as direct writes instead of through
 * the FUSE file's page cache, whose strict dirty limit stalls large writes (docs/protocol.md
 * §11, "Large writes"). -ENOTBLK: NAME is not on a loop device of that image; the ioctl's
 * error (-EINVAL: the kernel cannot do direct I/O on that file) otherwise. */
int remote_mount_direct_io(const struct remote_mount *m, const char *name);

/* Unmounts (unless kept), waits for the keeper, frees. NULL is fine. */
void remote_mount_free(struct remote_mount *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct remote_mount *, remote_mount_free);

/* For `close NAME` after the mapping is gone: detaches a loop device left on the image, unmounts
 * the sshfs mount (lazily: a dead connection cannot hang it), removes the directory.
 * 0 when NAME had remote state and it is gone now, -ENOENT when NAME is not a remote vault.
 * *ret_lost tells that the keeper had torn it down already after a loss (then 0 too). */
int remote_detach(const char *name, bool *ret_lost);

/* True when NAME is a remote vault's mapping, or was one until its connection was lost. */
bool remote_is_attached(const char *name);

/* After a loss: lazy unmount of every file system on /dev/mapper/NAME, forced removal of the
 * mapping (CRYPT_DEACTIVATE_FORCE), loop detach, lazy unmount of the sshfs directory `dir`,
 * then NAME's link is replaced by the file NAME.lost. Returns 0 or the first error; it never
 * waits longer than REMOTE_TEARDOWN_MS for the mapping. */
int remote_teardown(const char *name, const char *dir);
