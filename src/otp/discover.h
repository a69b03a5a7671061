/* Finding tokens: every device on every chosen backend, opened, selected and asked its serial. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otp/status.h"
#include "transport/transport.h"

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
 * that is not there (pcscd not running) fails the call (-EHOSTDOWN) only when no device was
 * found on any other. */
int yk_tokens_discover(const struct yk_backend *const *backends, const struct yk_token_filter *filter,
                       struct yk_token_list *ret);

/* Opens the token again for one operation: connect, select, and check it is still the token
 * that was found (same serial). */
int yk_token_open(const struct yk_backend *const *backends, const struct yk_token *t,
                  struct yk_conn **ret_conn, struct yk_otp_status *ret_status);
