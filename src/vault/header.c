/* Every token of a header, parsed, and checked against the header: a ykunlock token's keyslot
 * must exist and be its own. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vault/internal.h"

/* The keyslots a token names, from libcryptsetup's view (its "keyslots", for any type). */
static uint32_t assigned_keyslots(struct crypt_device *cd, int token) {
        uint32_t m = 0;
        for (int k = 0; k < YK_LUKS2_KEYSLOTS; k++)
                if (crypt_token_is_assigned(cd, token, k) == 0)
                        m |= 1u << k;
        return m;
}

static int first_of(uint32_t m) {
        return m ? __builtin_ctz(m) : -1;
}

static void read_token(struct crypt_device *cd, int id, struct vault_token_slot *t) {
        const char *json = NULL;
        *t = (struct vault_token_slot) { .kind = VT_NONE, .keyslot = -1 };
        if (crypt_token_json_get(cd, id, &json) < 0 || !json)
                return;
        size_t len = strlen(json);
        if (token_json_type(json, len, t->type, sizeof(t->type)) < 0) {
                snprintf(t->type, sizeof(t->type), "?");
                t->kind = VT_OTHER;
        } else if (strcmp(t->type, YK_TOKEN_TYPE) == 0) {
                t->kind = token_json_parse(json, len, &t->info) == 0 ? VT_YKUNLOCK : VT_MALFORMED;
                if (t->kind == VT_YKUNLOCK)
                        t->keyslot = t->info.keyslot;
        } else if (strcmp(t->type, YK_RECOVERY_TOKEN_TYPE) == 0) {
                t->kind = recovery_json_parse(json, len, &t->recovery) == 0 ? VT_RECOVERY : VT_MALFORMED;
                if (t->kind == VT_RECOVERY)
                        t->keyslot = t->recovery.keyslot;
        } else
                t->kind = VT_OTHER;
        t->names = assigned_keyslots(cd, id);
        if (t->keyslot >= 0)
                t->names |= 1u << t->keyslot;
        if (t->keyslot < 0 && t->kind != VT_YKUNLOCK)
                t->keyslot = first_of(t->names);
}

bool vault_header_keyslot_named_by_other(const struct vault_header *h, int keyslot, int id) {
        if (keyslot < 0 || keyslot >= YK_LUKS2_KEYSLOTS)
                return false;
        for (int j = 0; j < YK_LUKS2_KEYSLOTS; j++)
                if (j != id && h->tokens[j].kind != VT_NONE && (h->tokens[j].names & (1u << keyslot)))
                        return true;
        return false;
}

/* A bound ykunlock token whose keyslot is missing, named by another token, or not one
 * ykunlock makes (its PBKDF: a hostile token naming a passphrase keyslot) is malformed. */
static void check_ownership(struct crypt_device *cd, struct vault_header *h) {
        for (int i = 0; i < YK_LUKS2_KEYSLOTS; i++) {
                struct vault_token_slot *t = &h->tokens[i];
                if ((t->kind != VT_YKUNLOCK && t->kind != VT_RECOVERY) || t->keyslot < 0)
                        continue;
                bool ok = h->keyslot_active[t->keyslot] && !vault_header_keyslot_named_by_other(h, t->keyslot, i);
                /* Shared with another token (even a recovery marker: a hostile one may name a
                 * token's keyslot): maybe the genuine one, so it is still tried. */
                bool shared = !ok && h->keyslot_active[t->keyslot];
                if (ok && t->kind == VT_YKUNLOCK && !vault_keyslot_is_ours(cd, t->keyslot, t->info.pin))
                        ok = shared = false;
                if (!ok && t->kind == VT_YKUNLOCK) {
                        t->kind = VT_MALFORMED;
                        t->shared = shared && vault_keyslot_is_ours(cd, t->keyslot, t->info.pin);
                        snprintf(t->type, sizeof(t->type), "%s", YK_TOKEN_TYPE);
                }
        }
}

/* A pending token whose keyslot never appeared, or whose keyslot number was taken since by a
 * keyslot ykunlock did not make (cryptsetup luksAddKey after a crash), claims nothing: that
 * keyslot must stay a way in and must never be destroyed as "pending". */
static void mark_stale_pending(struct crypt_device *cd, struct vault_header *h) {
        for (int i = 0; i < YK_LUKS2_KEYSLOTS; i++) {
                struct vault_token_slot *t = &h->tokens[i];
                int k = t->info.pending_keyslot;
                if (t->kind != VT_YKUNLOCK || k < 0)
                        continue;
                t->stale = !h->keyslot_active[k] || vault_header_keyslot_named_by_other(h, k, i) ||
                           !vault_keyslot_is_ours(cd, k, t->info.pin);
        }
}

int vault_header_read(struct crypt_device *cd, struct vault_header *ret) {
        struct vault_header h = {};
        for (int k = 0; k < YK_LUKS2_KEYSLOTS; k++) {
                crypt_keyslot_info st = crypt_keyslot_status(cd, k);
                h.keyslot_active[k] = st == CRYPT_SLOT_ACTIVE || st == CRYPT_SLOT_ACTIVE_LAST ||
                                      st == CRYPT_SLOT_UNBOUND;
                h.keyslot_ours[k] = h.keyslot_active[k] && (vault_keyslot_is_ours(cd, k, /* pin= */ false) ||
                                                            vault_keyslot_is_ours(cd, k, /* pin= */ true));
        }
        for (int i = 0; i < YK_LUKS2_KEYSLOTS; i++)
                read_token(cd, i, &h.tokens[i]);
        check_ownership(cd, &h);
        mark_stale_pending(cd, &h);

        const char *uuid = crypt_get_uuid(cd);
        if (!uuid || strlen(uuid) >= sizeof(h.uuid))
                return -EBADMSG;
        snprintf(h.uuid, sizeof(h.uuid), "%s", uuid);
        const char *label = crypt_get_label(cd);
        snprintf(h.label, sizeof(h.label), "%s", label ? label : "");
        *ret = h;
        return 0;
}

static int kind_rank(enum vault_token_kind k) {
        switch (k) {
        case VT_RECOVERY:
        case VT_YKUNLOCK:
                return 3;
        case VT_OTHER:
                return 2;
        case VT_MALFORMED:
                return 1;
        default:
                return 0;
        }
}

int vault_header_token_of_keyslot(const struct vault_header *h, int keyslot) {
        int best = -1;
        for (int i = 0; i < YK_LUKS2_KEYSLOTS; i++)
                if (h->tokens[i].kind != VT_NONE && h->tokens[i].keyslot == keyslot &&
                    (best < 0 || kind_rank(h->tokens[i].kind) > kind_rank(h->tokens[best].kind)))
                        best = i;
        return best;
}

bool vault_header_keyslot_pending(const struct vault_header *h, int keyslot, int *ret_token_id) {
        for (int i = 0; i < YK_LUKS2_KEYSLOTS; i++)
                if (h->tokens[i].kind == VT_YKUNLOCK && !h->tokens[i].stale &&
                    h->tokens[i].info.pending_keyslot == keyslot) {
                        if (ret_token_id)
                                *ret_token_id = i;
                        return true;
                }
        return false;
}

int vault_load_header(const struct vault_location *loc, struct crypt_device **ret_cd, struct vault_header *ret) {
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        int r = vault_load(loc, &cd);
        if (r < 0)
                return r;
        r = vault_header_read(cd, ret);
        if (r < 0)
                return r;
        *ret_cd = TAKE_PTR(cd);
        return 0;
}
