/* The in-process test backend (tests/lib/emu-transport.c): the emulated card plugged in at the
 * byte level, under the real CCID framing (otp/frame-ccid.c) as the OTP layer sees it; and a
 * card pulled out mid-connection. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu-transport.h"
#include "otp/conn.h"

static struct ykemu_card *card_a, *card_b;

static int setup(void **state) {
        struct ykemu_options o;
        ykemu_options_init(&o);
        o.touch_ms = 0;
        if (ykemu_card_new(&o, &card_a) < 0)
                return -1;
        o.serial = 20000002;
        if (ykemu_card_new(&o, &card_b) < 0)
                return -1;
        emu_backend_reset();
        if (emu_backend_add_card(card_a, "Emu Reader A 00 00") < 0 ||
            emu_backend_add_card(card_b, "Emu Reader B 00 00") < 0)
                return -1;
        return 0;
}

static int teardown(void **state) {
        emu_backend_reset();
        ykemu_card_free(card_a);
        ykemu_card_free(card_b);
        return 0;
}

static struct yk_conn *open_reader(const char *name) {
        struct yk_device dev = { .kind = YK_TRANSPORT_PCSC };
        strcpy(dev.name, name);
        struct yk_conn *c = NULL;
        assert_int_equal(yk_conn_open(&emu_backend, &dev, /* dl= */ NULL, &c), 0);
        return c;
}

static void test_enumerate(void **state) {
        struct yk_device_list list = {};
        assert_int_equal(emu_backend.enumerate(/* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 2);
        assert_string_equal(list.items[0].name, "Emu Reader A 00 00");
        assert_string_equal(list.items[1].name, "Emu Reader B 00 00");
        assert_int_equal(list.items[0].kind, YK_TRANSPORT_PCSC);
        yk_device_list_free(&list);
        assert_int_equal(emu_backend_add_card(card_a, "Emu Reader A 00 00"), -EEXIST);
        assert_int_equal(emu_backend_remove_card("No Such Reader"), -ENOENT);
}

static void test_select_and_serial(void **state) {
        struct yk_conn *c = open_reader("Emu Reader B 00 00");
        uint8_t status[16], serial[8];
        size_t n = 0;
        assert_int_equal(yk_conn_select_otp(c, status, sizeof(status), &n), 0);
        assert_int_equal(n, 6);
        assert_memory_equal(status, "\x05\x04\x03\x00\x00\x00", 6);
        assert_int_equal(yk_conn_otp_call(c, 0x10, NULL, 0, NULL, serial, sizeof(serial), &n), 0);
        assert_int_equal(n, 4);
        assert_memory_equal(serial, "\x01\x31\x2d\x02", 4); /* 20000002 */
        yk_conn_close(c);
}

static void test_pulled_out(void **state) {
        struct yk_conn *c = open_reader("Emu Reader A 00 00");
        uint8_t status[16];
        size_t n = 0;
        assert_int_equal(yk_conn_select_otp(c, status, sizeof(status), &n), 0);
        assert_int_equal(emu_backend_remove_card("Emu Reader A 00 00"), 0);
        n = 77;
        assert_int_equal(yk_conn_select_otp(c, status, sizeof(status), &n), -ENOMEDIUM);
        assert_int_equal(n, 77);
        yk_conn_close(c);

        /* The reader stays listed, without a card in it. */
        struct yk_device_list list = {};
        assert_int_equal(emu_backend.enumerate(/* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 2);
        void *h = NULL;
        assert_int_equal(emu_backend.open(&list.items[0], /* dl= */ NULL, &h), -ENOMEDIUM);
        assert_null(h);
        yk_device_list_free(&list);

        /* The other reader is not affected. */
        c = open_reader("Emu Reader B 00 00");
        assert_int_equal(yk_conn_select_otp(c, status, sizeof(status), &n), 0);
        yk_conn_close(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_enumerate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_select_and_serial, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pulled_out, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
