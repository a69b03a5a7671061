/* See bounded.h. The job is shared by the caller and the helper thread and freed by whichever
 * lets go of it last; `abandoned` and `done` change under one lock, so exactly one side owns
 * arg at the end: the caller when the work was done in time, the helper otherwise. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "transport/bounded.h"

struct job {
        pthread_mutex_t lock;
        pthread_cond_t cond;
        unsigned refs;
        bool done, abandoned;
        int result;
        int (*work)(void *arg);
        void (*abandon)(void *arg, int result);
        void *arg;
};

/* Called with the lock held; releases it. */
static void job_unref_unlock(struct job *j) {
        bool last = --j->refs == 0;
        pthread_mutex_unlock(&j->lock);
        if (!last)
                return;
        pthread_cond_destroy(&j->cond);
        pthread_mutex_destroy(&j->lock);
        free(j);
}

static void *helper(void *p) {
        struct job *j = p;
        int r = j->work(j->arg);

        pthread_mutex_lock(&j->lock);
        j->result = r;
        j->done = true;
        bool abandoned = j->abandoned;
        pthread_cond_signal(&j->cond);
        pthread_mutex_unlock(&j->lock);
        if (abandoned)
                j->abandon(j->arg, r);
        pthread_mutex_lock(&j->lock);
        job_unref_unlock(j);
        return NULL;
}

static struct timespec deadline_after(long ms) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_sec += ms / 1000;
        t.tv_nsec += (ms % 1000) * 1000000L;
        if (t.tv_nsec >= 1000000000L) {
                t.tv_sec++;
                t.tv_nsec -= 1000000000L;
        }
        return t;
}

static int start_helper(struct job *j) {
        pthread_attr_t attr;
        pthread_t thread;

        if (pthread_attr_init(&attr) != 0)
                return -ENOMEM;
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int e = pthread_create(&thread, &attr, helper, j);
        pthread_attr_destroy(&attr);
        return -e;
}

static struct job *job_new(int (*work)(void *), void (*abandon)(void *, int), void *arg) {
        pthread_condattr_t attr;
        struct job *j = calloc(1, sizeof(*j));
        if (!j)
                return NULL;
        if (pthread_condattr_init(&attr) != 0) {
                free(j);
                return NULL;
        }
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&j->cond, &attr);
        pthread_condattr_destroy(&attr);
        pthread_mutex_init(&j->lock, NULL);
        j->refs = 2; /* the caller and the helper */
        j->work = work;
        j->abandon = abandon;
        j->arg = arg;
        return j;
}

int yk_run_with_deadline(int (*work)(void *arg), void (*abandon)(void *arg, int result), void *arg, long ms) {
        struct job *j = job_new(work, abandon, arg);
        if (!j || start_helper(j) < 0) {
                if (j) {
                        pthread_cond_destroy(&j->cond);
                        pthread_mutex_destroy(&j->lock);
                        free(j);
                }
                return work(arg); /* no thread to spare: unbounded, but still done */
        }
        const struct timespec deadline = deadline_after(ms);
        int r;
        pthread_mutex_lock(&j->lock);
        while (!j->done)
                if (pthread_cond_timedwait(&j->cond, &j->lock, &deadline) != 0)
                        break;
        if (j->done)
                r = j->result;
        else {
                j->abandoned = true;
                r = -ETIMEDOUT;
        }
        job_unref_unlock(j);
        return r;
}
