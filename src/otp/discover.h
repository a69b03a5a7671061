/* Finding tokens: every device on every chosen backend, opened, selected and asked its serial. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otp/conn.h"
#include "otp/status.h"
#include "shared/deadline.h"
#include "transport/transport.h"

/* The backends to ask for --transport "pcsc", "hid" or "auto" (all compiled in, HID first);
 * what the layers above pass back to the functions below. -EINVAL for another name. */
int yk_token_backends(const char *transport, const struct yk_backend *const **ret);

struct yk_token {
        struct yk_device device;
        int error;                 /* 0, or why this device holds no usable OTP application:
                                      -ENOMEDIUM no card, -EMEDIUMTYPE no OTP application, ... */
        struct yk_otp_status status;
        bool serial_known;
        uint32_t serial;
};

struct yk_token_list {
        struct yk_token *items;
        size_t n;
};

void yk_token_list_free(struct yk_token_list *list);

struct yk_token_filter {
        const char *reader;   /* substring of the device name, or NULL */
        bool serial_set;
        uint32_t serial;
};

/* Lists every device of every backend with what it holds. A token whose serial was already
 * seen on an earlier backend is left out (asked in order: `auto` puts HID first). A backend
 * that is not there (pcscd not running: -EHOSTDOWN, not answering: -EHOSTUNREACH, compiled
 * out: -EOPNOTSUPP) fails the call only when no device was found on any other. Every service call is bounded by dl (NULL: the minimum of one call). */
int yk_tokens_discover(const struct yk_backend *const *backends, const struct yk_token_filter *filter,
                       const struct yk_deadline *dl, struct yk_token_list *ret);

/* Opens the token again for one operation: connect, select, and check it is still the token
 * that was found (same serial). dl bounds the opening; the exchanges that follow get their
 * own bound (otp/conn.h). */
int yk_token_open(const struct yk_backend *const *backends, const struct yk_token *t, const struct yk_deadline *dl,
                  struct yk_conn **ret_conn, struct yk_otp_status *ret_status);
