#include "cli/signals.h"

#include <signal.h>
#include <stddef.h>

static const int stopping[] = { SIGINT, SIGTERM, SIGHUP };
static struct sigaction saved[3];
static volatile sig_atomic_t caught;
static unsigned depth;

static void on_signal(int sig) {
        if (!caught)
                caught = sig;
}

void cli_signals_catch(void) {
        if (depth++ > 0)
                return;
        /* No SA_RESTART: a read() at a prompt returns EINTR instead of waiting on. */
        struct sigaction sa = { .sa_handler = on_signal };
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < sizeof(stopping) / sizeof(stopping[0]); i++)
                (void) sigaction(stopping[i], &sa, &saved[i]);
}

void cli_signals_release(void) {
        if (depth == 0 || --depth > 0)
                return;
        for (size_t i = 0; i < sizeof(stopping) / sizeof(stopping[0]); i++)
                (void) sigaction(stopping[i], &saved[i], NULL);
}

int cli_signal_caught(void) {
        return caught;
}

void cli_signal_note(int sig) {
        if (!caught)
                caught = sig;
}

void cli_signals_reraise(void) {
        int sig = caught;
        if (!sig)
                return;
        struct sigaction dfl = { .sa_handler = SIG_DFL };
        sigemptyset(&dfl.sa_mask);
        (void) sigaction(sig, &dfl, NULL);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        (void) sigprocmask(SIG_UNBLOCK, &set, NULL);
        (void) raise(sig);
}
