/* The recovery key: 256 random bits written as text (vault_recovery_key_new) in a keyslot of its
 * own, marked by a `ykunlock-recovery` token; made with the vault, added to a vault that has
 * none, or replaced. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "vault/recovery.h"

/* The marker of `keyslot` (docs/token-format.md); its token id in *ret_token_id. */
static int add_marker(struct crypt_device *cd, int keyslot, int *ret_token_id) {
        struct yk_recovery_info marker = { .version = YK_TOKEN_VERSION, .keyslot = keyslot };
        int r = token_time_format(time(NULL), marker.created);
        if (r < 0)
                return r;
        _cleanup_(freep) char *json = NULL;
        r = recovery_json_build(&marker, &json);
        if (r < 0)
                return r;
        r = crypt_token_json_set(cd, CRYPT_ANY_TOKEN, json);
        if (r < 0)
                return r;
        *ret_token_id = r;
        return 0;
}

/* A new key in a keyslot of its own and its marker, as one transaction: the keyslot goes again
 * when the marker cannot be written. `vk` NULL: the volume key is in `cd` (right after
 * crypt_format). */
static int add_key(struct crypt_device *cd, const struct secret *vk, struct secret *ret_key, int *ret_keyslot,
                   int *ret_token_id) {
        _cleanup_(secret_clearp) struct secret key = {};
        int r = vault_recovery_key_new(&key);
        if (r == 0)
                r = vault_pbkdf_minimal(cd);
        if (r < 0)
                return r;
        int keyslot = vault_free_keyslot(cd);
        if (keyslot < 0)
                return keyslot;
        r = crypt_keyslot_add_by_volume_key(cd, keyslot, vk ? (const char *) vk->data : NULL, vk ? vk->len : 0,
                                            (const char *) key.data, key.len);
        if (r < 0) {
                /* A write that failed half-way may still have left the keyslot on disk. */
                crypt_keyslot_info st = crypt_keyslot_status(cd, keyslot);
                if (st == CRYPT_SLOT_ACTIVE || st == CRYPT_SLOT_ACTIVE_LAST)
                        (void) crypt_keyslot_destroy(cd, keyslot);
                return r;
        }
        int token_id;
        r = add_marker(cd, keyslot, &token_id);
        if (r < 0) {
                (void) crypt_keyslot_destroy(cd, keyslot);
                return r;
        }
        *ret_key = TAKE_STRUCT(key);
        *ret_keyslot = keyslot;
        *ret_token_id = token_id;
        return 0;
}

int vault_add_recovery_key(struct crypt_device *cd, struct secret *ret) {
        int keyslot, token_id;
        return add_key(cd, /* vk= */ NULL, ret, &keyslot, &token_id);
}

/* The recovery keys there now: markers whose keyslot exists. */
static void old_keys(const struct vault_header *h, struct vault_recovery_change *c) {
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                const struct vault_token_slot *t = &h->tokens[id];
                if (t->kind != VT_RECOVERY || t->keyslot < 0 || !h->keyslot_active[t->keyslot])
                        continue;
                c->old_token_ids[c->n_old] = id;
                /* A keyslot another token names too is not ours to remove: only the marker goes. */
                c->old_keyslots[c->n_old] = vault_header_keyslot_named_by_other(h, t->keyslot, id) ? -1 : t->keyslot;
                c->n_old++;
        }
}

int vault_recovery_key_add(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_auth *auth,
                           struct vault_recovery_change *ret, struct secret *ret_key) {
        if (!v || !ctx || !ret || !ret_key)
                return -EINVAL;
        struct vault_recovery_change c = { .keyslot = -1, .token_id = -1 };
        old_keys(&v->h, &c);
        int r = vault_free_keyslot(v->cd);
        if (r >= 0)
                r = vault_check_json_room(v->cd, 1024);
        if (r < 0)
                return r;

        _cleanup_(vault_unlocked_clear) struct vault_unlocked u = {};
        r = vault_unlock_volume_key(v, ctx, auth, &u);
        if (r < 0)
                return r;
        c.authorised_by = u.kind;
        c.authorising_keyslot = u.keyslot;
        r = add_key(v->cd, &u.volume_key, ret_key, &c.keyslot, &c.token_id);
        if (r < 0)
                return r;
        *ret = c;
        return 0;
}

int vault_recovery_key_undo(struct vault *v, const struct vault_recovery_change *c) {
        if (!v || !c || c->keyslot < 0)
                return -EINVAL;
        /* The keyslot first: once it is gone the new key opens nothing, whatever happens next. */
        int r = crypt_keyslot_destroy(v->cd, c->keyslot);
        if (r < 0)
                return r;
        r = crypt_token_json_set(v->cd, c->token_id, NULL);
        return r < 0 ? r : 0;
}

/* The new key opens its keyslot in the header as it is on disk now (a fresh load). */
static int prove(const struct vault_location *loc, const struct vault_recovery_change *c, const struct secret *key) {
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        int r = vault_load(loc, &cd);
        if (r < 0)
                return r;
        r = crypt_activate_by_passphrase(cd, NULL, c->keyslot, (const char *) key->data, key->len, 0);
        return r < 0 ? vault_map_activate_error(r, NULL) : 0;
}

int vault_recovery_key_commit(struct vault *v, const struct vault_location *loc, const struct vault_recovery_change *c,
                              const struct secret *key) {
        if (!v || !loc || !c || !key || c->keyslot < 0)
                return -EINVAL;
        int r = prove(loc, c, key);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_old; i++) {
                /* The old key's keyslot first (the old key stops opening the vault), then its
                 * marker: a crash between the two leaves a marker without keyslot, which names
                 * nothing and opens nothing. */
                if (c->old_keyslots[i] >= 0) {
                        r = crypt_keyslot_destroy(v->cd, c->old_keyslots[i]);
                        if (r < 0)
                                return r;
                }
                r = crypt_token_json_set(v->cd, c->old_token_ids[i], NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}
