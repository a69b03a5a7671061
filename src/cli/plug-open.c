/* plug-open.h: the device-mapper table and the mount of each vault of an insertion, in child
 * processes running at once. Processes, not threads: libdevmapper (under libcryptsetup) is not
 * thread-safe, and each activation waits for udev on its own (docs/protocol.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/plug-common.h"
#include "cli/plug-open.h"
#include "cli/run.h"
#include "cli/vault-common.h"
#include "shared/macros.h"

/* More vaults than this wait for a child to end: a file lists a handful. */
#define PLUG_MAX_CHILDREN 16

static int mount_vault(const struct vault_config *c) {
        char dev[300], opts[1100];
        if (cli_mapper_path(c->name, dev, sizeof(dev)) < 0)
                return -EINVAL;
        snprintf(opts, sizeof(opts), "%s%s%s", c->readonly ? "ro" : "", c->readonly && c->mountopts ? "," : "",
                 c->mountopts ? c->mountopts : "");
        const char *argv_opts[] = { "mount", "-o", opts, "--", dev, c->mountpoint, NULL };
        const char *argv_plain[] = { "mount", "--", dev, c->mountpoint, NULL };
        return cli_run(opts[0] ? argv_opts : argv_plain);
}

/* One vault: its table, then its mount; its line. Returns an exit code. */
static int activate_one(const struct plug_open *j) {
        const struct vault_config *c = j->config;
        int r = vault_open_activate(j->prep);
        if (r < 0)
                return cli_error(r, "%s: not opened: %s", c->name, plug_strerror(r));
        if (!c->mountpoint) {
                cli_info("%s: opened with token %u", c->name, j->serial);
                return EXIT_OK;
        }
        r = mount_vault(c);
        if (r != 0)
                return cli_error(-EIO, "%s: opened with token %u, but mount on %s failed (%s %d)", c->name, j->serial,
                                 c->mountpoint, r < 0 ? "error" : "exit status", r);
        cli_info("%s: opened with token %u, mounted on %s", c->name, j->serial, c->mountpoint);
        return EXIT_OK;
}

/* Waits for one child and records its exit code. Returns false when there is none left. */
static bool reap_one(struct plug_open *jobs, pid_t *pids, size_t n) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, 0)) < 0)
                if (errno != EINTR)
                        return false;
        for (size_t i = 0; i < n; i++) {
                if (pids[i] != pid)
                        continue;
                pids[i] = 0;
                if (WIFEXITED(status))
                        jobs[i].code = WEXITSTATUS(status);
                else {
                        jobs[i].code = EXIT_INTERNAL;
                        cli_info("%s: the process opening it ended by signal %d", jobs[i].config->name,
                                 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
                }
        }
        return true;
}

void plug_open_all(struct plug_open *jobs, size_t n) {
        _cleanup_(freep) pid_t *pids = calloc(n ? n : 1, sizeof(*pids));
        size_t running = 0;
        for (size_t i = 0; i < n; i++) {
                if (!jobs[i].prep)
                        continue;
                if (running == PLUG_MAX_CHILDREN && reap_one(jobs, pids, n))
                        running--;
                fflush(stdout);
                fflush(stderr);
                pid_t pid = pids ? fork() : -1;
                if (pid == 0) {
                        /* This child opens vault i only: it wipes the other vaults' keys it
                         * inherited, so that each process holds one vault's key. */
                        for (size_t k = 0; k < n; k++)
                                if (k != i)
                                        vault_prepared_wipe_key(jobs[k].prep);
                        int code = activate_one(&jobs[i]);
                        vault_prepared_free(TAKE_PTR(jobs[i].prep));
                        fflush(stderr);
                        _exit(code);
                }
                if (pid < 0)
                        jobs[i].code = activate_one(&jobs[i]);
                else {
                        pids[i] = pid;
                        running++;
                }
        }
        while (running > 0 && reap_one(jobs, pids, n))
                running--;
        for (size_t i = 0; i < n; i++)
                vault_prepared_free(TAKE_PTR(jobs[i].prep));
}
