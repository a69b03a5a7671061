/* ykemu --uhid: the card's HID side (card-hid.c) as a kernel HID device through /dev/uhid.
 * The kernel sees a USB keyboard 1050:0407 ("YubiKey OTP+FIDO+CCID") with the 8-byte feature
 * report of the OTP interface; hid-generic binds it and a real /dev/hidrawN appears, so the
 * host's hidraw backend and udev see a YubiKey arrive (docs/protocol.md §9). Feature-report requests
 * of the kernel arrive as UHID_GET_REPORT / UHID_SET_REPORT events and are answered at once:
 * the card's HID side never blocks (a touch wait is a status the host polls). */
#include <errno.h>
#include <fcntl.h>
#include <linux/uhid.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "modes.h"

#define BUS_USB_ID 0x03
#define YUBICO_VENDOR 0x1050
#define YUBIKEY5_OTP_FIDO_CCID 0x0407

static int send_event(int fd, const struct uhid_event *ev) {
        ssize_t n = write(fd, ev, sizeof(*ev));
        if (n < 0)
                return -errno;
        return n == (ssize_t) sizeof(*ev) ? 0 : -EIO;
}

static int create_device(int fd, const struct ykemu_card *card) {
        struct uhid_event ev = { .type = UHID_CREATE2 };
        struct uhid_create2_req *c = &ev.u.create2;
        snprintf((char *) c->name, sizeof(c->name), "Yubico YubiKey OTP+FIDO+CCID");
        snprintf((char *) c->uniq, sizeof(c->uniq), "%u", ykemu_card_serial(card));
        c->rd_size = (uint16_t) ykemu_hid_report_descriptor_size;
        c->bus = BUS_USB_ID;
        c->vendor = YUBICO_VENDOR;
        c->product = YUBIKEY5_OTP_FIDO_CCID;
        c->version = 0x0543;
        memcpy(c->rd_data, ykemu_hid_report_descriptor, ykemu_hid_report_descriptor_size);
        return send_event(fd, &ev);
}

/* The kernel's buffer starts with the report number (0 here), then the 8 report bytes. */
static int answer_get(int fd, struct ykemu_card *card, const struct uhid_get_report_req *req) {
        struct uhid_event ev = { .type = UHID_GET_REPORT_REPLY };
        struct uhid_get_report_reply_req *rep = &ev.u.get_report_reply;
        rep->id = req->id;
        if (req->rtype != UHID_FEATURE_REPORT || req->rnum != 0 ||
            ykemu_card_hid_get(card, rep->data + 1) < 0)
                rep->err = EIO;
        else
                rep->size = 1 + YKEMU_HID_REPORT_SIZE;
        return send_event(fd, &ev);
}

static int answer_set(int fd, struct ykemu_card *card, const struct uhid_set_report_req *req) {
        struct uhid_event ev = { .type = UHID_SET_REPORT_REPLY };
        ev.u.set_report_reply.id = req->id;
        const uint8_t *data = req->data;
        size_t size = req->size;
        if (size == 1 + YKEMU_HID_REPORT_SIZE && data[0] == 0) {
                data++; /* the report number */
                size--;
        }
        if (req->rtype != UHID_FEATURE_REPORT || size != YKEMU_HID_REPORT_SIZE || ykemu_card_hid_set(card, data) < 0)
                ev.u.set_report_reply.err = EIO;
        return send_event(fd, &ev);
}

static int handle_event(int fd, struct ykemu_card *card, bool verbose) {
        struct uhid_event ev;
        ssize_t n = read(fd, &ev, sizeof(ev));
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : -errno;
        switch (ev.type) {
        case UHID_GET_REPORT:
                return answer_get(fd, card, &ev.u.get_report);
        case UHID_SET_REPORT:
                return answer_set(fd, card, &ev.u.set_report);
        case UHID_START:
                if (verbose)
                        fprintf(stderr, "ykemu: uhid started\n");
                return 0;
        default:
                return 0; /* open, close, stop, LED output reports: nothing to do */
        }
}

int ykemu_run_uhid(struct ykemu_card *card, bool verbose, volatile sig_atomic_t *stop) {
        int fd = open("/dev/uhid", O_RDWR | O_CLOEXEC);
        if (fd < 0) {
                int r = -errno;
                fprintf(stderr, "ykemu: cannot open /dev/uhid: %s\n", strerror(-r));
                return r;
        }
        int r = create_device(fd, card);
        if (r < 0) {
                fprintf(stderr, "ykemu: cannot create the uhid device: %s\n", strerror(-r));
                close(fd);
                return r;
        }
        fprintf(stderr, "ykemu: uhid device 1050:0407 created\n");
        while (!*stop) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int k = poll(&p, 1, 200);
                if (k < 0 && errno != EINTR) {
                        r = -errno;
                        break;
                }
                if (k > 0 && (r = handle_event(fd, card, verbose)) < 0)
                        break;
                r = 0;
        }
        struct uhid_event ev = { .type = UHID_DESTROY };
        (void) send_event(fd, &ev);
        close(fd);
        if (r < 0)
                fprintf(stderr, "ykemu: uhid: %s\n", strerror(-r));
        return r;
}
