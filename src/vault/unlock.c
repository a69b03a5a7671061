/* The unlock chain, chosen once for every entry point (CLI, plugin, boot): a present enrolled
 * token, its PIN given or asked; else, when the caller can ask, the recovery key or a
 * passphrase, typed. Each wrong answer is asked again, up to ctx->ask->tries. The methods are
 * in unlock-token.c and unlock-secret.c; nothing here prompts by itself. */
#include <errno.h>

#include "vault/internal.h"

void vault_unlocked_clear(struct vault_unlocked *u) {
        secret_clear(&u->passphrase);
        secret_clear(&u->volume_key);
}

unsigned vault_ask_tries(const struct vault_tokens_ctx *ctx) {
        return ctx && ctx->ask && ctx->ask->tries > 0 ? ctx->ask->tries : VAULT_DEFAULT_TRIES;
}

static int volume_key_get(struct crypt_device *cd, int keyslot, const struct secret *pass, struct secret *ret) {
        int size = crypt_get_volume_key_size(cd);
        if (size <= 0)
                return -EBADMSG;
        _cleanup_(secret_clearp) struct secret vk = {};
        int r = secret_new((size_t) size, &vk);
        if (r < 0)
                return r;
        size_t vk_size = vk.len;
        r = crypt_volume_key_get(cd, keyslot, (char *) vk.data, &vk_size, (const char *) pass->data, pass->len);
        if (r == -ENOENT)
                return -EPERM; /* the keyslot does not exist, or holds another key */
        if (r < 0)
                return r;
        if (vk_size != vk.len)
                return -EINVAL;
        secret_clear(ret);
        *ret = TAKE_STRUCT(vk);
        return 0;
}

int vault_unlock_try(struct crypt_device *cd, const struct vault_unlock_req *req, int keyslot,
                     const struct secret *pass, struct vault_unlocked *out) {
        out->attempts++;
        if (req->use == VAULT_USE_VOLUME_KEY)
                return volume_key_get(cd, keyslot, pass, &out->volume_key);
        const char *name = req->use == VAULT_USE_ACTIVATE ? req->name : NULL;
        /* Without a name only the keyring flag counts: it loads the volume key into the kernel
         * keyring for this context (what crypt_resize needs, docs/protocol.md). */
        uint32_t flags = name ? req->flags : req->flags & CRYPT_ACTIVATE_KEYRING_KEY;
        int r = crypt_activate_by_passphrase(cd, name, keyslot, (const char *) pass->data, pass->len, flags);
        r = vault_map_activate_error(r, name);
        return r < 0 ? r : 0;
}

/* Errors after which a typed recovery key or passphrase is the way on (-EHOSTUNREACH: the
 * PC/SC service does not answer). */
static bool falls_back(int r) {
        return r == -ENODEV || r == -EHOSTDOWN || r == -EHOSTUNREACH || r == -EBADMSG;
}

static int by_typed_secret(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                           const struct vault_unlock_req *req, int why, struct vault_unlocked *out) {
        unsigned tries = vault_ask_tries(ctx);
        int r = why;
        for (unsigned attempt = 0; attempt < tries; attempt++) {
                _cleanup_(secret_clearp) struct secret text = {};
                r = ctx->ask->secret(ctx->ask->userdata, h->label, why, attempt, &text);
                if (r < 0)
                        return r;
                r = vault_unlock_by_typed(cd, h, req, &text, out);
                if (r != -EPERM)
                        return r;
        }
        return r;
}

int vault_unlock(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                 const struct vault_unlock_req *req, struct vault_unlocked *ret) {
        if (!cd || !h || !req || !ret)
                return -EINVAL;
        _cleanup_(vault_unlocked_clear) struct vault_unlocked u = { .token_id = -1, .keyslot = -1 };
        int r;
        if (req->auth && req->auth->kind != VAULT_AUTH_TOKEN)
                r = vault_unlock_by_secret(cd, h, req, req->auth->kind, req->auth->secret, &u);
        else {
                r = vault_unlock_by_token(cd, h, ctx, req, &u);
                if (falls_back(r) && !req->no_fallback && req->only_token_id < 0 && ctx && ctx->ask &&
                    ctx->ask->secret)
                        r = by_typed_secret(cd, h, ctx, req, r, &u);
        }
        if (r < 0)
                return r;
        *ret = TAKE_STRUCT(u);
        return 0;
}

int vault_unlock_volume_key(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_auth *auth,
                            struct vault_unlocked *ret) {
        if (!v)
                return -EINVAL;
        struct vault_unlock_req req = {
                .use = VAULT_USE_VOLUME_KEY,
                .pin = auth && auth->kind == VAULT_AUTH_TOKEN ? auth->pin : NULL,
                .auth = auth,
                .only_token_id = -1,
        };
        return vault_unlock(v->cd, &v->h, ctx, &req, ret);
}
