/* `open` and `open_pin`: a thin shim over the unlock chain (vault_token_passphrase: one header
 * read, the wait, the derivation and the PIN check), answering in libcryptsetup's errno
 * contract (plugin.h). */
#include <errno.h>
#include <inttypes.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <string.h>

#include "plugin/plugin.h"
#include "shared/secmem.h"
#include "vault/vault.h"

struct prompt_ctx {
        struct crypt_device *cd;
        struct ykp_wait *wait;
        unsigned configured_s; /* YKUNLOCK_TOKEN_TIMEOUT */
        unsigned timeout_s;    /* what is left of the process's deadline */
};

/* The process's deadline starts when the first token really waits (not for a missing PIN). */
static unsigned wait_left(void *userdata) {
        struct prompt_ctx *p = userdata;
        p->timeout_s = ykp_wait_remaining_s(p->wait, p->configured_s);
        return p->timeout_s;
}

static void say_touch(void *userdata) {
        struct prompt_ctx *p = userdata;
        crypt_log(p->cd, CRYPT_LOG_NORMAL, "Touch your token…\n");
}

/* Once per process, whichever token waits first. */
static void say_insert(void *userdata, const char *label, const uint32_t *serials, size_t n_serials,
                       bool unknown_serial_enrolled) {
        struct prompt_ctx *p = userdata;
        pthread_mutex_lock(&p->wait->lock);
        bool said = p->wait->said;
        p->wait->said = true;
        pthread_mutex_unlock(&p->wait->lock);
        if (said)
                return;
        char which[256] = "";
        size_t len = 0;
        for (size_t i = 0; i < n_serials && len < sizeof(which); i++) {
                int k = snprintf(which + len, sizeof(which) - len, "%s%" PRIu32, i ? ", " : "", serials[i]);
                len += k > 0 ? (size_t) k : 0;
        }
        if (unknown_serial_enrolled && len < sizeof(which))
                snprintf(which + len, sizeof(which) - len, "%sone with a hidden serial", len ? ", " : "");
        crypt_logf(p->cd, CRYPT_LOG_NORMAL, "Insert your token… (YubiKey %s; waiting up to %u s)\n", which,
                   p->timeout_s);
}

/* Everything that means "no such token here" is -EAGAIN; every other failure -ENOENT. */
static int map_error(struct crypt_device *cd, int token, int r) {
        switch (r) {
        case -EAGAIN:
        case -ENODEV:
        case -EHOSTDOWN:
        case -EOPNOTSUPP:
        case -ENOMEDIUM:
                return -EAGAIN;
        case -EHOSTUNREACH: /* no token came within the wait: not present, as far as we can tell */
                crypt_logf(cd, CRYPT_LOG_NORMAL, "Token %d: the PC/SC service does not answer.\n", token);
                return -EAGAIN;
        case -ENOANO:
        case -EPERM:
                return r;
        case -ETIMEDOUT:
                crypt_logf(cd, CRYPT_LOG_NORMAL, "Token %d: touch not received.\n", token);
                return -ENOENT;
        default:
                crypt_logf(cd, CRYPT_LOG_DEBUG, "ykunlock: token %d: %s", token, strerror(-r));
                return -ENOENT;
        }
}

int ykp_open(struct crypt_device *cd, int token, const char *pin, size_t pin_size,
             const struct yk_backend *const *backends, struct ykp_wait *w, unsigned timeout_s,
             char **ret_buffer, size_t *ret_len) {
        if (!cd || !backends || !w || !ret_buffer || !ret_len)
                return -ENOENT;
        /* An empty or oversized PIN is no PIN: a token enrolled with one answers -ENOANO. */
        bool have_pin = pin && pin_size > 0 && pin_size <= YK_PIN_MAX;
        _cleanup_(secret_clearp) struct secret pin_s = {};
        if (have_pin) {
                if (secret_new(pin_size, &pin_s) < 0)
                        return -ENOENT;
                memcpy(pin_s.data, pin, pin_size);
        }
        struct prompt_ctx p = { .cd = cd, .wait = w, .configured_s = timeout_s };
        struct vault_timeout wait = { .seconds = wait_left, .userdata = &p };
        struct yk_prompt touch = { .touch = say_touch, .userdata = &p };
        struct vault_insert_prompt insert = { .insert = say_insert, .userdata = &p };
        /* The touch prompt is used for tokens enrolled with touch only (the chain decides). */
        struct vault_tokens_ctx ctx = { .backends = backends, .touch = &touch, .insert = &insert };

        _cleanup_(secret_clearp) struct secret pass = {};
        int r = vault_token_passphrase(cd, token, &ctx, &wait, have_pin ? &pin_s : NULL, &pass);
        if (r < 0)
                return map_error(cd, token, r);
        struct secret out = TAKE_STRUCT(pass);
        *ret_buffer = (char *) out.data;
        *ret_len = out.len;
        return 0;
}

void ykp_buffer_free(void *buffer, size_t len) {
        (void) len; /* the allocator knows the size, and wipes it all */
        secure_free(buffer);
}
