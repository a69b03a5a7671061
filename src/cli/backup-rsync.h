/* Running rsync for `backup`: a fixed argv (paths and patterns only, never a secret), a fixed
 * environment, and a signal caught by ykunlock (cli/signals.h) forwarded to it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct backup_rsync_params {
        const char *const *sources;
        size_t n_sources;
        const char *dest;              /* the mount point; a '/' is appended */
        const char *const *excludes;   /* --exclude=PATTERN each */
        size_t n_excludes;
        bool delete;                   /* --delete */
        bool progress;                 /* --info=progress2 (stderr is a terminal) */
};

/* Runs rsync -a and waits for it. When a signal is caught meanwhile, it is sent on to rsync,
 * which gets BACKUP_RSYNC_GRACE_S seconds to stop before SIGKILL; *ret_signal is that signal
 * (0: none). *ret_status: rsync's exit status (128+n when it died of signal n). Returns 0, or a
 * negative errno when rsync could not be started (-ENOENT: not installed). */
#define BACKUP_RSYNC_GRACE_S 30
int backup_rsync_run(const struct backup_rsync_params *p, int *ret_status, int *ret_signal);

/* What rsync's exit status means, for the message ("partial transfer due to error", ...). */
const char *backup_rsync_meaning(int status);
