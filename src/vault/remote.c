/* The sshfs mount of a remote vault's directory and its keeper (remote.h, docs/remote.md). */
#include "vault/remote.h"

#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shared/deadline.h"

#define FUSE_SUPER_MAGIC 0x65735546
#define SSH_COMMAND_MAX 255

struct remote_mount {
        char dir[sizeof(REMOTE_STATE_DIR) + 64];
        char image[sizeof(REMOTE_STATE_DIR) + 64 + REMOTE_URL_PATH_MAX];
        pid_t keeper;
        int name_fd; /* the write end of the pipe that tells the keeper the mapping's name */
        bool kept;
};

int remote_ssh_command_check(const char *cmd) {
        size_t n = cmd ? strlen(cmd) : 0;
        if (n == 0 || n > SSH_COMMAND_MAX || cmd[0] == '-' || cmd[0] == ' ')
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) cmd[i] < 0x20 || cmd[i] == 0x7f || cmd[i] == ',')
                        return -EINVAL;
        return 0;
}

/* Dropbear's client takes -K for keepalives; it ignores OpenSSH's -o ServerAlive* (§11). */
static bool is_dbclient(const char *cmd) {
        size_t word = strcspn(cmd, " ");
        const char *base = cmd;
        for (size_t i = 0; i < word; i++)
                if (cmd[i] == '/')
                        base = cmd + i + 1;
        return (size_t) (cmd + word - base) == strlen("dbclient") && strncmp(base, "dbclient", 8) == 0;
}

static int make_dirs(struct remote_mount *m) {
        if (mkdir("/run/ykunlock", 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mkdir(REMOTE_STATE_DIR, 0700) < 0 && errno != EEXIST)
                return -errno;
        static unsigned counter;
        for (int i = 0; i < 100; i++) {
                snprintf(m->dir, sizeof(m->dir), "%s/m-%ld-%u", REMOTE_STATE_DIR, (long) getpid(), counter++);
                if (mkdir(m->dir, 0700) == 0)
                        return 0;
                if (errno != EEXIST)
                        return -errno;
        }
        return -EEXIST;
}

/* The keeper's child: sshfs in the foreground, with a fixed environment (HOME for the client's
 * keys and known_hosts). stdin is /dev/null: nothing can be typed to it.
 *
 * sshfs and its SSH client are the I/O path of the vault's loop device: when they allocate
 * memory, reclaim must not start I/O (it could wait for the vault's writeback, which waits for
 * them), and a write of theirs is throttled by the dirty pages of its own device, not of all
 * devices (the vault's among them). PR_SET_IO_FLUSHER asks both of the kernel; it
 * is inherited by threads and children and survives execve (docs/protocol.md §11). It needs
 * CAP_SYS_RESOURCE; without it the mount works as before, so a refusal is not an error. */
static void exec_sshfs(const char *source, const char *dir, const char *ssh_command, unsigned port) {
        char opt_cmd[SSH_COMMAND_MAX + 128], opt_port[16], home[300] = "HOME=/";
        const struct passwd *pw = getpwuid(geteuid());
        if (pw && pw->pw_dir && strlen(pw->pw_dir) < sizeof(home) - 6)
                snprintf(home, sizeof(home), "HOME=%s", pw->pw_dir);
        char *env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", home, NULL };
        const char *argv[16];
        int n = 0;
        argv[n++] = "sshfs";
        argv[n++] = "-f";
        if (is_dbclient(ssh_command)) {
                snprintf(opt_cmd, sizeof(opt_cmd), "ssh_command=%s -K %d", ssh_command, REMOTE_KEEPALIVE_S);
                argv[n++] = "-o";
                argv[n++] = opt_cmd;
        } else {
                /* Compression=no: the vault's blocks are ciphertext, which does not compress; a
                 * user's ssh_config asking for compression would only spend CPU on both ends. */
                snprintf(opt_cmd, sizeof(opt_cmd),
                         "ssh_command=%s,ServerAliveInterval=%d,ServerAliveCountMax=%d,BatchMode=yes,Compression=no",
                         ssh_command, REMOTE_KEEPALIVE_S, REMOTE_KEEPALIVE_COUNT);
                argv[n++] = "-o";
                argv[n++] = opt_cmd;
        }
        if (port) {
                snprintf(opt_port, sizeof(opt_port), "%u", port);
                argv[n++] = "-p";
                argv[n++] = opt_port;
        }
        argv[n++] = "--";
        argv[n++] = source;
        argv[n++] = dir;
        argv[n] = NULL;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
                _exit(127);
        (void) prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0);
        static const char *const paths[] = { "/usr/bin/sshfs", "/bin/sshfs", "/usr/local/bin/sshfs" };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                execve(paths[i], (char *const *) argv, env);
        _exit(127);
}

/* A mapping of that name exists (open, suspended or an error target left by a forced removal). */
static bool mapping_exists(const char *name) {
        crypt_status_info s = crypt_status(NULL, name);
        return s == CRYPT_ACTIVE || s == CRYPT_BUSY;
}

/* The mapping's name, once remote_mount_keep() wrote it; "" before (non-blocking read). */
static void read_name(int fd, char *buf, size_t len) {
        ssize_t n = read(fd, buf, len - 1);
        buf[n > 0 ? n : 0] = '\0';
        if (strchr(buf, '/'))
                buf[0] = '\0';
}

/* Waits for sshfs (`child`) to end; returns its wait status. Until then, once the command that
 * started the keeper closes its end of the pipe without a name (it is done with the mount, or
 * it was killed: SIGKILL, or a signal a header verb does not catch), the mount is detached, so
 * that no temporary mount outlives its command. *ret_name: the name read, "" if none. */
static int wait_sshfs(pid_t child, int name_fd, const char *dir, char *ret_name, size_t len) {
        bool told = false;
        ret_name[0] = '\0';
        for (;;) {
                int status;
                pid_t w = waitpid(child, &status, told ? 0 : WNOHANG);
                if (w == child) {
                        if (!told)
                                read_name(name_fd, ret_name, len);
                        return status;
                }
                if (w < 0 && errno != EINTR)
                        return 0;
                if (told)
                        continue;
                struct pollfd pfd = { .fd = name_fd, .events = POLLIN };
                if (poll(&pfd, 1, /* timeout= */ 200) <= 0)
                        continue;
                read_name(name_fd, ret_name, len);
                told = true;
                if (!ret_name[0])
                        (void) umount2(dir, MNT_DETACH);
        }
}

/* The keeper: runs sshfs, and when it ends while the mapping named through `name_fd` exists,
 * tears down and reports. Its exit status is sshfs's (127: sshfs could not be run). */
static _Noreturn void keeper(const char *source, const char *dir, int name_fd, const struct remote_url *u,
                             const struct remote_params *p) {
        (void) setsid();
        signal(SIGINT, SIG_IGN);
        signal(SIGHUP, SIG_IGN);
        signal(SIGTERM, SIG_DFL);
        pid_t child = fork();
        if (child < 0)
                _exit(127);
        if (child == 0)
                exec_sshfs(source, dir, p->ssh_command ? p->ssh_command : "ssh", u->port);
        char name[256];
        int status = wait_sshfs(child, name_fd, dir, name, sizeof(name));
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (!name[0])
                (void) rmdir(dir);
        if (!name[0] || !mapping_exists(name))
                _exit(code);
        if (p->report)
                p->report->report(p->report->userdata, REMOTE_EVENT_LOST, name, u->host, code);
        int r = remote_teardown(name, dir);
        if (p->report)
                p->report->report(p->report->userdata, REMOTE_EVENT_TORN_DOWN, name, u->host, r);
        _exit(code);
}

/* The keeper's stdio: stdin and stdout /dev/null; stderr kept where a late message can only be
 * read (a terminal, the journal's socket, a file), /dev/null when it is a pipe that a caller
 * may read to its end (it would wait for the keeper). */
static void keeper_stdio(void) {
        struct stat st;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null < 0)
                _exit(127);
        (void) dup2(null, STDIN_FILENO);
        (void) dup2(null, STDOUT_FILENO);
        if (fstat(STDERR_FILENO, &st) == 0 && S_ISFIFO(st.st_mode))
                (void) dup2(null, STDERR_FILENO);
}

static int wait_mounted(struct remote_mount *m, unsigned timeout_s) {
        struct yk_deadline d = yk_deadline_in((uint64_t) timeout_s * 1000);
        for (;;) {
                int status;
                pid_t w = waitpid(m->keeper, &status, WNOHANG);
                if (w == m->keeper) {
                        m->keeper = -1;
                        return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EHOSTUNREACH;
                }
                struct statfs sf;
                if (statfs(m->dir, &sf) == 0 && sf.f_type == FUSE_SUPER_MAGIC)
                        return 0;
                if (yk_deadline_passed(&d))
                        return -ETIMEDOUT;
                nanosleep(&(struct timespec) { .tv_nsec = 50 * 1000 * 1000 }, NULL);
        }
}

/* Stops a keeper that is not kept: its mount is unmounted lazily (a dead connection cannot
 * hang it), which ends sshfs, and so the keeper. */
static void stop(struct remote_mount *m) {
        if (m->name_fd >= 0) {
                close(m->name_fd);
                m->name_fd = -1;
        }
        if (umount2(m->dir, 0) < 0)
                (void) umount2(m->dir, MNT_DETACH);
        if (m->keeper > 0) {
                struct yk_deadline d = yk_deadline_in(5000);
                int status;
                while (waitpid(m->keeper, &status, WNOHANG) == 0) {
                        if (yk_deadline_passed(&d)) {
                                (void) kill(-m->keeper, SIGKILL);
                                (void) waitpid(m->keeper, &status, 0);
                                break;
                        }
                        nanosleep(&(struct timespec) { .tv_nsec = 20 * 1000 * 1000 }, NULL);
                }
                m->keeper = -1;
        }
        (void) rmdir(m->dir);
}

static int start(struct remote_mount *m, const struct remote_url *u, const struct remote_params *p) {
        char source[REMOTE_URL_USER_MAX + REMOTE_URL_HOST_MAX + REMOTE_URL_PATH_MAX + 8];
        int r = remote_url_sshfs_source(u, source, sizeof(source));
        if (r < 0)
                return r;
        r = make_dirs(m);
        if (r < 0)
                return r;
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0) {
                r = -errno;
                (void) rmdir(m->dir);
                return r;
        }
        fflush(stdout);
        fflush(stderr);
        m->keeper = fork();
        if (m->keeper < 0) {
                r = -errno;
                close(fds[0]);
                close(fds[1]);
                (void) rmdir(m->dir);
                return r;
        }
        if (m->keeper == 0) {
                close(fds[1]);
                (void) fcntl(fds[0], F_SETFL, O_NONBLOCK);
                keeper_stdio();
                keeper(source, m->dir, fds[0], u, p);
        }
        close(fds[0]);
        m->name_fd = fds[1];
        r = wait_mounted(m, p->timeout_s);
        if (r < 0)
                stop(m);
        return r;
}

int remote_mount(const struct remote_url *u, const struct remote_params *p, struct remote_mount **ret) {
        if (!u || !p || !ret || (p->ssh_command && remote_ssh_command_check(p->ssh_command) < 0))
                return -EINVAL;
        _cleanup_(freep) struct remote_mount *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->keeper = -1;
        m->name_fd = -1;
        int r = start(m, u, p);
        if (r < 0)
                return r;
        snprintf(m->image, sizeof(m->image), "%s/%s", m->dir, strrchr(u->path, '/') + 1);
        *ret = TAKE_PTR(m);
        return 0;
}

const char *remote_mount_image(const struct remote_mount *m) {
        return m->image;
}

int remote_mount_keep(struct remote_mount *m, const char *name) {
        char link[sizeof(REMOTE_STATE_DIR) + 300], lost[sizeof(link) + 8];
        size_t n = strlen(name);
        if (n == 0 || n > 255 || strchr(name, '/') || name[0] == '.')
                return -EINVAL;
        snprintf(link, sizeof(link), "%s/%s", REMOTE_STATE_DIR, name);
        snprintf(lost, sizeof(lost), "%s.lost", link);
        /* The mapping NAME did not exist before this open: what is left under its name is stale. */
        (void) unlink(link);
        (void) unlink(lost);
        if (symlink(strrchr(m->dir, '/') + 1, link) < 0)
                return -errno;
        /* A keeper that is gone already (the connection dropped during the unlock) closed the
         * pipe: EPIPE, not a SIGPIPE that would kill this command with the mapping open. */
        void (*old)(int) = signal(SIGPIPE, SIG_IGN);
        ssize_t w = write(m->name_fd, name, n);
        int e = errno;
        signal(SIGPIPE, old);
        if (w != (ssize_t) n) {
                (void) unlink(link);
                return w < 0 ? -e : -EIO;
        }
        close(m->name_fd);
        m->name_fd = -1;
        m->kept = true;
        return 0;
}

void remote_mount_free(struct remote_mount *m) {
        if (!m)
                return;
        if (!m->kept)
                stop(m);
        free(m);
}

bool remote_is_attached(const char *name) {
        char link[sizeof(REMOTE_STATE_DIR) + 300], lost[sizeof(link) + 8];
        struct stat st;
        snprintf(link, sizeof(link), "%s/%s", REMOTE_STATE_DIR, name);
        snprintf(lost, sizeof(lost), "%s.lost", link);
        return lstat(link, &st) == 0 || lstat(lost, &st) == 0;
}
