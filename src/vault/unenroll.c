/* Removing tokens with their keyslots, never the last way in. */
#include <errno.h>
#include <string.h>

#include "vault/internal.h"

/* What one unenroll removes: token ids, and the keyslots that go with them. */
struct removal {
        bool token[YK_LUKS2_KEYSLOTS];
        bool keyslot[YK_LUKS2_KEYSLOTS];
        unsigned count;
};

/* The keyslot that would go with token `id`: a bound token's, a pending token's claim (not a
 * stale one's), a malformed token's first. -1: none. */
static int keyslot_of(const struct vault_token_slot *t) {
        if (t->kind != VT_YKUNLOCK)
                return t->keyslot;
        if (t->info.keyslot >= 0)
                return t->info.keyslot;
        return t->stale ? -1 : t->info.pending_keyslot;
}

static void add_token(const struct vault_header *h, int id, struct removal *rm) {
        rm->token[id] = true;
        rm->count++;
        /* A keyslot goes with the token only when no other token (of any type: the recovery
         * marker, a valid ykunlock token, another tool's) names it. */
        const struct vault_token_slot *t = &h->tokens[id];
        int k = keyslot_of(t);
        if (k < 0 || !h->keyslot_active[k] || vault_header_keyslot_named_by_other(h, k, id))
                return;
        /* A malformed token proves nothing: its keyslot goes only when ykunlock could have
         * made it (a passphrase keyslot that a hostile token names stays). */
        if (t->kind == VT_MALFORMED && !h->keyslot_ours[k])
                return;
        rm->keyslot[k] = true;
}

/* A stale pending token that names `keyslot` (list shows it with that pending-keyslot): removing
 * it by that number removes the token alone (remove_one), never the keyslot. */
static bool stale_pending_token(const struct vault_header *h, int keyslot, int *ret_token_id) {
        for (int i = 0; i < YK_LUKS2_KEYSLOTS; i++)
                if (h->tokens[i].kind == VT_YKUNLOCK && h->tokens[i].stale &&
                    h->tokens[i].info.keyslot < 0 && h->tokens[i].info.pending_keyslot == keyslot) {
                        *ret_token_id = i;
                        return true;
                }
        return false;
}

static int select_removal(const struct vault_header *h, enum vault_unenroll_by by, uint32_t value,
                          struct removal *rm) {
        switch (by) {
        case VAULT_UNENROLL_SERIAL:
                for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++)
                        if (h->tokens[id].kind == VT_YKUNLOCK && h->tokens[id].info.serial_known &&
                            h->tokens[id].info.serial == value)
                                add_token(h, id, rm);
                return rm->count > 0 ? 0 : -ENOENT;
        case VAULT_UNENROLL_TOKEN_ID:
                if (value >= YK_LUKS2_KEYSLOTS)
                        return -ENOENT;
                if (h->tokens[value].kind != VT_YKUNLOCK && h->tokens[value].kind != VT_MALFORMED)
                        return h->tokens[value].kind == VT_NONE ? -ENOENT : -EINVAL;
                add_token(h, (int) value, rm);
                return 0;
        case VAULT_UNENROLL_KEYSLOT: {
                if (value >= YK_LUKS2_KEYSLOTS)
                        return -ENOENT;
                int id;
                if (!vault_header_keyslot_pending(h, (int) value, &id) &&
                    (h->keyslot_active[value] || !stale_pending_token(h, (int) value, &id)))
                        return h->keyslot_active[value] ? -EINVAL : -ENOENT;
                add_token(h, id, rm);
                return 0;
        }
        }
        return -EINVAL;
}

static bool leaves_no_way_in(const struct vault_header *h, const struct removal *rm) {
        unsigned left = 0;
        for (int k = 0; k < YK_LUKS2_KEYSLOTS; k++)
                if (h->keyslot_active[k] && !rm->keyslot[k] && !vault_header_keyslot_pending(h, k, NULL))
                        left++;
        return left == 0;
}

static int remove_one(struct crypt_device *cd, const struct vault_header *h, int id, const struct removal *rm) {
        const struct vault_token_slot *t = &h->tokens[id];
        int k = keyslot_of(t);
        bool with_keyslot = k >= 0 && rm->keyslot[k];
        if (t->kind == VT_YKUNLOCK && with_keyslot)
                return t->info.keyslot >= 0 ? vault_txn_remove(cd, id, &t->info) : vault_txn_remove_pending(cd, id, &t->info);
        /* Malformed (or a token whose keyslot stays): its own keyslot first (that unassigns
         * it), then the token. */
        if (with_keyslot) {
                int r = crypt_keyslot_destroy(cd, k);
                if (r < 0)
                        return r;
        }
        int r = crypt_token_json_set(cd, id, NULL);
        return r < 0 ? r : 0;
}

int vault_unenroll_loaded(struct vault *v, enum vault_unenroll_by by, uint32_t value) {
        if (!v)
                return -EINVAL;
        const struct vault_header *h = &v->h;
        struct removal rm = {};
        int r = select_removal(h, by, value, &rm);
        if (r < 0)
                return r;
        if (leaves_no_way_in(h, &rm))
                return -EMLINK;
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                if (!rm.token[id])
                        continue;
                r = remove_one(v->cd, h, id, &rm);
                if (r < 0)
                        return r;
        }
        return (int) rm.count;
}

int vault_unenroll(const struct vault_location *loc, enum vault_unenroll_by by, uint32_t value) {
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        int r = vault_load_vault(loc, &v);
        if (r < 0)
                return r;
        return vault_unenroll_loaded(v, by, value);
}
