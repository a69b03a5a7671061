/* The backend registry and device lists (src/transport/registry.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "transport/transport.h"

static void test_kind_names(void **state) {
        assert_string_equal(yk_transport_kind_name(YK_TRANSPORT_PCSC), "pcsc");
        assert_string_equal(yk_transport_kind_name(YK_TRANSPORT_HID), "hid");
}

static void test_backends_for(void **state) {
        const struct yk_backend *const *b = NULL;

        assert_int_equal(yk_backends_for("pcsc", &b), 0);
        assert_ptr_equal(b[0], &yk_backend_pcsc);
        assert_null(b[1]);
        assert_string_equal(b[0]->name, "pcsc");
        assert_int_equal(b[0]->kind, YK_TRANSPORT_PCSC);

        /* auto: every backend compiled in, PC/SC among them unless built without it, each kind
         * once. */
        b = NULL;
        assert_int_equal(yk_backends_for("auto", &b), 0);
        bool has_pcsc = false;
        size_t n = 0;
        for (; b[n]; n++) {
                has_pcsc |= b[n] == &yk_backend_pcsc;
                for (size_t k = 0; k < n; k++)
                        assert_int_not_equal(b[k]->kind, b[n]->kind);
        }
        assert_int_equal(has_pcsc, YK_WITH_PCSC);
        assert_true(n >= 1 && n <= 2);

        /* hid: the HID backend alone, or "not available" (ret untouched) where it is
         * compiled out (STYLE.md principle 13). */
        b = NULL;
        int r = yk_backends_for("hid", &b);
        if (r == 0) {
                assert_int_equal(b[0]->kind, YK_TRANSPORT_HID);
                assert_null(b[1]);
        } else {
                assert_int_equal(r, -EOPNOTSUPP);
                assert_null(b);
        }
        b = NULL;
        assert_int_equal(yk_backends_for("usb", &b), -EINVAL);
        assert_int_equal(yk_backends_for("", &b), -EINVAL);
        assert_int_equal(yk_backends_for(NULL, &b), -EINVAL);
        assert_null(b);
}

static void test_device_list(void **state) {
        struct yk_device_list list = { 0 };
        struct yk_device d = { .kind = YK_TRANSPORT_PCSC };

        for (int i = 0; i < 40; i++) {
                snprintf(d.name, sizeof(d.name), "Reader %02d", i);
                assert_int_equal(yk_device_list_append(&list, &d), 0);
        }
        assert_int_equal(list.n, 40);
        assert_string_equal(list.items[0].name, "Reader 00");
        assert_string_equal(list.items[39].name, "Reader 39");

        /* A name that fills the array without its NUL is cut, never read past. */
        memset(d.name, 'x', sizeof(d.name));
        assert_int_equal(yk_device_list_append(&list, &d), 0);
        assert_int_equal(strlen(list.items[40].name), YK_DEVICE_NAME_MAX - 1);

        assert_int_equal(yk_device_list_append(&list, NULL), -EINVAL);
        assert_int_equal(list.n, 41);
        yk_device_list_free(&list);
        assert_null(list.items);
        assert_int_equal(list.n, 0);
        yk_device_list_free(&list); /* twice is fine */
        yk_backend_pcsc.close(NULL);
        yk_backend_hid.close(NULL);
}

static void test_pcsc_open_refuses_other_kinds(void **state) {
        struct yk_device d = { .kind = YK_TRANSPORT_HID, .name = "/dev/hidraw0" };
        void *h = NULL;
        assert_int_equal(yk_backend_pcsc.open(&d, /* dl= */ NULL, &h), YK_WITH_PCSC ? -EINVAL : -EOPNOTSUPP);
        assert_null(h);
        /* Built without PC/SC, every answer says so. */
        if (!YK_WITH_PCSC) {
                struct yk_device_list list = { 0 };
                assert_int_equal(yk_backend_pcsc.enumerate(/* dl= */ NULL, &list), -EOPNOTSUPP);
                assert_int_equal(list.n, 0);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kind_names),
                cmocka_unit_test(test_backends_for),
                cmocka_unit_test(test_device_list),
                cmocka_unit_test(test_pcsc_open_refuses_other_kinds),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
