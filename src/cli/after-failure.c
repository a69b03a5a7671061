#include "cli/after-failure.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static bool same_entry(const struct vault_entry *a, const struct vault_entry *b) {
        return a->kind == b->kind && a->keyslot == b->keyslot && a->token_id == b->token_id &&
               a->token.serial_known == b->token.serial_known && a->token.serial == b->token.serial &&
               a->token.pending_keyslot == b->token.pending_keyslot;
}

static bool has_entry(const struct vault_info *info, const struct vault_entry *e) {
        for (size_t i = 0; i < info->n_entries; i++)
                if (same_entry(&info->entries[i], e))
                        return true;
        return false;
}

static bool has_keyslot(const struct vault_info *info, int keyslot) {
        for (size_t i = 0; i < info->n_entries; i++)
                if (info->entries[i].keyslot == keyslot)
                        return true;
        return false;
}

void cli_after_read(const struct vault_location *loc, const struct vault_info *before, struct cli_after *ret) {
        *ret = (struct cli_after) {};
        if (vault_list(loc, &ret->now) < 0)
                return;
        ret->readable = true;
        ret->unchanged = ret->now.n_entries == before->n_entries;
        for (size_t i = 0; i < ret->now.n_entries && ret->unchanged; i++)
                ret->unchanged = has_entry(before, &ret->now.entries[i]);
}

void cli_after_free(struct cli_after *a) {
        vault_info_free(&a->now);
}

const char *cli_after_tail(const struct cli_after *a) {
        return a->readable && a->unchanged ? "; nothing was changed" : "";
}

static void say_serial(const struct yk_token_info *t, char *buf, size_t len) {
        if (t->serial_known)
                snprintf(buf, len, "token %u", t->serial);
        else
                snprintf(buf, len, "a token without serial");
}

static void report_now(const struct vault_entry *e, const char *device) {
        char who[48];
        say_serial(&e->token, who, sizeof(who));
        switch (e->kind) {
        case VAULT_ENTRY_TOKEN:
                cli_info("now: %s is enrolled (token id %d, keyslot %d)", who, e->token_id, e->keyslot);
                break;
        case VAULT_ENTRY_PENDING:
                cli_info("now: keyslot %d is pending (token id %d, %s); ykunlock unenroll %s --keyslot %d removes it",
                         e->keyslot, e->token_id, who, device, e->keyslot);
                break;
        case VAULT_ENTRY_STALE_PENDING:
                cli_info("now: token id %d is a stale pending token (harmless; ykunlock unenroll %s --token-id %d or "
                         "the next enroll removes it)",
                         e->token_id, device, e->token_id);
                break;
        case VAULT_ENTRY_RECOVERY:
                cli_info("now: keyslot %d holds a recovery key (marker token id %d)", e->keyslot, e->token_id);
                break;
        case VAULT_ENTRY_MALFORMED:
                if (e->keyslot < 0) {
                        cli_info("now: token id %d is a leftover without keyslot (harmless; ykunlock unenroll %s "
                                 "--token-id %d removes it)",
                                 e->token_id, device, e->token_id);
                        break;
                }
                cli_info("now: keyslot %d, token id %d: %s", e->keyslot, e->token_id, vault_entry_kind_name(e->kind));
                break;
        default:
                cli_info("now: keyslot %d, token id %d: %s", e->keyslot, e->token_id, vault_entry_kind_name(e->kind));
                break;
        }
}

void cli_after_report(const struct cli_after *a, const struct vault_info *before, const char *device) {
        if (!a->readable) {
                cli_info("the header could not be read back: ykunlock list %s shows what state it is in", device);
                return;
        }
        if (a->unchanged)
                return;
        for (size_t i = 0; i < before->n_entries; i++)
                if (!has_entry(&a->now, &before->entries[i]) && before->entries[i].keyslot >= 0 &&
                    !has_keyslot(&a->now, before->entries[i].keyslot))
                        cli_info("gone: keyslot %d (%s, token id %d)", before->entries[i].keyslot,
                                 vault_entry_kind_name(before->entries[i].kind), before->entries[i].token_id);
        for (size_t i = 0; i < a->now.n_entries; i++)
                if (!has_entry(before, &a->now.entries[i]))
                        report_now(&a->now.entries[i], device);
}
