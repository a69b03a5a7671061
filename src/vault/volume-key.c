/* Authorising a change: the volume key, unlocked by an enrolled token, the recovery key or a
 * passphrase. Only keyslots that can hold that kind of secret are tried. */
#include <errno.h>
#include <string.h>

#include "vault/internal.h"

static int volume_key_get(struct crypt_device *cd, int keyslot, const struct secret *pass, struct secret *vk,
                          unsigned *attempts) {
        size_t vk_size = vk->len;
        (*attempts)++;
        int r = crypt_volume_key_get(cd, keyslot, (char *) vk->data, &vk_size, (const char *) pass->data, pass->len);
        if (r == -ENOENT)
                return -EPERM;
        if (r >= 0 && vk_size != vk->len)
                return -EINVAL;
        return r;
}

static int by_token(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                    const struct vault_auth *auth, struct secret *vk, unsigned *attempts) {
        struct yk_token present;
        int matches[YK_LUKS2_KEYSLOTS];
        size_t n = 0;
        int r = vault_find_present(ctx, h, /* timeout_s= */ 0, &present, matches, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const struct yk_token_info *info = &h->tokens[matches[i]].info;
                if (info->pin && !auth->pin)
                        return -ENOANO;
                _cleanup_(secret_clearp) struct secret response = {}, pass = {};
                r = vault_token_response(ctx, &present, info->slot, info->challenge, info->challenge_len, &response);
                if (r == 0)
                        r = vault_derive(cd, info, &response, auth->pin, &pass);
                if (r == 0)
                        r = volume_key_get(cd, info->keyslot, &pass, vk, attempts);
                if (r == -EPERM && info->pin)
                        r = -ENOANO;
                if (r != -EPERM && r != -ENOKEY)
                        return r;
        }
        return r;
}

/* Keyslots not bound to a YubiKey and not pending; the recovery marker's first. */
static int by_secret(struct crypt_device *cd, const struct vault_header *h, const struct vault_auth *auth,
                     struct secret *vk, unsigned *attempts) {
        if (!auth->secret)
                return -EINVAL;
        if (auth->kind == VAULT_AUTH_RECOVERY_KEY && auth->secret->len != VAULT_RECOVERY_KEY_SIZE)
                return -EPERM;
        int r = -EPERM;
        for (int pass = auth->kind == VAULT_AUTH_RECOVERY_KEY ? 0 : 1; pass < 2 && r == -EPERM; pass++)
                for (int k = 0; k < YK_LUKS2_KEYSLOTS && r == -EPERM; k++) {
                        if (!h->keyslot_active[k] || vault_header_keyslot_pending(h, k, NULL))
                                continue;
                        int id = vault_header_token_of_keyslot(h, k);
                        enum vault_token_kind kind = id >= 0 ? h->tokens[id].kind : VT_NONE;
                        if (pass == 0 ? kind != VT_RECOVERY : kind == VT_RECOVERY || kind == VT_YKUNLOCK)
                                continue;
                        r = volume_key_get(cd, k, auth->secret, vk, attempts);
                }
        return r;
}

int vault_unlock_volume_key(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                            const struct vault_auth *auth, struct secret *ret_vk, int *ret_keyslot,
                            unsigned *ret_attempts) {
        int size = crypt_get_volume_key_size(cd);
        if (size <= 0)
                return -EBADMSG;
        _cleanup_(secret_clearp) struct secret vk = {};
        int r = secret_new((size_t) size, &vk);
        if (r < 0)
                return r;
        unsigned attempts = 0;
        r = auth->kind == VAULT_AUTH_TOKEN ? by_token(cd, h, ctx, auth, &vk, &attempts)
                                           : by_secret(cd, h, auth, &vk, &attempts);
        if (ret_attempts)
                *ret_attempts = attempts;
        if (r < 0)
                return r;
        if (ret_keyslot)
                *ret_keyslot = r;
        *ret_vk = TAKE_STRUCT(vk);
        return 0;
}
