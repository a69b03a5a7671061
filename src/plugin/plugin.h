/* The token plugin's logic, apart from its exported symbols (libcryptsetup-token-ykunlock.c)
 * so that tests drive it with the emulated token and a wait state of their own.
 *
 * libcryptsetup's contract (docs/protocol.md §6): -EAGAIN "token not present", -ENOANO "PIN needed
 * or wrong", -ENOENT / -EPERM "not usable, try the next token". Any other negative errno
 * stops libcryptsetup from trying further tokens, so ykp_open() returns nothing else. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otp/discover.h"
#include "shared/deadline.h"
#include "shared/sizes.h"

struct crypt_device;

#define YKP_TIMEOUT_ENV       "YKUNLOCK_TOKEN_TIMEOUT"
#define YKP_TIMEOUT_MAX_S     86400

/* One deadline per process: sixteen absent tokens do not wait sixteen times. */
struct ykp_wait {
        pthread_mutex_t lock;
        bool started;                /* deadline is set */
        struct yk_deadline deadline; /* the same clock and arithmetic as every other wait */
        bool said;                   /* "Insert your token…" was logged */
};
#define YKP_WAIT_INIT { .lock = PTHREAD_MUTEX_INITIALIZER }

/* YKUNLOCK_TOKEN_TIMEOUT: whole seconds, 0 = don't wait; NULL or anything invalid (empty,
 * sign, units, spaces, above YKP_TIMEOUT_MAX_S) = YK_TIMEOUT_DEFAULT_S. */
unsigned ykp_timeout_parse(const char *value);

/* Seconds left to wait: the first call starts the deadline (now + timeout_s). */
unsigned ykp_wait_remaining_s(struct ykp_wait *w, unsigned timeout_s);

/* `open` (pin NULL) and `open_pin`: the keyslot passphrase of `token` in secure memory, to be
 * released with ykp_buffer_free(). Waits for an enrolled token up to what is left of w's
 * deadline; a PIN token without PIN gives -ENOANO at once, a wrong PIN -ENOANO. */
int ykp_open(struct crypt_device *cd, int token, const char *pin, size_t pin_size,
             const struct yk_backend *const *backends, struct ykp_wait *w, unsigned timeout_s,
             char **ret_buffer, size_t *ret_len);

/* Wipes and frees a buffer from ykp_open(). */
void ykp_buffer_free(void *buffer, size_t len);

/* docs/token-format.md, strictly, and the keyslot it names exists in `cd` (may be NULL). */
int ykp_validate(struct crypt_device *cd, const char *json);

/* One line per field for luksDump, through crypt_log. */
void ykp_dump(struct crypt_device *cd, const char *json);
