/* Header transactions (docs/token-format.md, "Pending tokens"). Each step is one LUKS2
 * header update, which libcryptsetup makes all-or-nothing; between steps a pending token says
 * what is going on, and each step's undo is written next to it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vault/internal.h"

/* What a keyslot and the digest's reference to it add to the JSON area (a pbkdf2 keyslot is
 * about 350 bytes written plainly, an argon2id one about 400). */
#define KEYSLOT_JSON_ESTIMATE 1024

static int build_pending(const struct yk_token_info *tmpl, int keyslot, char **ret) {
        struct yk_token_info t = *tmpl;
        t.keyslot = -1;
        t.pending_keyslot = keyslot;
        return token_json_build(&t, ret);
}

static int build_bound(const struct yk_token_info *tmpl, int keyslot, char **ret) {
        struct yk_token_info t = *tmpl;
        t.keyslot = keyslot;
        t.pending_keyslot = -1;
        return token_json_build(&t, ret);
}

int vault_txn_bind_new(struct crypt_device *cd, const struct yk_token_info *tmpl, const struct secret *vk,
                       const struct secret *passphrase, int *ret_token_id, int *ret_keyslot) {
        int keyslot = vault_free_keyslot(cd);
        if (keyslot < 0)
                return keyslot;
        _cleanup_(freep) char *pending = NULL, *bound = NULL;
        int r = build_pending(tmpl, keyslot, &pending);
        if (r == 0)
                r = build_bound(tmpl, keyslot, &bound);
        if (r == 0)
                r = vault_check_json_room(cd, strlen(bound) + KEYSLOT_JSON_ESTIMATE);
        if (r < 0)
                return r;

        /* 1. the pending token: says which keyslot is about to appear */
        int id = crypt_token_json_set(cd, CRYPT_ANY_TOKEN, pending);
        if (id < 0)
                return id;
        /* 2. the keyslot */
        r = crypt_keyslot_add_by_volume_key(cd, keyslot, (const char *) vk->data, vk->len,
                                            (const char *) passphrase->data, passphrase->len);
        if (r < 0) {
                (void) crypt_token_json_set(cd, id, NULL);
                return r;
        }
        /* 3. bind: the token names its keyslot, no longer pending */
        r = crypt_token_json_set(cd, id, bound);
        if (r < 0) {
                (void) crypt_keyslot_destroy(cd, keyslot);
                (void) crypt_token_json_set(cd, id, NULL);
                return r;
        }
        *ret_token_id = id;
        *ret_keyslot = keyslot;
        return 0;
}

int vault_txn_remove(struct crypt_device *cd, int token_id, const struct yk_token_info *info) {
        int keyslot = info->keyslot;
        if (keyslot < 0)
                return vault_txn_remove_pending(cd, token_id, info);
        _cleanup_(freep) char *pending = NULL, *bound = NULL;
        int r = build_pending(info, keyslot, &pending);
        if (r == 0)
                r = build_bound(info, keyslot, &bound);
        if (r < 0)
                return r;

        /* 1. unbind: the token becomes pending, naming the keyslot about to go */
        r = crypt_token_json_set(cd, token_id, pending);
        if (r < 0)
                return r;
        /* 2. the keyslot */
        r = crypt_keyslot_destroy(cd, keyslot);
        if (r < 0) {
                (void) crypt_token_json_set(cd, token_id, bound);
                return r;
        }
        /* 3. the token. The way in is gone already, which is what was asked: if this write
         * fails, a stale pending token is left (harmless, listed as such, removed by the next
         * enroll), and the removal is still reported as done. */
        (void) crypt_token_json_set(cd, token_id, NULL);
        return 0;
}

int vault_txn_remove_pending(struct crypt_device *cd, int token_id, const struct yk_token_info *info) {
        int keyslot = info->pending_keyslot;
        if (keyslot >= 0) {
                crypt_keyslot_info st = crypt_keyslot_status(cd, keyslot);
                if (st == CRYPT_SLOT_ACTIVE || st == CRYPT_SLOT_ACTIVE_LAST || st == CRYPT_SLOT_UNBOUND) {
                        int r = crypt_keyslot_destroy(cd, keyslot);
                        if (r < 0)
                                return r;
                }
        }
        int r = crypt_token_json_set(cd, token_id, NULL);
        return r < 0 ? r : 0;
}
