/* Listing a vault: one entry per keyslot, then the tokens that have none. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/internal.h"

const char *vault_entry_kind_name(enum vault_entry_kind k) {
        switch (k) {
        case VAULT_ENTRY_TOKEN:
                return "token";
        case VAULT_ENTRY_RECOVERY:
                return "recovery";
        case VAULT_ENTRY_PASSPHRASE:
                return "passphrase";
        case VAULT_ENTRY_OTHER_TOKEN:
                return "other-token";
        case VAULT_ENTRY_PENDING:
                return "pending";
        case VAULT_ENTRY_STALE_PENDING:
                return "stale-pending";
        case VAULT_ENTRY_MALFORMED:
                return "malformed";
        }
        return "?";
}

static struct vault_entry keyslot_entry(const struct vault_header *h, int k) {
        struct vault_entry e = { .keyslot = k, .token_id = -1 };
        int pending_id;
        if (vault_header_keyslot_pending(h, k, &pending_id)) {
                e.kind = VAULT_ENTRY_PENDING;
                e.token_id = pending_id;
                e.token = h->tokens[pending_id].info;
                return e;
        }
        int id = vault_header_token_of_keyslot(h, k);
        if (id < 0) {
                e.kind = VAULT_ENTRY_PASSPHRASE;
                return e;
        }
        const struct vault_token_slot *t = &h->tokens[id];
        e.token_id = id;
        switch (t->kind) {
        case VT_YKUNLOCK:
                e.kind = VAULT_ENTRY_TOKEN;
                e.token = t->info;
                break;
        case VT_RECOVERY:
                e.kind = VAULT_ENTRY_RECOVERY;
                snprintf(e.created, sizeof(e.created), "%s", t->recovery.created);
                break;
        case VT_MALFORMED:
                e.kind = VAULT_ENTRY_MALFORMED;
                snprintf(e.other_type, sizeof(e.other_type), "%s", t->type);
                break;
        default:
                e.kind = VAULT_ENTRY_OTHER_TOKEN;
                snprintf(e.other_type, sizeof(e.other_type), "%s", t->type);
                break;
        }
        return e;
}

/* Tokens that no keyslot row shows: stale pending ones, malformed ones without keyslot. */
static bool tokenless_entry(const struct vault_header *h, int id, struct vault_entry *e) {
        const struct vault_token_slot *t = &h->tokens[id];
        *e = (struct vault_entry) { .keyslot = -1, .token_id = id };
        if (t->kind == VT_YKUNLOCK && t->stale) {
                e->kind = VAULT_ENTRY_STALE_PENDING;
                e->token = t->info;
                return true;
        }
        if (t->kind == VT_MALFORMED && (t->keyslot < 0 || !h->keyslot_active[t->keyslot] ||
                                        vault_header_token_of_keyslot(h, t->keyslot) != id)) {
                e->kind = VAULT_ENTRY_MALFORMED;
                snprintf(e->other_type, sizeof(e->other_type), "%s", t->type);
                return true;
        }
        return false;
}

static int info_of(const struct vault_header *h, bool detached, struct vault_info *ret) {
        struct vault_entry *entries = calloc(2 * YK_LUKS2_KEYSLOTS, sizeof(*entries));
        if (!entries)
                return -ENOMEM;
        size_t n = 0;
        for (int k = 0; k < YK_LUKS2_KEYSLOTS; k++)
                if (h->keyslot_active[k])
                        entries[n++] = keyslot_entry(h, k);
        for (int id = 0; id < YK_LUKS2_KEYSLOTS; id++)
                if (tokenless_entry(h, id, &entries[n]))
                        n++;

        struct vault_info info = { .detached_header = detached, .entries = entries, .n_entries = n };
        snprintf(info.uuid, sizeof(info.uuid), "%s", h->uuid);
        snprintf(info.label, sizeof(info.label), "%s", h->label);
        *ret = info;
        return 0;
}

int vault_list(const struct vault_location *loc, struct vault_info *ret) {
        if (!loc || !ret)
                return -EINVAL;
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        struct vault_header h;
        int r = vault_load_header(loc, &cd, &h);
        if (r < 0)
                return r;
        /* A header file named as the device is a detached header too: its data segment starts at 0. */
        return info_of(&h, loc->header != NULL || crypt_get_data_offset(cd) == 0, ret);
}

int vault_get_info(const struct vault *v, struct vault_info *ret) {
        if (!v || !ret)
                return -EINVAL;
        return info_of(&v->h, v->detached, ret);
}

void vault_info_free(struct vault_info *info) {
        if (!info)
                return;
        free(info->entries);
        info->entries = NULL;
        info->n_entries = 0;
}
