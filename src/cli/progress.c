#include "cli/progress.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "shared/deadline.h"

static volatile sig_atomic_t interrupted;
static struct sigaction saved_int, saved_term;

static void on_signal(int sig) {
        (void) sig;
        interrupted = 1;
}

static double now(void) {
        return (double) now_ms() / 1e3;
}

void progress_begin(struct progress *p, const char *what) {
        *p = (struct progress) { .what = what, .draw = isatty(STDERR_FILENO) == 1, .start = now() };
        interrupted = 0;
        struct sigaction sa = { .sa_handler = on_signal };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &saved_int);
        sigaction(SIGTERM, &sa, &saved_term);
}

void progress_end(struct progress *p) {
        sigaction(SIGINT, &saved_int, NULL);
        sigaction(SIGTERM, &saved_term, NULL);
        (void) p;
}

static void format_duration(double s, char buf[32]) {
        unsigned long t = s > 0 && s < 360000 ? (unsigned long) (s + 0.5) : 0;
        if (t >= 3600)
                snprintf(buf, 32, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
        else
                snprintf(buf, 32, "%lu:%02lu", t / 60, t % 60);
}

static void draw(const struct progress *p, uint64_t done, uint64_t total, double t) {
        double elapsed = t - p->start;
        double rate = elapsed > 0 ? (double) done / elapsed : 0; /* bytes per second */
        unsigned percent = total ? (unsigned) (done * 100 / total) : 100;
        char left[32];
        format_duration(rate > 0 ? (double) (total - done) / rate : 0, left);
        char bar[21];
        for (unsigned i = 0; i < 20; i++)
                bar[i] = i < percent / 5 ? '#' : '.';
        bar[20] = '\0';
        fprintf(stderr, "\r%s [%s] %3u%%  %6.1f MB/s  %s left ", p->what, bar, percent, rate / 1e6,
                done == total ? "0:00" : left);
        if (done == total)
                fputc('\n', stderr);
        fflush(stderr);
}

int progress_update(void *userdata, uint64_t done, uint64_t total) {
        struct progress *p = userdata;
        if (interrupted)
                return -ECANCELED;
        if (!p->draw)
                return 0;
        double t = now();
        if (done != total && t - p->last < 0.2)
                return 0;
        p->last = t;
        draw(p, done, total, t);
        return 0;
}
