#include "cli/progress.h"

#include "cli/signals.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "shared/deadline.h"

static double now(void) {
        return (double) now_ms() / 1e3;
}

void progress_begin(struct progress *p, const char *what) {
        *p = (struct progress) { .what = what, .draw = isatty(STDERR_FILENO) == 1, .start = now() };
        cli_signals_catch();
}

void progress_end(struct progress *p) {
        cli_signals_release();
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
        if (cli_signal_caught())
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
