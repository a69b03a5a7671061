/* ykemu --usb-ffs DIR: the card's HID side (card-hid.c) as one interface of a real USB device,
 * through the kernel's FunctionFS (docs/protocol.md §9). The caller makes a configfs gadget
 * (vendor 1050) with an ffs function mounted on DIR and binds it to a UDC (dummy_udc in the
 * tests) once this prints "usb-ffs ready": the host side then sees a Yubico USB device whose
 * interface 0 is a boot keyboard with the 8-byte feature report of the OTP application, and
 * usbhid gives it a /dev/hidrawN. The interface's control requests arrive here as SETUP events
 * on DIR/ep0: the report descriptor, GET_REPORT / SET_REPORT, SET_IDLE, SET_PROTOCOL. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "modes.h"
#include "shared/macros.h"

#define HID_DT_HID         0x21
#define HID_DT_REPORT      0x22
#define HID_GET_REPORT     0x01
#define HID_GET_IDLE       0x02
#define HID_GET_PROTOCOL   0x03
#define HID_SET_REPORT     0x09
#define HID_SET_IDLE       0x0a
#define HID_SET_PROTOCOL   0x0b
#define HID_REPORT_INPUT   0x01
#define HID_REPORT_FEATURE 0x03

/* HID 1.11 §6.2.1, with one class descriptor (the report descriptor). */
struct hid_class_descriptor {
        uint8_t bLength, bDescriptorType;
        __le16 bcdHID;
        uint8_t bCountryCode, bNumDescriptors, bClassDescriptorType;
        __le16 wDescriptorLength;
} __attribute__((packed));

struct speed_descs {
        struct usb_interface_descriptor intf;
        struct hid_class_descriptor hid;
        struct usb_endpoint_descriptor_no_audio ep;
} __attribute__((packed));

struct ffs_descs {
        struct usb_functionfs_descs_head_v2 head;
        __le32 fs_count, hs_count;
        struct speed_descs fs, hs;
} __attribute__((packed));

/* interval: full speed in frames (1 ms), high speed as 2^(interval-1) microframes (125 µs). */
static struct speed_descs speed_descs(uint8_t interval) {
        return (struct speed_descs) {
                .intf = { .bLength = USB_DT_INTERFACE_SIZE, .bDescriptorType = USB_DT_INTERFACE,
                          .bNumEndpoints = 1, .bInterfaceClass = USB_CLASS_HID,
                          .bInterfaceSubClass = 1 /* boot */, .bInterfaceProtocol = 1 /* keyboard */ },
                .hid = { .bLength = sizeof(struct hid_class_descriptor), .bDescriptorType = HID_DT_HID,
                         .bcdHID = htole16(0x0111), .bNumDescriptors = 1,
                         .bClassDescriptorType = HID_DT_REPORT,
                         .wDescriptorLength = htole16((uint16_t) ykemu_hid_report_descriptor_size) },
                .ep = { .bLength = USB_DT_ENDPOINT_SIZE, .bDescriptorType = USB_DT_ENDPOINT,
                        .bEndpointAddress = USB_DIR_IN | 1, .bmAttributes = USB_ENDPOINT_XFER_INT,
                        .wMaxPacketSize = htole16(8), .bInterval = interval },
        };
}

static int write_all(int fd, const void *buf, size_t len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0)
                return -errno;
        return (size_t) n == len ? 0 : -EIO;
}

/* The descriptors, then the (empty) strings: FunctionFS creates the endpoint files and the
 * function becomes ready to bind. */
static int write_descriptors(int ep0) {
        struct ffs_descs d = {
                .head = { .magic = htole32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2),
                          .length = htole32(sizeof(struct ffs_descs)),
                          .flags = htole32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC) },
                .fs_count = htole32(3),
                .hs_count = htole32(3),
                .fs = speed_descs(/* interval= */ 10),
                .hs = speed_descs(/* interval= */ 7),
        };
        struct usb_functionfs_strings_head s = { .magic = htole32(FUNCTIONFS_STRINGS_MAGIC),
                                                 .length = htole32(sizeof(s)) };
        int r = write_all(ep0, &d, sizeof(d));
        return r < 0 ? r : write_all(ep0, &s, sizeof(s));
}

/* Refuses the request: FunctionFS stalls ep0 on a transfer against the request's direction. */
static void stall(int ep0, const struct usb_ctrlrequest *req) {
        uint8_t none = 0;
        if (req->bRequestType & USB_DIR_IN)
                (void) !read(ep0, &none, 0);
        else
                (void) !write(ep0, &none, 0);
}

static int answer_in(int ep0, const struct usb_ctrlrequest *req, const void *data, size_t len) {
        size_t want = le16toh(req->wLength);
        return write_all(ep0, data, len < want ? len : want);
}

/* Device-to-host requests to the interface. */
static int setup_in(int ep0, struct ykemu_card *card, const struct usb_ctrlrequest *req) {
        uint16_t value = le16toh(req->wValue);
        uint8_t report[YKEMU_HID_REPORT_SIZE] = {};
        static const uint8_t zero_byte = 0, report_protocol = 1;
        if (req->bRequestType == (USB_DIR_IN | USB_RECIP_INTERFACE) && req->bRequest == USB_REQ_GET_DESCRIPTOR) {
                if (value >> 8 == HID_DT_REPORT)
                        return answer_in(ep0, req, ykemu_hid_report_descriptor, ykemu_hid_report_descriptor_size);
                if (value >> 8 == HID_DT_HID) {
                        struct speed_descs d = speed_descs(/* interval= */ 10);
                        return answer_in(ep0, req, &d.hid, sizeof(d.hid));
                }
        } else if (req->bRequestType == (USB_DIR_IN | USB_TYPE_CLASS | USB_RECIP_INTERFACE)) {
                switch (req->bRequest) {
                case HID_GET_REPORT:
                        if (value == HID_REPORT_FEATURE << 8 && ykemu_card_hid_get(card, report) == 0)
                                return answer_in(ep0, req, report, sizeof(report));
                        if (value == HID_REPORT_INPUT << 8) /* no key is down */
                                return answer_in(ep0, req, report, sizeof(report));
                        break;
                case HID_GET_IDLE: return answer_in(ep0, req, &zero_byte, 1);
                case HID_GET_PROTOCOL: return answer_in(ep0, req, &report_protocol, 1);
                }
        }
        stall(ep0, req);
        return 0;
}

/* Host-to-device requests: reading the data stage (or nothing) acknowledges them. A feature
 * report that the card does not take is dropped, as the key does with a frame it ignores. */
static int setup_out(int ep0, struct ykemu_card *card, const struct usb_ctrlrequest *req) {
        uint16_t value = le16toh(req->wValue), len = le16toh(req->wLength);
        uint8_t data[64];
        if (req->bRequestType != (USB_DIR_OUT | USB_TYPE_CLASS | USB_RECIP_INTERFACE) || len > sizeof(data) ||
            (req->bRequest != HID_SET_REPORT && req->bRequest != HID_SET_IDLE && req->bRequest != HID_SET_PROTOCOL)) {
                stall(ep0, req);
                return 0;
        }
        ssize_t n = read(ep0, data, len);
        if (n < 0)
                return -errno;
        unsigned touches = ykemu_card_hid_touches(card);
        if (req->bRequest == HID_SET_REPORT && value == HID_REPORT_FEATURE << 8 && n == YKEMU_HID_REPORT_SIZE)
                (void) ykemu_card_hid_set(card, data);
        if (ykemu_card_hid_touches(card) != touches) /* the tests count the touches asked for */
                fprintf(stderr, "ykemu: touch asked\n");
        return 0; /* output reports (the keyboard's LEDs), idle rate, protocol: nothing to keep */
}

static const char *event_name(uint8_t type) {
        static const char *const names[] = { "bind", "unbind", "enable", "disable", "setup", "suspend", "resume" };
        return type < ELEMENTSOF(names) ? names[type] : "unknown";
}

static int handle_event(int ep0, struct ykemu_card *card, bool verbose) {
        struct usb_functionfs_event ev;
        ssize_t n = read(ep0, &ev, sizeof(ev));
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : -errno;
        if (n != sizeof(ev))
                return -EIO;
        if (verbose || ev.type == FUNCTIONFS_ENABLE || ev.type == FUNCTIONFS_DISABLE)
                fprintf(stderr, "ykemu: usb-ffs %s\n", event_name(ev.type));
        if (ev.type != FUNCTIONFS_SETUP)
                return 0;
        const struct usb_ctrlrequest *req = &ev.u.setup;
        if (verbose)
                fprintf(stderr, "ykemu: setup %02x %02x %04x %04x %04x\n", req->bRequestType, req->bRequest,
                        le16toh(req->wValue), le16toh(req->wIndex), le16toh(req->wLength));
        int r = req->bRequestType & USB_DIR_IN ? setup_in(ep0, card, req) : setup_out(ep0, card, req);
        /* The host gave up on this request (a reset, a timeout): the next event says what now. */
        return r == -EIDRM || r == -EL2HLT ? 0 : r;
}

int ykemu_run_ffs(struct ykemu_card *card, const char *dir, bool verbose, volatile sig_atomic_t *stop) {
        char path[4096];
        if ((size_t) snprintf(path, sizeof(path), "%s/ep0", dir) >= sizeof(path))
                return -ENAMETOOLONG;
        int ep0 = open(path, O_RDWR | O_CLOEXEC);
        if (ep0 < 0) {
                int r = -errno;
                fprintf(stderr, "ykemu: cannot open %s: %s\n", path, strerror(-r));
                return r;
        }
        int r = write_descriptors(ep0);
        if (r < 0) {
                fprintf(stderr, "ykemu: cannot write the descriptors to %s: %s\n", path, strerror(-r));
                close(ep0);
                return r;
        }
        fprintf(stderr, "ykemu: usb-ffs ready\n");
        while (!*stop) {
                struct pollfd p = { .fd = ep0, .events = POLLIN };
                int k = poll(&p, 1, 200);
                if (k < 0 && errno != EINTR) {
                        r = -errno;
                        break;
                }
                if (k > 0 && (r = handle_event(ep0, card, verbose)) < 0)
                        break;
                r = 0;
        }
        close(ep0);
        if (r < 0)
                fprintf(stderr, "ykemu: usb-ffs: %s\n", strerror(-r));
        return r;
}
