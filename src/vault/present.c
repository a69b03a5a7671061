/* The YubiKey side of a vault: which enrolled tokens are present, their response, the key. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "crypto/kdf.h"
#include "otp/applet.h"
#include "shared/deadline.h"
#include "vault/internal.h"

#define POLL_INTERVAL_MS 250

static int ask_key(const struct vault_tokens_ctx *ctx, const struct yk_token *t, int slot,
                   const uint8_t *challenge, size_t len, struct yk_response **ret) {
        struct yk_conn *c = NULL;
        struct yk_otp_status st;
        int r = yk_token_open(ctx->backends, t, /* dl= */ NULL, &c, &st);
        if (r < 0)
                return r;
        _cleanup_(secure_freep) struct yk_response *resp = secure_alloc(sizeof(*resp));
        r = resp ? yk_otp_challenge_hmac(c, &st, slot, challenge, len, ctx->touch, resp) : -ENOMEM;
        yk_conn_close(c);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(resp);
        return 0;
}

int vault_token_response(const struct vault_tokens_ctx *ctx, const struct yk_token *t, int slot,
                         const uint8_t *challenge, size_t len, struct yk_response **ret) {
        if (ctx->responses && vault_response_cache_get(ctx->responses, t, slot, challenge, len, ret) == 0)
                return 0;
        _cleanup_(secure_freep) struct yk_response *resp = NULL;
        int r = ask_key(ctx, t, slot, challenge, len, &resp);
        if (r < 0)
                return r;
        if (ctx->responses) /* a full table (or a key without serial) only means asking again */
                (void) vault_response_cache_put(ctx->responses, t, slot, challenge, len, resp);
        *ret = TAKE_PTR(resp);
        return 0;
}

int vault_derive(struct crypt_device *cd, const struct yk_token_info *info, const struct yk_response *response,
                 const struct secret *pin, struct secret *ret) {
        const char *uuid = crypt_get_uuid(cd);
        if (!uuid || !response)
                return -EINVAL;
        if (info->pin && !pin)
                return -ENOANO;
        return kdf_keyslot_passphrase(response, info->pin ? pin : NULL, info->challenge, info->challenge_len,
                                      uuid, ret);
}

static bool token_matches(const struct yk_token *present, const struct yk_token_info *enrolled) {
        if (present->error != 0)
                return false;
        if (!enrolled->serial_known)
                return !present->serial_known;
        return present->serial_known && present->serial == enrolled->serial;
}

/* No enrolled token answered: a device that could not be asked says why better than "none".
 * A card another program holds may well be ours (exit 6, not 3); a PC/SC service that does
 * not answer may hide it. */
static int why_none(const struct yk_token_list *list) {
        int r = -ENODEV;
        for (size_t i = 0; i < list->n; i++) {
                int e = list->items[i].error;
                if (e == -EHOSTUNREACH)
                        return e;
                if (e == -EUSERS)
                        r = e;
        }
        return r;
}

/* One look: the first present token with enrolled bound tokens, and their ids. */
static int match_once(const struct vault_tokens_ctx *ctx, const struct vault_header *h, const struct yk_deadline *dl,
                      struct yk_token *ret_token, int *ret_matches, size_t *ret_n) {
        _cleanup_(yk_token_list_free) struct yk_token_list found = {};
        const struct yk_token_list *list = ctx->present;
        int r;
        if (!list) {
                r = yk_tokens_discover(ctx->backends, &ctx->filter, dl, &found);
                if (r < 0)
                        return r;
                list = &found;
        }
        r = -ENODEV;
        for (size_t i = 0; i < list->n && r == -ENODEV; i++) {
                size_t n = 0;
                for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                        const struct vault_token_slot *t = &h->tokens[id];
                        if (vault_token_usable(t) && token_matches(&list->items[i], &t->info))
                                ret_matches[n++] = id;
                }
                if (n > 0) {
                        *ret_token = list->items[i];
                        *ret_n = n;
                        r = 0;
                }
        }
        return r == -ENODEV ? why_none(list) : r;
}

static void say_insert(const struct vault_tokens_ctx *ctx, const struct vault_header *h) {
        if (!ctx->insert || !ctx->insert->insert)
                return;
        uint32_t serials[YK_LUKS2_KEYSLOTS];
        size_t n = 0;
        bool unknown = false;
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                const struct vault_token_slot *t = &h->tokens[id];
                if (!vault_token_usable(t))
                        continue;
                if (!t->info.serial_known) {
                        unknown = true;
                        continue;
                }
                bool seen = false;
                for (size_t j = 0; j < n; j++)
                        seen = seen || serials[j] == t->info.serial;
                if (!seen)
                        serials[n++] = t->info.serial;
        }
        ctx->insert->insert(ctx->insert->userdata, h->label, serials, n, unknown);
}

/* The wait for a token. `open_mask` is the caller's signal mask: the loop runs with the
 * signals that end a wait blocked, and sleeps with `open_mask` (ppoll swaps them atomically). */
static int wait_present(const struct vault_tokens_ctx *ctx, const struct vault_header *h, unsigned timeout_s,
                        const sigset_t *open_mask, struct yk_token *ret_token, int *ret_matches,
                        size_t *ret_n_matches) {
        const struct yk_deadline dl = yk_deadline_in((uint64_t) timeout_s * 1000);
        bool said = false;
        for (;;) {
                int r = match_once(ctx, h, &dl, ret_token, ret_matches, ret_n_matches);
                /* pcscd may be started with the token, another program may let go of the card,
                 * a key may come on HID while pcscd does not answer: keep polling. */
                if (r != -ENODEV && r != -EHOSTDOWN && r != -EUSERS && r != -EHOSTUNREACH)
                        return r;
                if (ctx->present || yk_deadline_passed(&dl)) /* a list given: nothing to wait for */
                        return r;
                if (!said) {
                        say_insert(ctx, h);
                        said = true;
                }
                /* A signal the host handles (cryptsetup's SIGINT/SIGTERM) ends the wait: the
                 * host wants control back, and the caller sees "no token" as after a timeout. */
                struct timespec ts = { .tv_nsec = POLL_INTERVAL_MS * 1000000L };
                if (ppoll(NULL, 0, &ts, open_mask) < 0 && errno == EINTR)
                        return r;
        }
}

int vault_find_present(const struct vault_tokens_ctx *ctx, const struct vault_header *h, unsigned timeout_s,
                       struct yk_token *ret_token, int *ret_matches, size_t *ret_n_matches) {
        /* The signals that end a wait are held back while a token is looked for, so that one
         * arriving then is not taken by the host's handler unseen (the sleep after it would run
         * on to the deadline: seen under load as a 30 s wait after SIGTERM). The sleep lets
         * them in. */
        sigset_t ends, saved;
        sigemptyset(&ends);
        sigaddset(&ends, SIGINT);
        sigaddset(&ends, SIGTERM);
        sigaddset(&ends, SIGHUP);
        int e = pthread_sigmask(SIG_BLOCK, &ends, &saved);
        if (e != 0)
                return -e;
        int r = wait_present(ctx, h, timeout_s, &saved, ret_token, ret_matches, ret_n_matches);
        (void) pthread_sigmask(SIG_SETMASK, &saved, NULL);
        return r;
}
