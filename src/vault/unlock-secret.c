/* The second method of the unlock chain: the recovery key or a passphrase, given or typed,
 * tried on the keyslots that can hold such a secret (not bound to a valid YubiKey token). */
#include <errno.h>

#include "vault/internal.h"

/* Every keyslot not bound to a valid YubiKey token, in the order most likely to open: the
 * recovery key tries the recovery marker's keyslot first, a passphrase the unmarked ones
 * first; keyslots a pending token claims come last. A pending claim or a marker is no proof
 * (a hostile token may name any keyslot), so no such keyslot shuts out a secret that stock
 * cryptsetup would accept; only keyslots of valid ykunlock tokens are left out (their
 * passphrase is derived, never typed). */
enum secret_group { G_MARKED, G_PLAIN, G_PENDING, G_NONE };

static enum secret_group group_of(const struct vault_header *h, int k) {
        if (vault_header_keyslot_pending(h, k, NULL))
                return G_PENDING;
        int id = vault_header_token_of_keyslot(h, k);
        enum vault_token_kind kind = id >= 0 ? h->tokens[id].kind : VT_NONE;
        if (kind == VT_YKUNLOCK)
                return G_NONE;
        return kind == VT_RECOVERY ? G_MARKED : G_PLAIN;
}

static size_t secret_keyslots(const struct vault_header *h, bool recovery, int *out) {
        static const enum secret_group recovery_order[] = { G_MARKED, G_PLAIN, G_PENDING };
        static const enum secret_group passphrase_order[] = { G_PLAIN, G_MARKED, G_PENDING };
        const enum secret_group *order = recovery ? recovery_order : passphrase_order;
        size_t n = 0;
        for (int pass = 0; pass < 3; pass++)
                for (int k = 0; k < YK_LUKS2_KEYSLOTS; k++)
                        if (h->keyslot_active[k] && group_of(h, k) == order[pass])
                                out[n++] = k;
        return n;
}

int vault_unlock_by_secret(struct crypt_device *cd, const struct vault_header *h, const struct vault_unlock_req *req,
                           enum vault_auth_kind kind, const struct secret *secret, struct vault_unlocked *out) {
        if (!secret || !secret->data || kind == VAULT_AUTH_TOKEN)
                return -EINVAL;
        /* A recovery key is its text form or a version-1 key's 32 bytes (vault_recovery_key_decode). */
        if (kind == VAULT_AUTH_RECOVERY_KEY && secret->len != VAULT_RECOVERY_TEXT_LEN &&
            secret->len != VAULT_RECOVERY_KEY_SIZE)
                return -EPERM;
        int keyslots[YK_LUKS2_KEYSLOTS * 2];
        size_t n = secret_keyslots(h, kind == VAULT_AUTH_RECOVERY_KEY, keyslots);
        int r = -EPERM;
        for (size_t i = 0; i < n; i++) {
                r = vault_unlock_try(cd, req, keyslots[i], secret, out);
                if (r == 0) {
                        out->kind = kind;
                        out->token_id = -1;
                        out->keyslot = keyslots[i];
                        return 0;
                }
                if (r != -EPERM)
                        return r;
        }
        return r;
}

int vault_unlock_by_typed(struct crypt_device *cd, const struct vault_header *h, const struct vault_unlock_req *req,
                          const struct secret *text, struct vault_unlocked *out) {
        _cleanup_(secret_clearp) struct secret key = {};
        if (vault_recovery_key_decode(text, &key)) {
                int r = vault_unlock_by_secret(cd, h, req, VAULT_AUTH_RECOVERY_KEY, &key, out);
                if (r != -EPERM)
                        return r;
        }
        /* Not the recovery key: maybe a passphrase (raw, as typed; it may even look like one). */
        if (!text->data || text->len == 0)
                return -EPERM;
        return vault_unlock_by_secret(cd, h, req, VAULT_AUTH_PASSPHRASE, text, out);
}
