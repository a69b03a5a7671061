/* The hidraw backend around the framing: sysfs enumeration on a fake tree (hid-sysfs.c), the
 * report-descriptor and uevent parsers, opening a node (permission denied, gone, held by
 * another process, not a hidraw node), and discovery across HID and PC/SC listing one key
 * once (src/otp/discover.c) with the emulator behind both. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "emu-transport.h"
#include "otp/discover.h"
#include "otp/frame-hid.h"
#include "transport/hid-sysfs.h"

/* A boot keyboard with the 8-byte feature report, as ykemu --uhid presents it. */
static const uint8_t KEYBOARD[] = { 0x05, 0x01, 0x09, 0x06, 0xa1, 0x01, 0x05, 0x07, 0x19, 0xe0, 0x29, 0xe7,
                                    0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x09, 0x03,
                                    0x75, 0x08, 0x95, 0x08, 0xb1, 0x02, 0xc0 };
/* The FIDO interface of the same key: usage page 0xF1D0. */
static const uint8_t FIDO[] = { 0x06, 0xd0, 0xf1, 0x09, 0x01, 0xa1, 0x01, 0x09, 0x20, 0x15, 0x00,
                                0x26, 0xff, 0x00, 0x75, 0x08, 0x95, 0x40, 0x81, 0x02, 0xc0 };

static void test_descriptor(void **state) {
        assert_true(yk_hid_descriptor_is_keyboard(KEYBOARD, sizeof(KEYBOARD)));
        assert_false(yk_hid_descriptor_is_keyboard(FIDO, sizeof(FIDO)));
        /* Cut before the collection: not recognised; every shorter prefix is read safely. */
        for (size_t n = 0; n < 5; n++)
                assert_false(yk_hid_descriptor_is_keyboard(KEYBOARD, n));
        /* A usage with its page in a 4-byte value, after a long item that is skipped. */
        const uint8_t longform[] = { 0xfe, 0x02, 0x10, 0xaa, 0xbb, 0x0b, 0x06, 0x00, 0x01, 0x00, 0xa1, 0x01, 0xc0 };
        assert_true(yk_hid_descriptor_is_keyboard(longform, sizeof(longform)));
        const uint8_t long_cut[] = { 0xfe, 0x20, 0x10, 0xaa };
        assert_false(yk_hid_descriptor_is_keyboard(long_cut, sizeof(long_cut)));
        /* A mouse. */
        const uint8_t mouse[] = { 0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0xc0 };
        assert_false(yk_hid_descriptor_is_keyboard(mouse, sizeof(mouse)));
        assert_false(yk_hid_descriptor_is_keyboard(NULL, 4));
}

static void test_uevent(void **state) {
        uint16_t bus = 0, vendor = 0, product = 0;
        const char good[] = "DRIVER=hid-generic\nHID_ID=0003:00001050:00000407\nHID_NAME=Yubico YubiKey\n";
        assert_int_equal(yk_hid_uevent_id(good, strlen(good), &bus, &vendor, &product), 0);
        assert_int_equal(bus, 3);
        assert_int_equal(vendor, 0x1050);
        assert_int_equal(product, 0x0407);
        const char last[] = "HID_ID=0005:0000046D:0000B01A"; /* no newline, upper-case hex */
        assert_int_equal(yk_hid_uevent_id(last, strlen(last), &bus, &vendor, &product), 0);
        assert_int_equal(vendor, 0x046d);
        assert_int_equal(product, 0xb01a);
        const char *bad[] = { "HID_ID=0003:1050", "HID_ID=0003:00001050:", "HID_ID=0003:00x01050:0407",
                              "HID_ID=0003:00011050:0407", "HID_ID=:1:2" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                bus = vendor = product = 7;
                assert_int_equal(yk_hid_uevent_id(bad[i], strlen(bad[i]), &bus, &vendor, &product), -EBADMSG);
                assert_int_equal(vendor, 7); /* untouched */
        }
        const char none[] = "DRIVER=hid-generic\nXHID_ID=0003:00001050:00000407\n";
        assert_int_equal(yk_hid_uevent_id(none, strlen(none), &bus, &vendor, &product), -ENOENT);
        assert_true(yk_hid_product_has_otp(0x0407));
        assert_true(yk_hid_product_has_otp(0x0010));
        assert_false(yk_hid_product_has_otp(0x0406)); /* CCID only */
}

/* ---- a fake sysfs tree ---- */

static void write_file(const char *dir, const char *name, const void *data, size_t len) {
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, data, len), (ssize_t) len);
        close(fd);
}

static void add_node(const char *root, const char *name, const char *hid_id, const uint8_t *desc, size_t desc_len) {
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s", root, name);
        assert_int_equal(mkdir(dir, 0755), 0);
        snprintf(dir, sizeof(dir), "%s/%s/device", root, name);
        assert_int_equal(mkdir(dir, 0755), 0);
        if (hid_id) {
                char uevent[256];
                int n = snprintf(uevent, sizeof(uevent), "DRIVER=hid-generic\nHID_ID=%s\nHID_NAME=x\n", hid_id);
                write_file(dir, "uevent", uevent, (size_t) n);
        }
        if (desc)
                write_file(dir, "report_descriptor", desc, desc_len);
}

static void test_enumerate(void **state) {
        char root[] = "/tmp/yk-hid-sysfs-XXXXXX";
        assert_non_null(mkdtemp(root));
        add_node(root, "hidraw0", "0003:00001050:00000407", KEYBOARD, sizeof(KEYBOARD));
        add_node(root, "hidraw1", "0003:00001050:00000407", FIDO, sizeof(FIDO));          /* FIDO interface */
        add_node(root, "hidraw2", "0003:0000046D:0000C52B", KEYBOARD, sizeof(KEYBOARD)); /* another vendor */
        add_node(root, "hidraw3", "0005:00001050:00000407", KEYBOARD, sizeof(KEYBOARD)); /* Bluetooth */
        add_node(root, "hidraw4", "0003:00001050:00000406", KEYBOARD, sizeof(KEYBOARD)); /* CCID-only product */
        add_node(root, "hidraw5", "0003:1050", KEYBOARD, sizeof(KEYBOARD));              /* malformed */
        add_node(root, "hidraw6", "0003:00001050:00000010", NULL, 0);                    /* no descriptor */
        add_node(root, "hidraw7", NULL, KEYBOARD, sizeof(KEYBOARD));                     /* no uevent */
        add_node(root, "hidraw10", "0003:00001050:00000010", KEYBOARD, sizeof(KEYBOARD));
        add_node(root, "other0", "0003:00001050:00000407", KEYBOARD, sizeof(KEYBOARD));  /* not hidraw* */

        struct yk_device_list list = { 0 };
        assert_int_equal(yk_hid_enumerate_at(root, "/dev", &list), 0);
        assert_int_equal(list.n, 2);
        assert_string_equal(list.items[0].name, "/dev/hidraw0");
        assert_string_equal(list.items[1].name, "/dev/hidraw10");
        assert_int_equal(list.items[0].kind, YK_TRANSPORT_HID);
        yk_device_list_free(&list);

        assert_int_equal(yk_hid_enumerate_at("/nonexistent/hidraw", "/dev", &list), 0);
        assert_int_equal(list.n, 0);
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

/* ---- opening a node ---- */

static int open_as_nobody(const char *path) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
                        _exit(100);
                struct yk_device dev = { .kind = YK_TRANSPORT_HID };
                snprintf(dev.name, sizeof(dev.name), "%s", path);
                struct yk_conn *c = NULL;
                int r = yk_conn_open(&yk_backend_hid, &dev, /* dl= */ NULL, &c);
                _exit(r == -EACCES && c == NULL ? 0 : 1);
        }
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static void test_open(void **state) {
        char path[] = "/tmp/yk-hidraw-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(chmod(path, 0600), 0);

        /* Root's node, mode 0600: someone else gets -EACCES (the edge names node and access). */
        if (geteuid() == 0)
                assert_int_equal(open_as_nobody(path), 0);

        struct yk_device dev = { .kind = YK_TRANSPORT_HID };
        struct yk_conn *c = NULL, *c2 = NULL;
        snprintf(dev.name, sizeof(dev.name), "%s", path);
        /* Not a hidraw node: it opens, and the first feature report fails as an I/O error. */
        assert_int_equal(yk_conn_open(&yk_backend_hid, &dev, /* dl= */ NULL, &c), 0);
        uint8_t status[16];
        size_t n = 0;
        assert_int_equal(yk_conn_select_otp(c, status, sizeof(status), &n), -EIO);
        /* Another process (here: another open file) holds it: -EUSERS, not interleaved reports. */
        assert_int_equal(yk_conn_open(&yk_backend_hid, &dev, /* dl= */ NULL, &c2), -EUSERS);
        assert_null(c2);
        yk_conn_close(c);
        /* Gone: the node was removed (unplugged) before the open, or while open. */
        assert_int_equal(yk_conn_open(&yk_backend_hid, &dev, /* dl= */ NULL, &c), 0);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(yk_conn_select_otp(c, status, sizeof(status), &n), -ENOMEDIUM);
        yk_conn_close(c);
        c = NULL;
        assert_int_equal(yk_conn_open(&yk_backend_hid, &dev, /* dl= */ NULL, &c), -ENOMEDIUM);
        dev.kind = YK_TRANSPORT_PCSC;
        assert_int_equal(yk_conn_open(&yk_backend_hid, &dev, /* dl= */ NULL, &c), -EINVAL);
        assert_null(c);
}

/* ---- one key seen on both transports ---- */

static struct ykemu_card *hid_card;

static int emu_hid_enumerate(const struct yk_deadline *dl, struct yk_device_list *list) {
        const struct yk_device dev = { .kind = YK_TRANSPORT_HID, .name = "/dev/hidraw-emu" };
        return hid_card ? yk_device_list_append(list, &dev) : 0;
}

static int hid_get(void *userdata, uint8_t report[8]) {
        return ykemu_card_hid_get(userdata, report);
}

static int hid_set(void *userdata, const uint8_t report[8]) {
        return ykemu_card_hid_set(userdata, report);
}

static int emu_hid_open(const struct yk_device *dev, const struct yk_deadline *dl, void **ret) {
        if (!hid_card)
                return -ENOMEDIUM;
        *ret = hid_card;
        return 0;
}

/* The emulator's HID side plugged in at the byte level, as transport/hid.c is. */
static const struct yk_backend emu_hid = {
        .name = "hid",
        .kind = YK_TRANSPORT_HID,
        .enumerate = emu_hid_enumerate,
        .open = emu_hid_open,
        .get_report = hid_get,
        .set_report = hid_set,
};

static struct ykemu_card *card_with_serial(uint32_t serial) {
        struct ykemu_options o;
        struct ykemu_card *card = NULL;
        ykemu_options_init(&o);
        o.serial = serial;
        assert_int_equal(ykemu_card_new(&o, &card), 0);
        return card;
}

static void test_discover_both(void **state) {
        const struct yk_backend *const hid_first[] = { &emu_hid, &emu_backend, NULL };
        const struct yk_backend *const pcsc_first[] = { &emu_backend, &emu_hid, NULL };
        struct ykemu_card *card = card_with_serial(4242), *other = card_with_serial(5151);
        struct yk_token_list list = { 0 };

        emu_backend_reset();
        hid_card = card;
        assert_int_equal(emu_backend_add_card(card, "Yubico YubiKey OTP+FIDO+CCID 00 00"), 0);
        /* The same key on both: listed once, on the transport asked first. */
        assert_int_equal(yk_tokens_discover(hid_first, NULL, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 1);
        assert_int_equal(list.items[0].device.kind, YK_TRANSPORT_HID);
        assert_int_equal(list.items[0].serial, 4242);
        yk_token_list_free(&list);
        assert_int_equal(yk_tokens_discover(pcsc_first, NULL, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 1);
        assert_int_equal(list.items[0].device.kind, YK_TRANSPORT_PCSC);
        yk_token_list_free(&list);

        /* Two keys: both listed. */
        assert_int_equal(emu_backend_add_card(other, "Virtual PCD 00 00"), 0);
        assert_int_equal(yk_tokens_discover(hid_first, NULL, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 2);
        assert_int_equal(list.items[0].device.kind, YK_TRANSPORT_HID);
        assert_int_equal(list.items[1].serial, 5151);
        /* Opening the HID one works through the framing and checks the serial. */
        struct yk_conn *c = NULL;
        struct yk_otp_status st;
        assert_int_equal(yk_token_open(hid_first, &list.items[0], /* dl= */ NULL, &c, &st), 0);
        assert_string_equal(c->device.name, "/dev/hidraw-emu");
        yk_conn_close(c);
        yk_token_list_free(&list);

        emu_backend_reset();
        hid_card = NULL;
        ykemu_card_free(card);
        ykemu_card_free(other);
}

/* auto asks HID first (a USB YubiKey answers HMAC there), then PC/SC (when built with it);
 * hid alone is HID alone. */
static void test_backends(void **state) {
        const struct yk_backend *const *b = NULL;
        assert_int_equal(yk_backends_for("auto", &b), 0);
        assert_ptr_equal(b[0], &yk_backend_hid);
        if (YK_WITH_PCSC) {
                assert_ptr_equal(b[1], &yk_backend_pcsc);
                assert_null(b[2]);
        } else {
                assert_null(b[1]);
        }
        assert_int_equal(yk_backends_for("hid", &b), 0);
        assert_ptr_equal(b[0], &yk_backend_hid);
        assert_null(b[1]);
        assert_string_equal(yk_backend_hid.name, "hid");
        assert_int_equal(yk_backend_hid.kind, YK_TRANSPORT_HID);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_backends),
                cmocka_unit_test(test_descriptor),
                cmocka_unit_test(test_uevent),
                cmocka_unit_test(test_enumerate),
                cmocka_unit_test(test_open),
                cmocka_unit_test(test_discover_both),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
