/* A progress bar on stderr while create fills the image: percent, MB/s and time left. Drawn
 * only when stderr is a terminal. Also how a fill is interrupted cleanly (Ctrl-C). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct progress {
        const char *what;   /* "writing random data" */
        bool draw;          /* stderr is a terminal */
        double start, last; /* seconds (monotonic) */
};

/* Starts a bar and catches SIGINT/SIGTERM/SIGHUP until progress_end() (cli/signals.h), so that
 * the callback can cancel the fill (vault_create then removes what it created) before main()
 * re-raises the signal. */
void progress_begin(struct progress *p, const char *what);
void progress_end(struct progress *p);

/* The vault_create_params.progress callback: -ECANCELED after SIGINT/SIGTERM/SIGHUP. */
int progress_update(void *userdata, uint64_t done, uint64_t total);
