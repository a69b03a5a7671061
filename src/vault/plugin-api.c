/* What the libcryptsetup token plugin needs: validate a token's JSON against its header, and
 * the keyslot passphrase of one token through the unlock chain (one header read). */
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
                           const struct vault_timeout *timeout, const struct secret *pin, struct secret *ret) {
        if (!cd || !ctx || !ret || token_id < 0 || token_id >= YK_LUKS2_KEYSLOTS)
                return -EINVAL;
        /* No vault_quiet_libcryptsetup() here: inside cryptsetup or systemd-cryptsetup the log
         * callback is the host's, and a plugin changes no process-wide state. */
        struct vault_header h;
        int r = vault_header_read(cd, &h);
        if (r < 0)
                return r;
        const struct vault_token_slot *t = &h.tokens[token_id];
        if (!vault_token_usable(t))
                return -ENOENT;
        if (t->info.pin && !pin)
                return -ENOANO;
        /* Without a PIN the host tries the keyslot; with one, it is tried here, because
         * libcryptsetup cannot tell a wrong PIN from a wrong token. */
        struct vault_unlock_req req = {
                .use = t->info.pin ? VAULT_USE_CHECK : VAULT_USE_DERIVE,
                .timeout_s = timeout && timeout->seconds ? timeout->seconds(timeout->userdata) : 0,
                .pin = pin,
                .only_token_id = token_id,
                .no_fallback = true,
        };
        struct vault_tokens_ctx no_asking = *ctx;
        no_asking.ask = NULL; /* the host asks for the PIN, and only the host */
        _cleanup_(vault_unlocked_clear) struct vault_unlocked u = {};
        r = vault_unlock(cd, &h, &no_asking, &req, &u);
        if (r < 0)
                return r;
        *ret = TAKE_STRUCT(u.passphrase);
        return 0;
}
