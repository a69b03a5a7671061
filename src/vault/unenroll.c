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

static void add_token(const struct vault_header *h, int id, struct removal *rm) {
        const struct vault_token_slot *t = &h->tokens[id];
        rm->token[id] = true;
        rm->count++;
        int k = t->kind == VT_YKUNLOCK ? (t->info.keyslot >= 0 ? t->info.keyslot : t->stale ? -1 : t->info.pending_keyslot)
                                       : t->keyslot;
        /* A malformed token's keyslot goes with it only when it is its own. */
        if (k >= 0 && h->keyslot_active[k] && (t->kind == VT_YKUNLOCK || vault_header_token_of_keyslot(h, k) == id))
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
                if (!vault_header_keyslot_pending(h, (int) value, &id) && !stale_pending_token(h, (int) value, &id))
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
        if (t->kind == VT_YKUNLOCK && t->stale) /* the token only: its keyslot number is not its own */
                return crypt_token_json_set(cd, id, NULL) < 0 ? -EIO : 0;
        if (t->kind == VT_YKUNLOCK)
                return t->info.keyslot >= 0 ? vault_txn_remove(cd, id, &t->info) : vault_txn_remove_pending(cd, id, &t->info);
        /* Malformed: its own keyslot first (that unassigns it), then the token. */
        if (t->keyslot >= 0 && rm->keyslot[t->keyslot]) {
                int r = crypt_keyslot_destroy(cd, t->keyslot);
                if (r < 0)
                        return r;
        }
        int r = crypt_token_json_set(cd, id, NULL);
        return r < 0 ? r : 0;
}

int vault_unenroll(const struct vault_location *loc, enum vault_unenroll_by by, uint32_t value) {
        if (!loc)
                return -EINVAL;
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        struct vault_header h;
        int r = vault_load_header(loc, &cd, &h);
        if (r < 0)
                return r;

        struct removal rm = {};
        r = select_removal(&h, by, value, &rm);
        if (r < 0)
                return r;
        if (leaves_no_way_in(&h, &rm))
                return -EMLINK;
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++) {
                if (!rm.token[id])
                        continue;
                r = remove_one(cd, &h, id, &rm);
                if (r < 0)
                        return r;
        }
        return (int) rm.count;
}
