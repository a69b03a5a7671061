/* The host's parsing of card answers: the fuzzer's bytes are the answers of a raw APDU
 * exchanger, fed through the real framing (src/otp/frame-ccid.c) and the OTP commands
 * (src/otp/applet.c, discover.c). Whatever a card answers, the host must not crash, over-read,
 * leak, or claim success with an answer of the wrong size.
 *
 * The answer parsers allocate nothing; the connection and discovery's device and token lists
 * do, and each input fails one of those allocations of its own choosing (alloc-fail.h): then
 * the only allowed outcome is -ENOMEM, and nothing may leak.
 *
 * Input: one byte of options, then answers, each a length byte and that many bytes
 * (0xFE: 258 bytes, a full short answer; 0xFF: the next byte picks a raw-layer error).
 * When the input runs out, the card is gone (-ENOMEDIUM). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otp/applet.h"
#include "otp/config.h"
#include "otp/discover.h"
#include "otp/frame-ccid.h"

#include "alloc-fail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct stream {
        const uint8_t *p;
        size_t left;
};

static struct stream input;

static int fuzz_transmit(void *userdata, const struct yk_deadline *dl, const uint8_t *apdu, size_t len,
                         uint8_t *resp, size_t cap, size_t *ret_len) {
        static const int errors[] = { -ENOMEDIUM, -ECONNRESET, -EIO, -EUSERS, -EPROTO, -EHOSTDOWN };
        struct stream *s = userdata;

        if (len < 4 || len > 5 + 255)
                abort(); /* the host framed a command that is not a short APDU */
        if (s->left == 0)
                return -ENOMEDIUM;
        uint8_t l = *s->p++;
        s->left--;
        if (l == 0xff) {
                uint8_t e = s->left ? *s->p++ : 0;
                s->left -= s->left ? 1 : 0;
                return errors[e % (sizeof(errors) / sizeof(errors[0]))];
        }
        size_t n = l == 0xfe ? 258 : l;
        if (n > s->left)
                n = s->left;
        if (n > cap)
                return -EIO; /* what PC/SC says when the answer does not fit */
        memcpy(resp, s->p, n);
        s->p += n;
        s->left -= n;
        *ret_len = n;
        return 0;
}

static struct yk_conn *fuzz_conn(void) {
        const struct yk_device dev = { .kind = YK_TRANSPORT_PCSC, .name = "Fuzz Reader 00 00" };
        const struct yk_ccid_io io = { .transmit = fuzz_transmit, .close = NULL, .userdata = &input };
        struct yk_conn *c = NULL;
        int r = yk_ccid_conn_new(&dev, &io, &c);
        if (r == -ENOMEM && alloc_fail_fired())
                return NULL;
        if (r < 0)
                abort();
        return c;
}

static int fuzz_enumerate(const struct yk_deadline *dl, struct yk_device_list *list) {
        struct yk_device d = { .kind = YK_TRANSPORT_PCSC, .name = "Fuzz Reader 00 00" };
        int r = yk_device_list_append(list, &d);
        if (r == 0) {
                d.name[12] = '1';
                r = yk_device_list_append(list, &d);
        }
        return r;
}

static int fuzz_open(const struct yk_device *dev, const struct yk_deadline *dl, void **ret) {
        *ret = &input;
        return 0;
}

static const struct yk_backend fuzz_backend = {
        .name = "fuzz",
        .kind = YK_TRANSPORT_PCSC,
        .enumerate = fuzz_enumerate,
        .open = fuzz_open,
        .transmit = fuzz_transmit,
};

static void noop_touch(void *userdata) {
}

static void run_commands(struct yk_conn *c, uint8_t options) {
        struct yk_otp_status st = { .version = { 5, 4, 3 }, .pgm_seq = 1, .touch_level = 0x03 };
        struct yk_otp_status after;
        uint8_t chal[32] = { 0 };
        struct yk_response resp;
        const struct yk_slot_config config = { 0 };
        const struct yk_prompt prompt = { .touch = noop_touch };
        uint32_t serial;
        int slot = options & 1 ? 2 : 1;

        if (yk_otp_select(c, &st) == 0 && (options & 2))
                st.touch_level |= 0x03; /* challenge even if the card says the slot is empty */
        (void) yk_otp_read_serial(c, &serial);
        chal[31] = options; /* ends in 0x00 half of the time: the other padding */
        if (yk_otp_challenge_hmac(c, &st, slot, chal, sizeof(chal), &prompt, &resp) == 0 && resp.bytes[0] == 0x5a)
                chal[0] = 1; /* read the answer: MSan/ASan see use of anything uninitialised */
        (void) yk_otp_write_config(c, &st, slot, &config, (options & 4) ? chal : NULL, &after);
        (void) yk_otp_delete_slot(c, &st, slot, NULL, &after);
}

static void run_discovery(void) {
        const struct yk_backend *const backends[] = { &fuzz_backend, NULL };
        struct yk_token_list list = { 0 };
        struct yk_conn *c = NULL;

        if (yk_tokens_discover(backends, NULL, /* dl= */ NULL, &list) < 0)
                return;
        for (size_t i = 0; i < list.n; i++) {
                if (yk_token_open(backends, &list.items[i], /* dl= */ NULL, &c, NULL) == 0) {
                        run_commands(c, (uint8_t) i);
                        yk_conn_close(c);
                }
        }
        yk_token_list_free(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        uint8_t options = data[0];
        input = (struct stream) { .p = data + 1, .left = size - 1 };
        alloc_fail_from_input(data, size);

        if (options & 0x80)
                run_discovery();
        else {
                struct yk_conn *c = fuzz_conn();
                if (c)
                        run_commands(c, options);
                yk_conn_close(c);
        }
        alloc_fail_at(0);
        return 0;
}
