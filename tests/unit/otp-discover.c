/* Token discovery and re-opening (src/otp/discover.c) over fake backends whose devices are
 * scripted cards: filters, per-device errors, a backend without its service, a token that
 * changed or vanished between discovery and use. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "otp/discover.h"
#include "ccid-mock.h"

#define SELECT_OTP "00 A4 04 00 07 A0 00 00 05 27 20 01"
#define SERIAL_CMD "00 01 10 00"
#define STATUS     "05 04 03 07 02 00 90 00"

struct fake_device {
        const char *name;
        int open_error;       /* what open answers, or 0 */
        struct mock_card card;
};

static struct fake_device *fakes;
static size_t n_fakes;
static int enumerate_error;
static unsigned opens;

static int fake_enumerate(const struct yk_deadline *dl, struct yk_device_list *list) {
        if (enumerate_error)
                return enumerate_error;
        for (size_t i = 0; i < n_fakes; i++) {
                struct yk_device d = { .kind = YK_TRANSPORT_PCSC };
                snprintf(d.name, sizeof(d.name), "%s", fakes[i].name);
                int r = yk_device_list_append(list, &d);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int fake_open(const struct yk_device *dev, const struct yk_deadline *dl, void **ret) {
        opens++;
        for (size_t i = 0; i < n_fakes; i++) {
                if (strcmp(dev->name, fakes[i].name) != 0)
                        continue;
                if (fakes[i].open_error)
                        return fakes[i].open_error;
                *ret = &fakes[i].card;
                return 0;
        }
        return -ENOMEDIUM; /* the reader is gone */
}

static int down_enumerate(const struct yk_deadline *dl, struct yk_device_list *list) {
        return -EHOSTDOWN;
}

static const struct yk_backend fake_backend = {
        .name = "fake",
        .kind = YK_TRANSPORT_PCSC,
        .enumerate = fake_enumerate,
        .open = fake_open,
        .close = mock_close,
        .transmit = mock_transmit,
};
static const struct yk_backend down_backend = {
        .name = "down",
        .kind = YK_TRANSPORT_HID,
        .enumerate = down_enumerate,
        .open = fake_open,
};

static const struct mock_step key_a[] = { { SELECT_OTP, STATUS }, { SERIAL_CMD, "00 98 96 81 90 00" } };
static const struct mock_step key_b[] = { { SELECT_OTP, STATUS }, { SERIAL_CMD, "00 00 30 39 90 00" } };
static const struct mock_step hidden[] = { { SELECT_OTP, STATUS }, { SERIAL_CMD, "90 00" } };
static const struct mock_step not_otp[] = { { SELECT_OTP, "6A 82" } };
static const struct mock_step garbage[] = { { SELECT_OTP, "01" } };

static void setup_fakes(struct fake_device *f, size_t n) {
        fakes = f;
        n_fakes = n;
        enumerate_error = 0;
        opens = 0;
}

static void test_discover_all(void **state) {
        struct fake_device f[] = {
                { "Yubico YubiKey OTP+FIDO+CCID 00 00", 0, MOCK_CARD(key_a) },
                { "Empty Reader 01 00", -ENOMEDIUM, { 0 } },
                { "Yubico YubiKey OTP+FIDO+CCID 02 00", 0, MOCK_CARD(hidden) },
                { "Some PIV card 03 00", 0, MOCK_CARD(not_otp) },
                { "Broken 04 00", 0, MOCK_CARD(garbage) },
                { "Busy 05 00", -EUSERS, { 0 } },
        };
        const struct yk_backend *const backends[] = { &fake_backend, NULL };
        struct yk_token_list list = { 0 };

        setup_fakes(f, 6);
        assert_int_equal(yk_tokens_discover(backends, NULL, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 6);
        assert_int_equal(list.items[0].error, 0);
        assert_true(list.items[0].serial_known);
        assert_int_equal(list.items[0].serial, 10000001);
        assert_int_equal(list.items[0].status.pgm_seq, 7);
        assert_string_equal(list.items[0].device.name, "Yubico YubiKey OTP+FIDO+CCID 00 00");
        assert_int_equal(list.items[1].error, -ENOMEDIUM);
        assert_int_equal(list.items[2].error, 0);
        assert_false(list.items[2].serial_known);
        assert_int_equal(list.items[3].error, -EMEDIUMTYPE);
        assert_int_equal(list.items[4].error, -EPROTO);
        assert_int_equal(list.items[5].error, -EUSERS);
        for (size_t i = 0; i < 6; i++)
                if (!f[i].open_error) {
                        mock_assert_done(&f[i].card);
                        assert_int_equal(f[i].card.closed, 1); /* nothing left open */
                }
        yk_token_list_free(&list);
}

static void test_filters(void **state) {
        struct fake_device f[] = {
                { "Yubico YubiKey 00 00", 0, MOCK_CARD(key_a) },
                { "Yubico YubiKey 01 00", 0, MOCK_CARD(key_b) },
                { "Other 02 00", 0, MOCK_CARD(key_b) },
        };
        const struct yk_backend *const backends[] = { &fake_backend, NULL };
        struct yk_token_list list = { 0 };
        struct yk_token_filter by_reader = { .reader = "YubiKey 01" };
        struct yk_token_filter by_serial = { .serial_set = true, .serial = 12345 };

        setup_fakes(f, 3);
        assert_int_equal(yk_tokens_discover(backends, &by_reader, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 1);
        assert_int_equal(list.items[0].serial, 12345);
        assert_int_equal(opens, 1); /* readers that don't match are not even opened */
        yk_token_list_free(&list);

        for (size_t i = 0; i < 3; i++)
                f[i].card.pos = 0;
        assert_int_equal(yk_tokens_discover(backends, &by_serial, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 2);
        assert_string_equal(list.items[0].device.name, "Yubico YubiKey 01 00");
        assert_string_equal(list.items[1].device.name, "Other 02 00");
        yk_token_list_free(&list);
}

static void test_service_down(void **state) {
        struct fake_device f[] = { { "Yubico YubiKey 00 00", 0, MOCK_CARD(key_a) } };
        const struct yk_backend *const only_down[] = { &down_backend, NULL };
        const struct yk_backend *const both[] = { &down_backend, &fake_backend, NULL };
        const struct yk_backend *const none[] = { NULL };
        struct yk_token_list list = { .n = 12345 };

        setup_fakes(f, 1);
        assert_int_equal(yk_tokens_discover(only_down, NULL, /* dl= */ NULL, &list), -EHOSTDOWN);
        assert_int_equal(list.n, 12345); /* untouched */
        assert_int_equal(yk_tokens_discover(none, NULL, /* dl= */ NULL, &list), -EOPNOTSUPP);
        assert_int_equal(yk_tokens_discover(both, NULL, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 1);
        yk_token_list_free(&list);

        const struct yk_backend *const fake_only[] = { &fake_backend, NULL };
        enumerate_error = -ENOMEM;
        list.n = 12345;
        assert_int_equal(yk_tokens_discover(fake_only, NULL, /* dl= */ NULL, &list), -ENOMEM);
        assert_int_equal(list.n, 12345);
}

static void test_token_open(void **state) {
        static const struct mock_step again_a[] = { { SELECT_OTP, "05 04 03 08 02 00 90 00" },
                                                    { SERIAL_CMD, "00 98 96 81 90 00" } };
        struct fake_device f[] = { { "Yubico YubiKey 00 00", 0, MOCK_CARD(again_a) } };
        const struct yk_backend *const backends[] = { &fake_backend, NULL };
        struct yk_token t = { .device = { .kind = YK_TRANSPORT_PCSC, .name = "Yubico YubiKey 00 00" },
                              .serial_known = true, .serial = 10000001 };
        struct yk_conn *c = NULL;
        struct yk_otp_status st;

        setup_fakes(f, 1);
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), 0);
        assert_non_null(c);
        assert_int_equal(st.pgm_seq, 8);
        assert_int_equal(f[0].card.closed, 0); /* open for the caller */
        yk_conn_close(c);
        assert_int_equal(f[0].card.closed, 1);

        /* Another key in the same reader. */
        static const struct mock_step now_b[] = { { SELECT_OTP, STATUS }, { SERIAL_CMD, "00 00 30 39 90 00" } };
        f[0].card = MOCK_CARD(now_b);
        c = NULL;
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), -ENODEV);
        assert_null(c);
        assert_int_equal(f[0].card.closed, 1);

        /* Now a key that hides its serial. */
        f[0].card = MOCK_CARD(hidden);
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), -ENODEV);
        /* A token found without serial stays acceptable without one... */
        t.serial_known = false;
        f[0].card = MOCK_CARD(hidden);
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), 0);
        yk_conn_close(c);
        c = NULL;
        /* ...but not when the reader now holds a key with a serial. */
        f[0].card = MOCK_CARD(key_a);
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), -ENODEV);

        /* Pulled out, another card, the reader gone, busy. */
        t.serial_known = true;
        f[0].open_error = -ENOMEDIUM;
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), -ENODEV);
        f[0].open_error = 0;
        f[0].card = MOCK_CARD(not_otp);
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), -ENODEV);
        snprintf(t.device.name, sizeof(t.device.name), "Vanished 09 00");
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), -ENODEV);
        snprintf(t.device.name, sizeof(t.device.name), "Yubico YubiKey 00 00");
        f[0].open_error = -EUSERS;
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), -EUSERS);
        /* A token of a backend that was not asked for. */
        t.device.kind = YK_TRANSPORT_HID;
        assert_int_equal(yk_token_open(backends, &t, /* dl= */ NULL, &c, &st), -EOPNOTSUPP);
        assert_null(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_discover_all),
                cmocka_unit_test(test_filters),
                cmocka_unit_test(test_service_down),
                cmocka_unit_test(test_token_open),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
