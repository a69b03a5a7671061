/* See ccid-mock.h. */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "ccid-mock.h"
#include "otp/frame-ccid.h"

size_t mock_hex(const char *hex, uint8_t *out, size_t cap) {
        size_t n = 0;
        int hi = -1;
        for (const char *p = hex; *p; p++) {
                if (isspace((unsigned char) *p))
                        continue;
                assert_true(isxdigit((unsigned char) *p));
                int v = isdigit((unsigned char) *p) ? *p - '0' : tolower((unsigned char) *p) - 'a' + 10;
                if (hi < 0) {
                        hi = v;
                        continue;
                }
                assert_true(n < cap);
                out[n++] = (uint8_t) (hi << 4 | v);
                hi = -1;
        }
        assert_int_equal(hi, -1); /* an even number of digits */
        return n;
}

int mock_transmit(void *userdata, const struct yk_deadline *dl, const uint8_t *apdu, size_t len, uint8_t *resp,
                  size_t cap, size_t *ret_len) {
        struct mock_card *card = userdata;
        uint8_t want[300];

        if (card->pos >= card->n)
                fail_msg("the host sent a command after the end of the script (step %zu)", card->pos);
        const struct mock_step *s = &card->steps[card->pos++];
        if (s->expect) {
                size_t n = mock_hex(s->expect, want, sizeof(want));
                assert_int_equal(len, n);
                assert_memory_equal(apdu, want, n);
        }
        if (s->error)
                return s->error;
        size_t n = mock_hex(s->answer, want, sizeof(want));
        assert_true(n <= cap);
        memcpy(resp, want, n);
        *ret_len = n;
        return 0;
}

void mock_close(void *userdata) {
        struct mock_card *card = userdata;
        card->closed++;
}

struct yk_conn *mock_conn(struct mock_card *card) {
        const struct yk_device dev = { .kind = YK_TRANSPORT_PCSC, .name = "Mock Reader 00 00" };
        const struct yk_ccid_io io = { .transmit = mock_transmit, .close = mock_close, .userdata = card };
        struct yk_conn *c = NULL;
        assert_int_equal(yk_ccid_conn_new(&dev, &io, &c), 0);
        assert_non_null(c);
        return c;
}

static void mock_touch(void *userdata) {
        struct mock_card *card = userdata;
        card->touches++;
        card->touch_at = card->pos;
}

struct yk_prompt mock_prompt(struct mock_card *card) {
        return (struct yk_prompt) { .touch = mock_touch, .userdata = card };
}

void mock_assert_done(const struct mock_card *card) {
        assert_int_equal(card->pos, card->n);
}
