/* The wait for a touch: the emulated person touches after touch_ms, or never; the key gives
 * up after touch_timeout_ms (15 s on a real key) and then answers 69 85. */
#include <time.h>

#include "card-internal.h"

#define STEP_MS 20 /* how often a wait looks at the cancel flag */

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        (void) nanosleep(&ts, NULL); /* a signal may end it early: the caller looks at cancel */
}

/* Sleeps `ms` in short steps; false when cancelled. */
static bool wait_ms(const struct ykemu_card *card, unsigned ms) {
        while (ms > 0) {
                if (card->opt.cancel && *card->opt.cancel)
                        return false;
                unsigned step = ms < STEP_MS ? ms : STEP_MS;
                sleep_ms(step);
                ms -= step;
        }
        return !(card->opt.cancel && *card->opt.cancel);
}

bool ykemu_wait_touch(const struct ykemu_card *card) {
        const struct ykemu_options *o = &card->opt;
        if (card->touch_given)
                return true;
        if (o->touch == YKEMU_TOUCH_NEVER || o->touch_ms >= o->touch_timeout_ms) {
                (void) wait_ms(card, o->touch_timeout_ms);
                return false;
        }
        return wait_ms(card, o->touch_ms);
}
