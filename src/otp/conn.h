/* A connection to the OTP application of one key, whatever the wire: select the application,
 * and one slot command. otp/frame-ccid.c frames them as ISO 7816 APDUs over a transport that
 * exchanges APDUs (PC/SC), otp/frame-hid.c as feature reports over one that gets and sets
 * them (USB HID). Both sit behind a few injected functions, so that tests drive them
 * in-process against a mock or the emulator.
 *
 * Errors are those of transport/transport.h, plus: -EMEDIUMTYPE the card has no OTP
 * application; -ETIMEDOUT the key answered 69 85 or gave up waiting for a touch; -EBADRQC the
 * key does not know this slot command (6D 00 again after a re-SELECT, 6A 81, 6A 86). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "shared/deadline.h"
#include "transport/transport.h"

/* What the edge is told when a person must act. Lower layers call it; the edge prints. */
struct yk_prompt {
        /* The key waits for a touch (or may, when a transport cannot tell): said once per call. */
        void (*touch)(void *userdata);
        void *userdata;
};

struct yk_conn;

struct yk_conn_ops {
        /* Status bytes as the key sends them (6, or 10 on older keys). */
        int (*select_otp)(struct yk_conn *c, uint8_t *ret_status, size_t cap, size_t *ret_len);
        /* One OTP slot command (P1 of INS 01 over CCID, the slot byte of a HID frame) with its
         * payload; returns the answer data without status words. `prompt` is given for
         * commands that may wait for a touch. */
        int (*otp_call)(struct yk_conn *c, uint8_t slot_cmd, const uint8_t *data, size_t len,
                        const struct yk_prompt *prompt, uint8_t *resp, size_t cap, size_t *ret_len);
        /* Ends the operation (closes the transport's handle) and frees the connection. */
        void (*close)(struct yk_conn *c);
};

/* Framings embed this first in their own connection struct. */
struct yk_conn {
        const struct yk_conn_ops *ops;
        struct yk_device device;
        /* Bounds the calls of finding a token (select, serial): the caller's --timeout. A
         * command that may wait for a touch gets its own bound (yk_conn_call_deadline). */
        struct yk_deadline deadline;
};

/* Opens dev on backend b and puts the framing of its kind on top. dl (NULL: the minimum of one
 * service call) bounds the open and the calls of finding the token. */
int yk_conn_open(const struct yk_backend *b, const struct yk_device *dev, const struct yk_deadline *dl,
                 struct yk_conn **ret);

static inline int yk_conn_select_otp(struct yk_conn *c, uint8_t *ret_status, size_t cap, size_t *ret_len) {
        return c->ops->select_otp(c, ret_status, cap, ret_len);
}

static inline int yk_conn_otp_call(struct yk_conn *c, uint8_t slot_cmd, const uint8_t *data, size_t len,
                                   const struct yk_prompt *prompt, uint8_t *resp, size_t cap, size_t *ret_len) {
        return c->ops->otp_call(c, slot_cmd, data, len, prompt, resp, cap, ret_len);
}

/* The bound of one slot command: the exchange bound (YK_EXCHANGE_MS from now) for a command
 * that may wait for a touch or write flash, else the connection's deadline. */
struct yk_deadline yk_conn_call_deadline(const struct yk_conn *c, uint8_t slot_cmd);

void yk_conn_close(struct yk_conn *c); /* NULL is fine */
static inline void yk_conn_closep(struct yk_conn **c) {
        yk_conn_close(*c);
}

/* Sets the fields every framing fills the same way. */
void yk_conn_init(struct yk_conn *c, const struct yk_conn_ops *ops, const struct yk_device *dev);
