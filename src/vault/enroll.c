/* Enrolling a YubiKey: authorise, challenge the new token, derive, and add keyslot and token
 * in one transaction (txn.c). */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "crypto/random.h"
#include "vault/internal.h"

/* The first ykunlock token (valid, pending or not) of this serial, or -1. */
static int enrolled_token_of(const struct vault_header *h, const struct yk_token *t) {
        if (!t->serial_known)
                return -1; /* can't tell two such tokens apart: each is enrolled anew */
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++)
                if (h->tokens[id].kind == VT_YKUNLOCK && h->tokens[id].info.serial_known &&
                    h->tokens[id].info.serial == t->serial && h->tokens[id].info.keyslot >= 0)
                        return id;
        return -1;
}

static int check_params(const struct vault_enroll_params *p) {
        if (!p->token || (p->slot != 1 && p->slot != 2))
                return -EINVAL;
        if (p->token->error != 0)
                return p->token->error;
        if (!p->token->serial_known && !p->allow_unknown_serial)
                return -EINVAL;
        if (p->pin && (p->pin->len == 0 || p->pin->len > YK_PIN_MAX))
                return -EINVAL;
        return 0;
}

/* The token of p->share_with whose challenge the new token takes: bound, same serial, same
 * slot, and a PIN exactly when the new one has one (the same PIN: check_shared derives with it). */
static const struct yk_token_info *shared_token(const struct vault_enroll_params *p) {
        const struct vault_header *h = &p->share_with->h;
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                const struct vault_token_slot *t = &h->tokens[id];
                if (t->kind != VT_YKUNLOCK || t->info.keyslot < 0 || t->info.slot != p->slot ||
                    t->info.serial_known != p->token->serial_known || t->info.pin != (p->pin != NULL))
                        continue;
                if (!t->info.serial_known || t->info.serial == p->token->serial)
                        return &t->info;
        }
        return NULL;
}

/* The key's response to the group's challenge must open the other vault's keyslot: a wrong
 * OTHER (or a key programmed anew since) cannot bind this vault to a challenge nobody answers. */
static int check_shared(const struct vault_enroll_params *p, const struct yk_token_info *other,
                        const struct yk_response *response) {
        struct crypt_device *cd = p->share_with->cd;
        _cleanup_(secret_clearp) struct secret pass = {};
        int r = vault_derive(cd, other, response, p->pin, &pass);
        if (r < 0)
                return r;
        struct vault_unlock_req req = { .use = VAULT_USE_CHECK, .only_token_id = -1 };
        struct vault_unlocked u = {};
        r = vault_unlock_try(cd, &req, other->keyslot, &pass, &u);
        vault_unlocked_clear(&u);
        return r == -EPERM ? -EKEYREJECTED : r;
}

/* `other`: the group's token whose challenge it takes, or NULL for a fresh random one. */
static int new_token_info(const struct vault_enroll_params *p, const struct yk_token_info *other,
                          struct yk_token_info *ret) {
        struct yk_token_info t = {
                .version = YK_TOKEN_VERSION,
                .serial_known = p->token->serial_known,
                .serial = p->token->serial_known ? p->token->serial : 0,
                .slot = p->slot,
                .challenge_len = YK_TOKEN_CHALLENGE_NEW,
                .touch = p->touch,
                .pin = p->pin != NULL,
                .keyslot = -1,
                .pending_keyslot = -1,
        };
        int r = 0;
        if (other) {
                t.challenge_len = other->challenge_len;
                memcpy(t.challenge, other->challenge, other->challenge_len);
        } else
                r = crypto_random(t.challenge, t.challenge_len);
        if (r == 0)
                r = token_time_format(time(NULL), t.created);
        if (r < 0)
                return r;
        *ret = t;
        return 0;
}

/* Stale pending tokens (their keyslot never appeared, is gone, or is not ours) are removed first, so their
 * keyslot number can't be mistaken later for a keyslot someone else added. */
static void remove_stale_pending(struct crypt_device *cd, const struct vault_header *h) {
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                const struct vault_token_slot *t = &h->tokens[id];
                if (t->kind == VT_YKUNLOCK && t->stale)
                        (void) crypt_token_json_set(cd, id, NULL);
        }
}

/* h is the header as it was before remove_stale_pending() and the new token: a stale pending
 * token is gone already, and its token id or keyslot number may now be the new token's. */
static bool is_stale_pending(const struct vault_header *h, const struct vault_token_slot *s) {
        return s->kind == VT_YKUNLOCK && s->stale;
}

static int replace_old(struct crypt_device *cd, const struct vault_header *h, const struct yk_token *t,
                       int new_token_id, unsigned *ret_replaced) {
        unsigned n = 0;
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                const struct vault_token_slot *s = &h->tokens[id];
                if (s->kind != VT_YKUNLOCK || !s->info.serial_known || s->info.serial != t->serial)
                        continue;
                if (id == new_token_id || is_stale_pending(h, s))
                        continue;
                int r = vault_txn_remove(cd, id, &s->info);
                if (r < 0)
                        return r;
                n++;
        }
        *ret_replaced = n;
        return 0;
}

/* The volume key, through the unlock chain: `auth` given, or a present enrolled token, or
 * what ctx->ask gets typed. */
static int authorise(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_auth *auth,
                     struct secret *ret_vk) {
        _cleanup_(vault_unlocked_clear) struct vault_unlocked u = {};
        int r = vault_unlock_volume_key(v, ctx, auth, &u);
        if (r < 0)
                return r;
        *ret_vk = TAKE_STRUCT(u.volume_key);
        return 0;
}

int vault_enroll_loaded(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_auth *auth,
                        const struct vault_enroll_params *p, struct vault_enroll_result *ret) {
        if (!v || !ctx || !p || !ret)
                return -EINVAL;
        int r = check_params(p);
        if (r < 0)
                return r;
        struct crypt_device *cd = v->cd;
        const struct vault_header *h = &v->h;

        int existing = enrolled_token_of(h, p->token);
        if (existing >= 0 && !p->replace) {
                *ret = (struct vault_enroll_result) { .token_id = -1, .keyslot = -1, .existing_token_id = existing };
                return -EEXIST;
        }
        r = vault_free_keyslot(cd);
        if (r < 0)
                return r;
        const struct yk_token_info *other = p->share_with ? shared_token(p) : NULL;
        if (p->share_with && !other)
                return -ESRCH;

        /* Everything that asks a person or a token comes before the first write. */
        _cleanup_(secret_clearp) struct secret vk = {}, passphrase = {};
        _cleanup_(secure_freep) struct yk_response *response = NULL;
        r = authorise(v, ctx, auth, &vk);
        if (r < 0)
                return r;
        struct yk_token_info info;
        r = new_token_info(p, other, &info);
        if (r < 0)
                return r;
        struct vault_tokens_ctx new_ctx = *ctx;
        if (!p->touch && !(other && other->touch))
                new_ctx.touch = NULL;
        r = vault_token_response(&new_ctx, p->token, p->slot, info.challenge, info.challenge_len, &response);
        if (r == 0 && other)
                r = check_shared(p, other, response);
        if (r < 0)
                return r;
        r = vault_derive(cd, &info, response, p->pin, &passphrase);
        if (r < 0)
                return r;
        r = p->pin ? vault_pbkdf_for_pin(cd, &p->pbkdf) : vault_pbkdf_minimal(cd);
        if (r < 0)
                return r;

        remove_stale_pending(cd, h);
        struct vault_enroll_result res = { .existing_token_id = existing };
        r = vault_txn_bind_new(cd, &info, &vk, &passphrase, &res.token_id, &res.keyslot);
        if (r < 0)
                return r;
        if (existing >= 0) {
                /* The new token works already; the old ones go. A crash here leaves both. */
                r = replace_old(cd, h, p->token, res.token_id, &res.replaced);
                if (r < 0)
                        return r;
        }
        *ret = res;
        return 0;
}

int vault_enroll(const struct vault_location *loc, const struct vault_tokens_ctx *ctx,
                 const struct vault_auth *auth, const struct vault_enroll_params *p,
                 struct vault_enroll_result *ret) {
        if (!loc || !ctx || !auth || !p || !ret)
                return -EINVAL;
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        int r = vault_load_vault(loc, &v);
        if (r < 0)
                return r;
        return vault_enroll_loaded(v, ctx, auth, p, ret);
}
