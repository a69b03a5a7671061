/* The transport interface: how bytes reach a key, whatever the wire. It knows nothing of the
 * OTP application: framing its commands is otp/'s job (otp/frame-ccid.c, otp/frame-hid.c).
 *
 * A backend is a few functions (as in libfido2's fido_dev_io_t): enumerate the devices, open
 * one, close it, and move bytes: a PC/SC backend exchanges one APDU, a HID backend gets and
 * sets one 8-byte feature report. Nothing above this layer includes winscard.h or HID headers.
 * Every call that may block is bounded by the deadline it is given (shared/deadline.h; NULL:
 * only the short minimum of one service call).
 *
 * Errors (shared/errors.h): -EHOSTDOWN no PC/SC service; -EHOSTUNREACH the PC/SC service does
 * not answer (a call overran its bound: the backend stays dead for the rest of the process);
 * -ENOMEDIUM no card / pulled out; -EUSERS another program holds the card; -EACCES no access
 * to the device node; -ECONNRESET the card was reset and the command not sent (send it again
 * after selecting the application again); -EPROTO an answer that is not the protocol; -EIO
 * other communication errors; -EOPNOTSUPP a backend compiled out. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/deadline.h"

enum yk_transport_kind {
        YK_TRANSPORT_PCSC,
        YK_TRANSPORT_HID,
};

const char *yk_transport_kind_name(enum yk_transport_kind kind); /* "pcsc" / "hid" */

#define YK_DEVICE_NAME_MAX 256

/* The feature report of a YubiKey's keyboard (OTP) interface, without the report id. */
#define YK_HID_REPORT_SIZE 8

/* A place where a key may be: a PC/SC reader, or a hidraw node. */
struct yk_device {
        enum yk_transport_kind kind;
        char name[YK_DEVICE_NAME_MAX];
};

struct yk_device_list {
        struct yk_device *items;
        size_t n;
};

void yk_device_list_free(struct yk_device_list *list);
int yk_device_list_append(struct yk_device_list *list, const struct yk_device *dev);

struct yk_backend {
        const char *name;
        enum yk_transport_kind kind;
        /* Appends every device this backend sees (readers with or without a card). */
        int (*enumerate)(const struct yk_deadline *dl, struct yk_device_list *list);
        /* Opens a device for one operation and holds it until close (PC/SC: a connection in
         * one transaction; HID: the node, under an exclusive lock). *ret_handle goes to the
         * other functions. */
        int (*open)(const struct yk_device *dev, const struct yk_deadline *dl, void **ret_handle);
        void (*close)(void *handle); /* NULL is fine */
        /* PC/SC kind: one command APDU in, response data plus SW1 SW2 out (cap >= 258). */
        int (*transmit)(void *handle, const struct yk_deadline *dl, const uint8_t *apdu, size_t len, uint8_t *resp,
                        size_t cap, size_t *ret_len);
        /* HID kind: reads / writes one feature report. */
        int (*get_report)(void *handle, uint8_t report[YK_HID_REPORT_SIZE]);
        int (*set_report)(void *handle, const uint8_t report[YK_HID_REPORT_SIZE]);
};

/* The backends compiled in, NULL-terminated, filtered by "pcsc", "hid" or "auto" (all, HID first). */
int yk_backends_for(const char *transport, const struct yk_backend *const **ret);

extern const struct yk_backend yk_backend_hid;
extern const struct yk_backend yk_backend_pcsc;

#if !YK_WITH_PCSC
/* Built without PC/SC (-DWITH_PCSC=OFF): yk_backend_pcsc (registry.c) is made of these, which
 * say so; `auto` leaves it out. Callers need no #ifdef. */
static inline int yk_pcsc_stub_enumerate(const struct yk_deadline *dl, struct yk_device_list *list) {
        return -EOPNOTSUPP;
}
static inline int yk_pcsc_stub_open(const struct yk_device *dev, const struct yk_deadline *dl, void **ret_handle) {
        return -EOPNOTSUPP;
}
static inline void yk_pcsc_stub_close(void *handle) {
}
static inline int yk_pcsc_stub_transmit(void *handle, const struct yk_deadline *dl, const uint8_t *apdu, size_t len,
                                        uint8_t *resp, size_t cap, size_t *ret_len) {
        return -EOPNOTSUPP;
}
#endif
