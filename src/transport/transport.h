/* The transport interface: how the OTP protocol layer reaches a key, whatever the wire.
 *
 * A backend (pcsc.c, later hid.c) enumerates devices and opens connections. A connection
 * carries OTP commands: "select" (PC/SC: SELECT the OTP AID; HID: read the status report) and
 * "call" (one slot command with its payload). Framing is the backend's job: ISO 7816 APDUs in
 * apdu.c for PC/SC, 8-byte feature reports in hid.c. Nothing above this layer includes
 * winscard.h or HID headers.
 *
 * Errors (shared/errors.h): -EHOSTDOWN no PC/SC service; -ENOMEDIUM no card / pulled out;
 * -EMEDIUMTYPE the card has no OTP application; -EUSERS another program holds the card;
 * -EPROTO an answer that is not the protocol; -ETIMEDOUT the key answered 69 85 (conditions of
 * use not satisfied: touch not given); -EBADRQC the key does not know this slot command (6D 00
 * again after a re-SELECT, 6A 81, 6A 86); -EIO other communication errors. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yk_transport_kind {
        YK_TRANSPORT_PCSC,
        YK_TRANSPORT_HID,
};

const char *yk_transport_kind_name(enum yk_transport_kind kind); /* "pcsc" / "hid" */

#define YK_DEVICE_NAME_MAX 256

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

/* What the edge is told when a person must act. Lower layers call it; the edge prints. */
struct yk_prompt {
        /* The key waits for a touch (or may, when a backend cannot tell): said once per call. */
        void (*touch)(void *userdata);
        void *userdata;
};

struct yk_conn;

struct yk_conn_ops {
        /* Status bytes as the key sends them (6, or 10 on older keys). */
        int (*select_otp)(struct yk_conn *c, uint8_t *ret_status, size_t cap, size_t *ret_len);
        /* One OTP slot command (docs/protocol.md §1, P1 of INS 01) with its payload; returns the answer
         * data without status words. `prompt` is given for commands that may wait for a touch. */
        int (*otp_call)(struct yk_conn *c, uint8_t slot_cmd, const uint8_t *data, size_t len,
                        const struct yk_prompt *prompt, uint8_t *resp, size_t cap, size_t *ret_len);
        /* Ends the transaction and frees the connection. */
        void (*close)(struct yk_conn *c);
};

/* Backends embed this first in their own connection struct. */
struct yk_conn {
        const struct yk_conn_ops *ops;
        struct yk_device device;
};

static inline int yk_conn_select_otp(struct yk_conn *c, uint8_t *ret_status, size_t cap, size_t *ret_len) {
        return c->ops->select_otp(c, ret_status, cap, ret_len);
}

static inline int yk_conn_otp_call(struct yk_conn *c, uint8_t slot_cmd, const uint8_t *data, size_t len,
                                   const struct yk_prompt *prompt, uint8_t *resp, size_t cap, size_t *ret_len) {
        return c->ops->otp_call(c, slot_cmd, data, len, prompt, resp, cap, ret_len);
}

void yk_conn_close(struct yk_conn *c); /* NULL is fine */
static inline void yk_conn_closep(struct yk_conn **c) {
        yk_conn_close(*c);
}

struct yk_backend {
        const char *name;
        enum yk_transport_kind kind;
        /* Appends every device this backend sees (readers with or without a card). */
        int (*enumerate)(struct yk_device_list *list);
        /* Connects and starts one transaction that lasts until close. */
        int (*open)(const struct yk_device *dev, struct yk_conn **ret);
};

/* The backends compiled in, NULL-terminated, filtered by "pcsc", "hid" or "auto" (all, HID first). */
int yk_backends_for(const char *transport, const struct yk_backend *const **ret);

extern const struct yk_backend yk_backend_pcsc;
extern const struct yk_backend yk_backend_hid;
