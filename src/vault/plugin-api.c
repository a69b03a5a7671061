/* What the libcryptsetup token plugin needs: validate a token's JSON against its header, and
 * derive one token's keyslot passphrase with a present key (libcryptsetup tries the keyslot). */
#include <errno.h>
#include <string.h>

#include "vault/internal.h"

int vault_token_validate(struct crypt_device *cd, const char *json) {
        struct yk_token_info info;
        if (!json)
                return -EINVAL;
        int r = token_json_parse(json, strlen(json), &info);
        if (r < 0)
                return r;
        if (cd && info.keyslot >= 0) {
                crypt_keyslot_info st = crypt_keyslot_status(cd, info.keyslot);
                if (st != CRYPT_SLOT_ACTIVE && st != CRYPT_SLOT_ACTIVE_LAST && st != CRYPT_SLOT_UNBOUND)
                        return -EBADMSG;
        }
        return 0;
}

int vault_token_passphrase(struct crypt_device *cd, int token_id, const struct vault_tokens_ctx *ctx,
                           const struct secret *pin, struct secret *ret) {
        if (!cd || !ctx || !ret || token_id < 0 || token_id >= YK_LUKS2_KEYSLOTS)
                return -EINVAL;
        /* No vault_quiet_libcryptsetup() here: inside cryptsetup or systemd-cryptsetup the log
         * callback is the host's, and a plugin changes no process-wide state. */
        struct vault_header h;
        int r = vault_header_read(cd, &h);
        if (r < 0)
                return r;
        const struct vault_token_slot *t = &h.tokens[token_id];
        if (t->kind != VT_YKUNLOCK || t->info.keyslot < 0)
                return -ENOENT;
        if (t->info.pin && !pin)
                return -ENOANO;

        /* Only this token: find its key among the present ones. */
        struct vault_header only = h;
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++)
                if (id != token_id)
                        only.tokens[id].kind = VT_NONE;
        struct yk_token present;
        int matches[YK_LUKS2_KEYSLOTS];
        size_t n = 0;
        r = vault_find_present(ctx, &only, /* timeout_s= */ 0, &present, matches, &n);
        if (r == -ENODEV)
                return -EAGAIN;
        if (r < 0)
                return r;
        _cleanup_(secret_clearp) struct secret response = {};
        r = vault_token_response(ctx, &present, t->info.slot, t->info.challenge, t->info.challenge_len, &response);
        if (r < 0)
                return r;
        return vault_derive(cd, &t->info, &response, pin, ret);
}

int vault_token_wait(struct crypt_device *cd, const struct vault_tokens_ctx *ctx, unsigned timeout_s) {
        if (!cd || !ctx)
                return -EINVAL;
        struct vault_header h;
        int r = vault_header_read(cd, &h);
        if (r < 0)
                return r;
        struct yk_token present;
        int matches[YK_LUKS2_KEYSLOTS];
        size_t n = 0;
        return vault_find_present(ctx, &h, timeout_s, &present, matches, &n);
}
