/* Opening a vault through the unlock chain (unlock.c): a present enrolled token (one keyslot,
 * one KDF run), or the recovery key or a passphrase. */
#include <errno.h>
#include <string.h>

#include "vault/internal.h"

static uint32_t activate_flags(const struct vault_open_params *p) {
        return p->readonly ? CRYPT_ACTIVATE_READONLY : 0;
}

struct vault_open_result vault_open_result_of(const struct vault_unlocked *u) {
        bool token = u->kind == VAULT_AUTH_TOKEN;
        return (struct vault_open_result) {
                .token_id = u->token_id,
                .keyslot = u->keyslot,
                .kind = u->kind,
                .serial_known = token && u->token.serial_known,
                .serial = token ? u->token.serial : 0,
                .keyslot_attempts = u->attempts,
        };
}

int vault_open_loaded(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_open_params *p,
                      struct vault_open_result *ret) {
        if (!v || !p || !ret)
                return -EINVAL;
        struct vault_unlock_req req = {
                .use = VAULT_USE_ACTIVATE,
                .name = p->name,
                .flags = activate_flags(p),
                .timeout_s = p->timeout_s,
                .pin = p->pin,
                .auth = p->auth,
                .only_token_id = -1,
        };
        _cleanup_(vault_unlocked_clear) struct vault_unlocked u = {};
        int r = vault_unlock(v->cd, &v->h, ctx, &req, &u);
        if (r < 0)
                return r;
        *ret = vault_open_result_of(&u);
        return 0;
}

int vault_open(const struct vault_location *loc, const struct vault_tokens_ctx *ctx,
               const struct vault_open_params *p, struct vault_open_result *ret) {
        if (!loc || !ctx || !p || !ret)
                return -EINVAL;
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        int r = vault_load_vault(loc, &v);
        if (r < 0)
                return r;
        return vault_open_loaded(v, ctx, p, ret);
}

int vault_open_with_secret(const struct vault_location *loc, const struct vault_auth *auth,
                           const struct vault_open_params *p, struct vault_open_result *ret) {
        if (!loc || !auth || !auth->secret || !p || !ret || auth->kind == VAULT_AUTH_TOKEN)
                return -EINVAL;
        struct vault_open_params given = *p;
        given.auth = auth;
        return vault_open(loc, &(struct vault_tokens_ctx) {}, &given, ret);
}

int vault_boot_passphrase(struct vault *v, const struct vault_tokens_ctx *ctx, unsigned timeout_s,
                          const struct secret *pin, struct secret *ret, int *ret_keyslot) {
        if (!v || !ctx || !ret)
                return -EINVAL;
        struct vault_unlock_req req = {
                .use = VAULT_USE_CHECK,
                .timeout_s = timeout_s,
                .pin = pin,
                .only_token_id = -1,
                .no_fallback = true,
        };
        _cleanup_(vault_unlocked_clear) struct vault_unlocked u = {};
        int r = vault_unlock(v->cd, &v->h, ctx, &req, &u);
        if (r < 0)
                return r;
        if (ret_keyslot)
                *ret_keyslot = u.keyslot;
        *ret = TAKE_STRUCT(u.passphrase);
        return 0;
}

int vault_close(const char *name) {
        if (!name)
                return -EINVAL;
        if (!vault_have_device_mapper())
                return -ENOSYS;
        vault_quiet_libcryptsetup();
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        int r = crypt_init_by_name(&cd, name);
        if (r < 0)
                return r == -ENOMEM ? r : -ENODEV;
        r = crypt_deactivate(cd, name);
        return r < 0 ? r : 0;
}
