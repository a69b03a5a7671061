/* Opening split in two (vault.h, vault_open_prepare): the token part, which may need a touch
 * and talks to the one key, and the device-mapper part, which may run in a process of its own
 * next to other vaults' (plug-event). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vault/internal.h"

struct vault_prepared {
        struct vault *v;
        char *name;
        uint32_t flags;
        struct secret volume_key;
};

void vault_prepared_free(struct vault_prepared *p) {
        if (!p)
                return;
        secret_clear(&p->volume_key);
        if (p->v)
                vault_unref(p->v);
        free(p->name);
        free(p);
}

void vault_prepared_wipe_key(struct vault_prepared *p) {
        if (p)
                secret_clear(&p->volume_key);
}

static int unlock_volume_key(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_open_params *p,
                             struct vault_unlocked *ret) {
        struct vault_unlock_req req = {
                .use = VAULT_USE_VOLUME_KEY,
                .timeout_s = p->timeout_s,
                .pin = p->pin,
                .auth = p->auth,
                .only_token_id = -1,
                .no_fallback = true,
        };
        return vault_unlock(v->cd, &v->h, ctx, &req, ret);
}

int vault_open_prepare(const struct vault_location *loc, const struct vault_tokens_ctx *ctx,
                       const struct vault_open_params *p, struct vault_prepared **ret,
                       struct vault_open_result *ret_result) {
        if (!loc || !ctx || !p || !p->name || !ret || !ret_result)
                return -EINVAL;
        struct vault_prepared *prep = calloc(1, sizeof(*prep));
        if (!prep)
                return -ENOMEM;
        _cleanup_(vault_prepared_freep) struct vault_prepared *owned = prep;
        prep->name = strdup(p->name);
        if (!prep->name)
                return -ENOMEM;
        prep->flags = p->readonly ? CRYPT_ACTIVATE_READONLY : 0;
        int r = vault_load_vault(loc, &prep->v);
        if (r < 0)
                return r;
        _cleanup_(vault_unlocked_clear) struct vault_unlocked u = { .token_id = -1, .keyslot = -1 };
        r = unlock_volume_key(prep->v, ctx, p, &u);
        if (r < 0)
                return r;
        prep->volume_key = TAKE_STRUCT(u.volume_key);
        *ret_result = vault_open_result_of(&u);
        *ret = TAKE_PTR(owned);
        return 0;
}

int vault_open_activate(const struct vault_prepared *p) {
        if (!p || !p->v || !p->volume_key.data)
                return -EINVAL;
        int r = crypt_activate_by_volume_key(p->v->cd, p->name, (const char *) p->volume_key.data, p->volume_key.len,
                                             p->flags);
        return r < 0 ? vault_map_activate_error(r, p->name) : 0;
}
