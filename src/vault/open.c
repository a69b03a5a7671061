/* Opening a vault: with a present enrolled token (one keyslot, one KDF run), or with the
 * recovery key or a passphrase. */
#include <errno.h>
#include <string.h>

#include "vault/internal.h"

static uint32_t activate_flags(const struct vault_open_params *p) {
        return p->readonly ? CRYPT_ACTIVATE_READONLY : 0;
}

/* Tries exactly the keyslot of token `id`. */
static int open_with_token(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                           const struct yk_token *present, int id, const struct vault_open_params *p,
                           struct vault_open_result *res) {
        const struct yk_token_info *info = &h->tokens[id].info;
        if (info->pin && !p->pin)
                return -ENOANO;

        _cleanup_(secret_clearp) struct secret response = {}, passphrase = {};
        int r = vault_token_response(ctx, present, info->slot, info->challenge, info->challenge_len, &response);
        if (r < 0)
                return r;
        r = vault_derive(cd, info, &response, p->pin, &passphrase);
        if (r < 0)
                return r;
        res->keyslot_attempts++;
        r = crypt_activate_by_passphrase(cd, p->name, info->keyslot, (const char *) passphrase.data, passphrase.len,
                                         activate_flags(p));
        r = vault_map_activate_error(r, p->name);
        if (r == -EPERM && info->pin)
                return -ENOANO;
        if (r < 0)
                return r;
        res->token_id = id;
        res->keyslot = info->keyslot;
        res->serial_known = info->serial_known;
        res->serial = info->serial;
        return 0;
}

int vault_open(const struct vault_location *loc, const struct vault_tokens_ctx *ctx,
               const struct vault_open_params *p, struct vault_open_result *ret) {
        if (!loc || !ctx || !p || !ret)
                return -EINVAL;
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        struct vault_header h;
        int r = vault_load_header(loc, &cd, &h);
        if (r < 0)
                return r;

        bool any_enrolled = false, any_malformed = false;
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                any_enrolled = any_enrolled || (h.tokens[id].kind == VT_YKUNLOCK && h.tokens[id].info.keyslot >= 0);
                any_malformed = any_malformed || h.tokens[id].kind == VT_MALFORMED;
        }
        if (!any_enrolled)
                return any_malformed ? -EBADMSG : -ENODEV;

        struct yk_token present;
        int matches[YK_LUKS2_KEYSLOTS];
        size_t n = 0;
        r = vault_find_present(ctx, &h, p->timeout_s, &present, matches, &n);
        if (r < 0)
                return r;

        /* Normally one: a key enrolled twice (both slots) gets its second chance. */
        struct vault_open_result res = { .token_id = -1, .keyslot = -1 };
        for (size_t i = 0; i < n; i++) {
                r = open_with_token(cd, &h, ctx, &present, matches[i], p, &res);
                if (r != -EPERM && r != -ENOKEY)
                        break;
        }
        if (r < 0)
                return r;
        *ret = res;
        return 0;
}

/* The keyslots a recovery key or passphrase may open: not bound to a YubiKey, not pending.
 * The recovery key's marked keyslot comes first. */
static size_t secret_keyslots(const struct vault_header *h, bool recovery, int *out) {
        size_t n = 0;
        for (int pass = recovery ? 0 : 1; pass < 2; pass++)
                for (int k = 0; k < YK_LUKS2_KEYSLOTS; k++) {
                        if (!h->keyslot_active[k] || vault_header_keyslot_pending(h, k, NULL))
                                continue;
                        int id = vault_header_token_of_keyslot(h, k);
                        enum vault_token_kind kind = id >= 0 ? h->tokens[id].kind : VT_NONE;
                        if (pass == 0 ? kind == VT_RECOVERY : kind != VT_RECOVERY && kind != VT_YKUNLOCK)
                                out[n++] = k;
                }
        return n;
}

int vault_open_with_secret(const struct vault_location *loc, const struct vault_auth *auth,
                           const struct vault_open_params *p, struct vault_open_result *ret) {
        if (!loc || !auth || !auth->secret || !p || !ret || auth->kind == VAULT_AUTH_TOKEN)
                return -EINVAL;
        if (auth->kind == VAULT_AUTH_RECOVERY_KEY && auth->secret->len != VAULT_RECOVERY_KEY_SIZE)
                return -EPERM;
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        struct vault_header h;
        int r = vault_load_header(loc, &cd, &h);
        if (r < 0)
                return r;

        int keyslots[YK_LUKS2_KEYSLOTS * 2];
        size_t n = secret_keyslots(&h, auth->kind == VAULT_AUTH_RECOVERY_KEY, keyslots);
        struct vault_open_result res = { .token_id = -1, .keyslot = -1 };
        r = -EPERM;
        for (size_t i = 0; i < n && r == -EPERM; i++) {
                res.keyslot_attempts++;
                r = crypt_activate_by_passphrase(cd, p->name, keyslots[i], (const char *) auth->secret->data,
                                                 auth->secret->len, activate_flags(p));
                r = vault_map_activate_error(r, p->name);
                if (r >= 0)
                        res.keyslot = r;
        }
        if (r < 0)
                return r;
        *ret = res;
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
