/* hidraw enumeration through sysfs (see hid-sysfs.h). Reading sysfs directly keeps libudev out
 * of the dependencies, and of the initramfs; the tests point it at a fake tree. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/file.h"
#include "shared/macros.h"
#include "transport/hid-sysfs.h"

#define UEVENT_MAX     4096
#define DESCRIPTOR_MAX 8192 /* the kernel's HID_MAX_DESCRIPTOR_SIZE is 4096 */

/* docs/protocol.md §4: Yubico products with the OTP (keyboard) interface. */
static const uint16_t otp_products[] = { 0x0010, 0x0110, 0x0111, 0x0114, 0x0116,
                                         0x0401, 0x0403, 0x0405, 0x0407, 0x0410 };

bool yk_hid_product_has_otp(uint16_t product) {
        for (size_t i = 0; i < ELEMENTSOF(otp_products); i++)
                if (otp_products[i] == product)
                        return true;
        return false;
}

static int parse_hex_field(const char *s, size_t len, uint32_t max, uint32_t *ret) {
        uint32_t v = 0;
        if (len == 0 || len > 8)
                return -EBADMSG;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                unsigned d;
                if (ch >= '0' && ch <= '9')
                        d = (unsigned) (ch - '0');
                else if (ch >= 'a' && ch <= 'f')
                        d = (unsigned) (ch - 'a' + 10);
                else if (ch >= 'A' && ch <= 'F')
                        d = (unsigned) (ch - 'A' + 10);
                else
                        return -EBADMSG;
                v = v << 4 | d;
        }
        if (v > max)
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* "BUS:VENDOR:PRODUCT" (hex, the kernel prints 4:8:8 digits). */
static int parse_hid_id(const char *s, size_t len, uint16_t *ret_bus, uint16_t *ret_vendor, uint16_t *ret_product) {
        const char *c1 = memchr(s, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t) (c1 + 1 - s)) : NULL;
        uint32_t bus, vendor, product;
        if (!c2)
                return -EBADMSG;
        if (parse_hex_field(s, (size_t) (c1 - s), 0xffff, &bus) < 0 ||
            parse_hex_field(c1 + 1, (size_t) (c2 - c1 - 1), 0xffff, &vendor) < 0 ||
            parse_hex_field(c2 + 1, len - (size_t) (c2 + 1 - s), 0xffff, &product) < 0)
                return -EBADMSG;
        *ret_bus = (uint16_t) bus;
        *ret_vendor = (uint16_t) vendor;
        *ret_product = (uint16_t) product;
        return 0;
}

int yk_hid_uevent_id(const char *text, size_t len, uint16_t *ret_bus, uint16_t *ret_vendor,
                     uint16_t *ret_product) {
        static const char key[] = "HID_ID=";
        size_t off = 0;
        if (!text || !ret_bus || !ret_vendor || !ret_product)
                return -EINVAL;
        while (off < len) {
                const char *line = text + off;
                const char *nl = memchr(line, '\n', len - off);
                size_t line_len = nl ? (size_t) (nl - line) : len - off;
                if (line_len > sizeof(key) - 1 && memcmp(line, key, sizeof(key) - 1) == 0)
                        return parse_hid_id(line + sizeof(key) - 1, line_len - (sizeof(key) - 1), ret_bus,
                                            ret_vendor, ret_product);
                off += line_len + 1;
        }
        return -ENOENT;
}

/* HID 1.11 §6.2.2: short items; a prefix byte with size (0, 1, 2, 4), type and tag. */
bool yk_hid_descriptor_is_keyboard(const uint8_t *desc, size_t len) {
        uint32_t usage_page = 0, usage = 0;
        size_t i = 0;
        if (!desc)
                return false;
        while (i < len) {
                uint8_t prefix = desc[i++];
                if (prefix == 0xfe) { /* long item: size byte, tag byte, data */
                        if (i >= len)
                                return false;
                        size_t skip = (size_t) desc[i] + 2;
                        if (skip > len - i)
                                return false;
                        i += skip;
                        continue;
                }
                size_t size = (size_t[]) { 0, 1, 2, 4 }[prefix & 3];
                if (size > len - i)
                        return false;
                uint32_t value = 0;
                for (size_t k = 0; k < size; k++)
                        value |= (uint32_t) desc[i + k] << (8 * k);
                i += size;
                switch (prefix & 0xfc) {
                case 0x04: /* global: Usage Page */
                        usage_page = value;
                        break;
                case 0x08: /* local: Usage (4 bytes carry their own page) */
                        usage = size == 4 ? value : (usage_page << 16 | value);
                        break;
                case 0xa0: /* main: Collection; the first one decides */
                        return usage == 0x00010006; /* Generic Desktop / Keyboard */
                }
        }
        return false;
}

/* Is class_dir/name a USB YubiKey's OTP interface? Errors reading it mean "no". */
static bool is_otp_interface(const char *class_dir, const char *name) {
        _cleanup_(freep) char *path = NULL, *uevent = NULL, *desc = NULL;
        size_t len = 0, desc_len = 0;
        uint16_t bus, vendor, product;

        if (asprintf(&path, "%s/%s/device/uevent", class_dir, name) < 0)
                return false;
        if (read_small_file(path, UEVENT_MAX, &uevent, &len) < 0 ||
            yk_hid_uevent_id(uevent, len, &bus, &vendor, &product) < 0)
                return false;
        if (bus != YK_HID_BUS_USB || vendor != YK_USB_VENDOR_YUBICO || !yk_hid_product_has_otp(product))
                return false;
        free(path);
        if (asprintf(&path, "%s/%s/device/report_descriptor", class_dir, name) < 0)
                path = NULL;
        if (!path || read_small_file(path, DESCRIPTOR_MAX, &desc, &desc_len) < 0)
                return false;
        return yk_hid_descriptor_is_keyboard((const uint8_t *) desc, desc_len);
}

static int name_cmp(const void *a, const void *b) {
        const struct yk_device *x = a, *y = b;
        size_t lx = strlen(x->name), ly = strlen(y->name);
        return lx != ly ? (lx < ly ? -1 : 1) : strcmp(x->name, y->name); /* hidraw2 before hidraw10 */
}

int yk_hid_enumerate_at(const char *class_dir, const char *dev_dir, struct yk_device_list *list) {
        if (!class_dir || !dev_dir || !list)
                return -EINVAL;
        DIR *d = opendir(class_dir);
        if (!d)
                return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
        size_t first = list->n;
        int r = 0;
        struct dirent *e;
        while (r == 0 && (e = readdir(d))) {
                if (strncmp(e->d_name, "hidraw", 6) != 0 || !is_otp_interface(class_dir, e->d_name))
                        continue;
                struct yk_device dev = { .kind = YK_TRANSPORT_HID };
                int n = snprintf(dev.name, sizeof(dev.name), "%s/%s", dev_dir, e->d_name);
                if (n < 0 || (size_t) n >= sizeof(dev.name))
                        continue;
                r = yk_device_list_append(list, &dev);
        }
        closedir(d);
        if (r == 0 && list->n > first)
                qsort(list->items + first, list->n - first, sizeof(*list->items), name_cmp);
        return r;
}
