/* The first method of the unlock chain: a present enrolled token. One challenge per token;
 * a wrong PIN is asked again with the same response (no second touch). Never prompts: the PIN
 * comes from req->pin or ctx->ask->pin. */
#include <errno.h>

#include "vault/internal.h"

static void took(const struct vault_header *h, int id, struct secret *pass, struct vault_unlocked *out) {
        out->kind = VAULT_AUTH_TOKEN;
        out->token_id = id;
        out->keyslot = h->tokens[id].info.keyslot;
        out->token = h->tokens[id].info;
        secret_clear(&out->passphrase);
        out->passphrase = TAKE_STRUCT(*pass);
}

/* The PIN for this attempt: given, or asked into *asked. */
static int pin_for(const struct vault_tokens_ctx *ctx, const struct vault_unlock_req *req,
                   const struct yk_token_info *info, unsigned attempt, struct secret *asked,
                   const struct secret **ret) {
        if (!info->pin || req->pin) {
                *ret = req->pin;
                return 0;
        }
        if (!ctx->ask || !ctx->ask->pin)
                return -ENOANO;
        int r = ctx->ask->pin(ctx->ask->userdata, info, attempt, asked);
        if (r < 0)
                return r;
        *ret = asked;
        return 0;
}

static int try_token(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                     const struct vault_unlock_req *req, const struct yk_token *present, int id,
                     struct vault_unlocked *out) {
        const struct yk_token_info *info = &h->tokens[id].info;
        /* A key never tells whether its slot needs a touch: the token recorded it. */
        struct vault_tokens_ctx tctx = *ctx;
        if (!info->touch)
                tctx.touch = NULL;
        bool may_ask_again = info->pin && !req->pin && ctx->ask && ctx->ask->pin;
        unsigned tries = vault_ask_tries(ctx);
        _cleanup_(secure_freep) struct yk_response *response = NULL;
        for (unsigned attempt = 0;; attempt++) {
                _cleanup_(secret_clearp) struct secret asked = {}, pass = {};
                const struct secret *pin;
                int r = pin_for(ctx, req, info, attempt, &asked, &pin);
                if (r == 0 && !response)
                        r = vault_token_response(&tctx, present, info->slot, info->challenge, info->challenge_len,
                                                 &response);
                if (r == 0)
                        r = vault_derive(cd, info, response, pin, &pass);
                if (r == 0 && req->use != VAULT_USE_DERIVE)
                        r = vault_unlock_try(cd, req, info->keyslot, &pass, out);
                if (r == 0) {
                        took(h, id, &pass, out);
                        return 0;
                }
                if (r != -EPERM || !info->pin)
                        return r;
                if (!may_ask_again || attempt + 1 >= tries)
                        return -ENOANO; /* the PIN is part of the key: a wrong one is -EPERM here */
        }
}

static bool any_bound(const struct vault_header *h, bool *ret_malformed) {
        bool bound = false, malformed = false;
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                bound = bound || vault_token_usable(&h->tokens[id]);
                malformed = malformed || h->tokens[id].kind == VT_MALFORMED;
        }
        *ret_malformed = malformed;
        return bound;
}

/* The present key of req->only_token_id: the one found already, or a fresh look for it. */
static int narrow_to_one(const struct vault_tokens_ctx *ctx, const struct vault_header *h, int only,
                         struct yk_token *present, int *matches, size_t *n) {
        for (size_t i = 0; i < *n; i++)
                if (matches[i] == only) {
                        matches[0] = only;
                        *n = 1;
                        return 0;
                }
        struct vault_header one = *h;
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++)
                if (id != only)
                        one.tokens[id].kind = VT_NONE;
        int r = vault_find_present(ctx, &one, /* timeout_s= */ 0, present, matches, n);
        return r == -ENODEV ? -EAGAIN : r;
}

int vault_unlock_by_token(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                          const struct vault_unlock_req *req, struct vault_unlocked *out) {
        bool malformed;
        bool bound = any_bound(h, &malformed);
        if (!ctx || !bound)
                return !bound && malformed ? -EBADMSG : -ENODEV;
        struct yk_token present;
        int matches[YK_LUKS2_KEYSLOTS];
        size_t n = 0;
        int r = vault_find_present(ctx, h, req->timeout_s, &present, matches, &n);
        if (r == 0 && req->only_token_id >= 0)
                r = narrow_to_one(ctx, h, req->only_token_id, &present, matches, &n);
        if (r < 0)
                return r;
        /* Normally one: a key enrolled twice (both slots) gets its second chance. */
        for (size_t i = 0; i < n; i++) {
                r = try_token(cd, h, ctx, req, &present, matches[i], out);
                if (r != -EPERM && r != -ENOKEY)
                        break;
        }
        return r;
}
