/* The deadline object (src/shared/deadline.c): what is left, when it has passed, and the
 * minimum every service call keeps (--timeout 0 still gives each call about 2 s). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "shared/deadline.h"

static void sleep_ms(long ms) {
        struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
        while (nanosleep(&t, &t) < 0)
                ;
}

static void test_now_is_monotonic(void **state) {
        uint64_t a = now_ms();
        sleep_ms(20);
        uint64_t b = now_ms();
        assert_true(b >= a + 20);
        assert_true(b < a + 2000);
}

static void test_left_and_passed(void **state) {
        struct yk_deadline d = yk_deadline_in(300);
        uint64_t left = yk_deadline_left_ms(&d);
        assert_true(left > 200 && left <= 300);
        assert_false(yk_deadline_passed(&d));
        sleep_ms(350);
        assert_int_equal(yk_deadline_left_ms(&d), 0);
        assert_true(yk_deadline_passed(&d));

        /* No deadline given: nothing left, but a call still gets the minimum. */
        assert_int_equal(yk_deadline_left_ms(NULL), 0);
        assert_true(yk_deadline_passed(NULL));
        assert_int_equal(yk_deadline_call_ms(NULL), YK_CALL_MIN_MS);
}

static void test_call_bound(void **state) {
        /* --timeout 0: only what is present now, yet each call gets the minimum. */
        struct yk_deadline now = yk_deadline_in(0);
        assert_int_equal(yk_deadline_call_ms(&now), YK_CALL_MIN_MS);
        /* Far away: a call may take what is left, never more. */
        struct yk_deadline far = yk_deadline_in(30000);
        long ms = yk_deadline_call_ms(&far);
        assert_true(ms > 29000 && ms <= 30000);
        /* Nearer than the minimum: the minimum. */
        struct yk_deadline near = yk_deadline_in(500);
        assert_int_equal(yk_deadline_call_ms(&near), YK_CALL_MIN_MS);
        /* No overflow at the end of time. */
        struct yk_deadline never = yk_deadline_in(UINT64_MAX);
        assert_true(never.end_ms == UINT64_MAX);
        assert_true(yk_deadline_call_ms(&never) > 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_now_is_monotonic),
                cmocka_unit_test(test_left_and_passed),
                cmocka_unit_test(test_call_bound),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
