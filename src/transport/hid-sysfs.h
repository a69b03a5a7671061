/* Finding YubiKey OTP (keyboard) interfaces among the hidraw nodes, through sysfs: no libudev.
 * Each /sys/class/hidraw/hidrawN/device is the HID device: its uevent names the bus, vendor
 * and product (HID_ID=0003:00001050:00000407) and its report_descriptor tells the keyboard
 * interface (the OTP one) from the FIDO interface of the same key. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transport/transport.h"

#define YK_USB_VENDOR_YUBICO 0x1050
#define YK_HID_BUS_USB       0x0003

/* HID_ID=BUS:VENDOR:PRODUCT from a uevent text (not NUL-terminated). -ENOENT without the line,
 * -EBADMSG for a malformed one. */
int yk_hid_uevent_id(const char *text, size_t len, uint16_t *ret_bus, uint16_t *ret_vendor,
                     uint16_t *ret_product);

/* Whether Yubico ships this product id with the OTP (keyboard) interface (docs/protocol.md §4). */
bool yk_hid_product_has_otp(uint16_t product);

/* Whether the first application collection of a report descriptor is Generic Desktop /
 * Keyboard. Reads no byte past len. */
bool yk_hid_descriptor_is_keyboard(const uint8_t *desc, size_t len);

/* Appends dev_dir/hidrawN for every hidrawN under class_dir (normally /sys/class/hidraw and
 * /dev) that is a USB YubiKey's OTP interface. A missing class_dir is an empty list. */
int yk_hid_enumerate_at(const char *class_dir, const char *dev_dir, struct yk_device_list *list);
