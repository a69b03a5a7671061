#include "cli/backup-rsync.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/run.h"
#include "cli/signals.h"
#include "shared/macros.h"

/* A relative SOURCE with a ':' before its first '/' would be a remote host to rsync: "./" in
 * front keeps it a local path. */
static char *local_path(const char *s) {
        const char *colon = strchr(s, ':'), *slash = strchr(s, '/');
        char *out;
        if (colon && (!slash || colon < slash) && s[0] != '/')
                return asprintf(&out, "./%s", s) < 0 ? NULL : out;
        return strdup(s);
}

static void free_argv(char **argv) {
        if (!argv)
                return;
        for (char **a = argv; *a; a++)
                free(*a);
        free(argv);
}

/* rsync -a [--info=progress2] [--delete] [--exclude=P]... -- SOURCE... DEST/ */
static int build_argv(const struct backup_rsync_params *p, char ***ret) {
        size_t n = 0, max = 6 + p->n_excludes + p->n_sources;
        char **argv = calloc(max, sizeof(char *));
        if (!argv)
                return -ENOMEM;
        int ok = (argv[n++] = strdup("rsync")) && (argv[n++] = strdup("-a"));
        if (ok && p->progress)
                ok = (argv[n++] = strdup("--info=progress2")) != NULL;
        if (ok && p->delete)
                ok = (argv[n++] = strdup("--delete")) != NULL;
        for (size_t i = 0; ok && i < p->n_excludes; i++)
                ok = asprintf(&argv[n++], "--exclude=%s", p->excludes[i]) >= 0;
        if (ok)
                ok = (argv[n++] = strdup("--")) != NULL;
        for (size_t i = 0; ok && i < p->n_sources; i++)
                ok = (argv[n++] = local_path(p->sources[i])) != NULL;
        if (ok)
                ok = asprintf(&argv[n++], "%s/", p->dest) >= 0;
        if (!ok) {
                argv[n - 1] = NULL; /* a failed asprintf leaves its pointer undefined */
                free_argv(argv);
                return -ENOMEM;
        }
        *ret = argv;
        return 0;
}

static void child(const char *path, char **argv) {
        static char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
        sigset_t none;
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        /* stdout is ykunlock's data channel: rsync's output and progress go to stderr. */
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
                _exit(127);
        execve(path, argv, env);
        _exit(127);
}

static void sleep_ms(long ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        (void) nanosleep(&ts, NULL); /* a signal ends it early: fine, the loop looks again */
}

/* Waits for pid; a caught signal is forwarded once, then SIGKILL after the grace time. */
static int wait_forwarding(pid_t pid, int *ret_status, int *ret_signal) {
        int forwarded = 0;
        long waited_ms = 0;
        for (;;) {
                int status;
                pid_t w = waitpid(pid, &status, WNOHANG);
                if (w < 0 && errno != EINTR)
                        return -errno;
                if (w == pid) {
                        *ret_status = WIFEXITED(status) ? WEXITSTATUS(status)
                                                        : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
                        *ret_signal = forwarded;
                        return 0;
                }
                int sig = cli_signal_caught();
                if (sig && !forwarded) {
                        (void) kill(pid, sig);
                        forwarded = sig;
                } else if (forwarded && waited_ms >= BACKUP_RSYNC_GRACE_S * 1000L) {
                        (void) kill(pid, SIGKILL);
                }
                sleep_ms(50);
                if (forwarded)
                        waited_ms += 50;
        }
}

int backup_rsync_run(const struct backup_rsync_params *p, int *ret_status, int *ret_signal) {
        char path[256];
        int r = cli_find_program("rsync", path, sizeof(path));
        if (r < 0)
                return r;
        char **argv = NULL;
        r = build_argv(p, &argv);
        if (r < 0)
                return r;
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
                r = -errno;
                free_argv(argv);
                return r;
        }
        if (pid == 0)
                child(path, argv);
        free_argv(argv);
        return wait_forwarding(pid, ret_status, ret_signal);
}

const char *backup_rsync_meaning(int status) {
        switch (status) {
        case 1:
                return "syntax or usage error";
        case 3:
                return "errors selecting input/output files, dirs";
        case 5:
                return "error starting client-server protocol";
        case 10:
                return "error in socket I/O";
        case 11:
                return "error in file I/O; is the vault full? ykunlock grow makes it larger";
        case 12:
                return "error in rsync protocol data stream";
        case 20:
                return "received SIGUSR1 or SIGINT";
        case 23:
                return "partial transfer due to error: some files were not copied";
        case 24:
                return "partial transfer due to vanished source files";
        case 30:
                return "timeout in data send/receive";
        default:
                return status > 128 ? "rsync was killed by a signal" : "see rsync(1), EXIT VALUES";
        }
}
