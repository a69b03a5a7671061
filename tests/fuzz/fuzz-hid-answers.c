/* The host's parsing of what a USB HID key answers: the fuzzer's bytes are the feature reports
 * the device returns, fed through the real HID framing (src/otp/frame-hid.c) and the OTP
 * commands (src/otp/applet.c); the same bytes also go through the parsers of what sysfs says
 * about a hidraw node (uevent HID_ID, report descriptor: src/transport/hid-sysfs.c). Whatever a
 * device answers, the host must not crash, over-read, loop without bound, or claim success
 * with an answer of the wrong size.
 *
 * Input: one byte of options (bit 0..3: which set reports fail), then 8-byte reports, one per
 * get. When the input runs out, the device is gone (-ENOMEDIUM). All waits are zero: a busy
 * status is read once, then the host gives up.
 *
 * The report parsers and the sysfs parsers allocate nothing; the connection does, and each
 * input may fail that allocation (alloc-fail.h): then the only allowed outcome is -ENOMEM. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "otp/applet.h"
#include "otp/config.h"
#include "otp/frame-hid.h"
#include "transport/hid-sysfs.h"

#include "alloc-fail.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct stream {
        const uint8_t *p;
        size_t left;
        uint8_t options;
        unsigned sets;
        unsigned gets;
};

static int fuzz_get(void *userdata, uint8_t report[YK_HID_REPORT_SIZE]) {
        struct stream *s = userdata;
        if (++s->gets > 4096)
                abort(); /* every wait is bounded: this many reads is a loop */
        if (s->left < YK_HID_REPORT_SIZE)
                return -ENOMEDIUM;
        memcpy(report, s->p, YK_HID_REPORT_SIZE);
        s->p += YK_HID_REPORT_SIZE;
        s->left -= YK_HID_REPORT_SIZE;
        return 0;
}

static int fuzz_set(void *userdata, const uint8_t report[YK_HID_REPORT_SIZE]) {
        struct stream *s = userdata;
        uint8_t last = report[YK_HID_REPORT_SIZE - 1];
        /* Only frame reports (0x80 | 0..9) and the reset report are ever sent. */
        if (last != YK_HID_RESET_REPORT && (last < 0x80 || last > 0x89))
                abort();
        unsigned n = s->sets++;
        if (n < 4 && (s->options >> n) & 1)
                return n & 1 ? -EIO : -ENOMEDIUM;
        return 0;
}

static const struct yk_hid_timing no_wait = { 0 };

static void run_commands(struct stream *s) {
        const struct yk_device dev = { .kind = YK_TRANSPORT_HID, .name = "/dev/hidraw-fuzz" };
        const struct yk_hid_io io = { .get_report = fuzz_get, .set_report = fuzz_set, .userdata = s };
        struct yk_conn *c = NULL;
        struct yk_otp_status st;
        struct yk_response resp;
        uint8_t chal[32] = { 1, 2, 3 };
        const struct yk_slot_config config = { 0 };
        uint32_t serial;

        int r = yk_hid_conn_new(&dev, &io, &no_wait, &c);
        if (r == -ENOMEM && alloc_fail_fired())
                return;
        if (r < 0)
                abort();
        if (yk_otp_select(c, &st) == 0) {
                (void) yk_otp_read_serial(c, &serial);
                st.touch_level |= 0x03; /* both slots valid: always challenge */
                (void) yk_otp_challenge_hmac(c, &st, 2, chal, sizeof(chal), NULL, &resp);
                (void) yk_otp_write_config(c, &st, 1, &config, NULL, NULL);
        }
        /* The raw call with the length-in-first-byte answer (device information). */
        uint8_t out[256];
        size_t n = 0;
        if (yk_conn_otp_call(c, 0x13, NULL, 0, NULL, out, sizeof(out), &n) == 0 && n > sizeof(out))
                abort();
        yk_conn_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        struct stream s = { .p = data + 1, .left = size - 1, .options = data[0] };
        alloc_fail_from_input(data, size);
        run_commands(&s);

        uint16_t bus, vendor, product;
        (void) yk_hid_uevent_id((const char *) data, size, &bus, &vendor, &product);
        (void) yk_hid_descriptor_is_keyboard(data, size);
        alloc_fail_at(0);
        return 0;
}
