/* How long the plugin waits for an absent token: YKUNLOCK_TOKEN_TIMEOUT, one deadline per
 * process (systemd-cryptsetup 252 applies token-timeout= only to its own token types). */
#include "plugin/plugin.h"
#include "shared/deadline.h"
#include "shared/parse.h"

unsigned ykp_timeout_parse(const char *value) {
        uint64_t v;
        if (!value || parse_uint64(value, YKP_TIMEOUT_MAX_S, &v) < 0)
                return YK_TIMEOUT_DEFAULT_S;
        return (unsigned) v;
}

unsigned ykp_wait_remaining_s(struct ykp_wait *w, unsigned timeout_s) {
        uint64_t left = (uint64_t) timeout_s * 1000;
        pthread_mutex_lock(&w->lock);
        if (!w->started) {
                w->started = true;
                w->deadline = yk_deadline_in(left); /* all of it is left: no clock tick lost to rounding */
        } else
                left = yk_deadline_left_ms(&w->deadline);
        pthread_mutex_unlock(&w->lock);
        /* Whole seconds, rounded down: what is left of a second is not waited for again. */
        return (unsigned) (left / 1000);
}
