/* libcryptsetup token plugin for the `ykunlock` token type: stock `cryptsetup open`,
 * `cryptsetup luksDump` and systemd-cryptsetup use ykunlock vaults through it. A thin shim:
 * the logic is in plugin-*.c over src/vault. It lives inside its host, so it changes nothing
 * process-wide (no signal handlers, prctl or rlimits; secrets in MADV_DONTDUMP memory).
 * token.sym exports exactly these six functions under CRYPTSETUP_TOKEN_1.0. */
#include <errno.h>
#include <libcryptsetup.h>
#include <stdlib.h>

#include "plugin/plugin.h"

/* The ABI's functions (libcryptsetup.h has only their types). */
int cryptsetup_token_open(struct crypt_device *cd, int token, char **buffer, size_t *buffer_len, void *usrptr);
int cryptsetup_token_open_pin(struct crypt_device *cd, int token, const char *pin, size_t pin_size, char **buffer,
                              size_t *buffer_len, void *usrptr);
void cryptsetup_token_buffer_free(void *buffer, size_t buffer_len);
int cryptsetup_token_validate(struct crypt_device *cd, const char *json);
void cryptsetup_token_dump(struct crypt_device *cd, const char *json);
const char *cryptsetup_token_version(void);

static struct ykp_wait process_wait = YKP_WAIT_INIT;

static int open_any(struct crypt_device *cd, int token, const char *pin, size_t pin_size, char **buffer,
                    size_t *buffer_len) {
        const struct yk_backend *const *backends;
        if (yk_token_backends("auto", &backends) < 0)
                return -ENOENT;
        unsigned timeout_s = ykp_timeout_parse(secure_getenv(YKP_TIMEOUT_ENV));
        return ykp_open(cd, token, pin, pin_size, backends, &process_wait, timeout_s, buffer, buffer_len);
}

int cryptsetup_token_open(struct crypt_device *cd, int token, char **buffer, size_t *buffer_len, void *usrptr) {
        return open_any(cd, token, NULL, 0, buffer, buffer_len);
}

int cryptsetup_token_open_pin(struct crypt_device *cd, int token, const char *pin, size_t pin_size, char **buffer,
                              size_t *buffer_len, void *usrptr) {
        /* libcryptsetup passes a NULL pin only through open; be safe anyway. */
        return open_any(cd, token, pin, pin ? pin_size : 0, buffer, buffer_len);
}

void cryptsetup_token_buffer_free(void *buffer, size_t buffer_len) {
        ykp_buffer_free(buffer, buffer_len);
}

int cryptsetup_token_validate(struct crypt_device *cd, const char *json) {
        return ykp_validate(cd, json);
}

void cryptsetup_token_dump(struct crypt_device *cd, const char *json) {
        ykp_dump(cd, json);
}

const char *cryptsetup_token_version(void) {
        return YKUNLOCK_VERSION;
}
