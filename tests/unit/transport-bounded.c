/* yk_run_with_deadline (src/transport/bounded.c): the result of work done in time, -ETIMEDOUT
 * on time for work that blocks, and the late work undone by abandon, exactly once. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

#include "shared/deadline.h"
#include "transport/bounded.h"

struct probe {
        long sleep_ms;
        int result;
        atomic_int abandoned;     /* abandon calls */
        atomic_int abandon_result;
};

static void sleep_ms(long ms) {
        struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        while (nanosleep(&t, &t) < 0 && errno == EINTR)
                ;
}

static int work(void *arg) {
        struct probe *p = arg;
        sleep_ms(p->sleep_ms);
        return p->result;
}

static void abandon(void *arg, int result) {
        struct probe *p = arg;
        atomic_store(&p->abandon_result, result);
        atomic_fetch_add(&p->abandoned, 1);
}

static void test_in_time(void **state) {
        struct probe p = { .sleep_ms = 0, .result = 7 };
        assert_int_equal(yk_run_with_deadline(work, abandon, &p, 1000), 7);
        p.result = -EUSERS;
        p.sleep_ms = 20;
        assert_int_equal(yk_run_with_deadline(work, abandon, &p, 1000), -EUSERS);
        sleep_ms(50);
        assert_int_equal(atomic_load(&p.abandoned), 0);
}

static void test_too_late(void **state) {
        static struct probe p = { .sleep_ms = 400, .result = 3 }; /* outlives the call */
        long t0 = now_ms();
        assert_int_equal(yk_run_with_deadline(work, abandon, &p, 100), -ETIMEDOUT);
        long took = now_ms() - t0;
        assert_true(took >= 90 && took < 350);
        assert_int_equal(atomic_load(&p.abandoned), 0); /* the work is still running */
        for (int i = 0; i < 200 && atomic_load(&p.abandoned) == 0; i++)
                sleep_ms(10);
        assert_int_equal(atomic_load(&p.abandoned), 1);
        assert_int_equal(atomic_load(&p.abandon_result), 3);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_in_time),
                cmocka_unit_test(test_too_late),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
