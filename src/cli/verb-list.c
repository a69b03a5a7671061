/* ykunlock list DEVICE [--json]: one row per keyslot (and per token that has none). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/remote-vault.h"
#include "cli/table.h"
#include "cli/vault-common.h"
#include "shared/macros.h"

static int on_option(int id, const char *arg, void *userdata) {
        bool *json = userdata;
        (void) arg;
        if (id == CLI_OPT_JSON)
                *json = true;
        return EXIT_OK;
}

static bool has_token_info(const struct vault_entry *e) {
        return e->kind == VAULT_ENTRY_TOKEN || e->kind == VAULT_ENTRY_PENDING || e->kind == VAULT_ENTRY_STALE_PENDING;
}

/* What the row is, in words. */
static void describe(const struct vault_entry *e, char *buf, size_t len) {
        switch (e->kind) {
        case VAULT_ENTRY_TOKEN:
                snprintf(buf, len, "YubiKey");
                break;
        case VAULT_ENTRY_RECOVERY:
                snprintf(buf, len, "recovery key");
                break;
        case VAULT_ENTRY_PASSPHRASE:
                snprintf(buf, len, "passphrase or key file");
                break;
        case VAULT_ENTRY_OTHER_TOKEN: {
                char type[256]; /* a declaration after a label needs a block before C23 (clang) */
                snprintf(buf, len, "token of another tool (%s)", cli_escape(e->other_type, type, sizeof(type)));
                break;
        }
        case VAULT_ENTRY_PENDING:
                snprintf(buf, len, "left by an interrupted enroll (ykunlock unenroll --keyslot %d removes it)",
                         e->keyslot);
                break;
        case VAULT_ENTRY_STALE_PENDING:
                snprintf(buf, len, "unfinished token without keyslot (harmless)");
                break;
        case VAULT_ENTRY_MALFORMED:
                snprintf(buf, len, "malformed ykunlock token (ykunlock unenroll --token-id %d removes it)",
                         e->token_id);
                break;
        }
}

static void print_table(const struct vault_info *info, const struct vault_location *loc) {
        char label[4 * VAULT_LABEL_MAX + 1], uuid[4 * sizeof(info->uuid)];
        printf("Vault %s, UUID %s, %s\n\n", info->label[0] ? cli_escape(info->label, label, sizeof(label)) : "(no label)",
               cli_escape(info->uuid, uuid, sizeof(uuid)), info->detached_header ? "detached header" : "header in the image");
        printf("%-7s  %-5s  %-10s  %-4s  %-5s  %-3s  %-20s  %s\n", "KEYSLOT", "TOKEN", "SERIAL", "SLOT", "TOUCH", "PIN",
               "CREATED", "WHAT");
        for (size_t i = 0; i < info->n_entries; i++) {
                const struct vault_entry *e = &info->entries[i];
                char keyslot[16] = "-", token[16] = "-", serial[16] = "-", slot[4] = "-", what[400], date[128];
                const char *touch = "-", *pin = "-", *created = e->kind == VAULT_ENTRY_RECOVERY ? e->created : "-";
                if (e->keyslot >= 0)
                        snprintf(keyslot, sizeof(keyslot), "%d", e->keyslot);
                if (e->token_id >= 0)
                        snprintf(token, sizeof(token), "%d", e->token_id);
                if (has_token_info(e)) {
                        if (e->token.serial_known)
                                snprintf(serial, sizeof(serial), "%u", e->token.serial);
                        else
                                snprintf(serial, sizeof(serial), "hidden");
                        snprintf(slot, sizeof(slot), "%d", e->token.slot);
                        touch = e->token.touch ? "yes" : "no";
                        pin = e->token.pin ? "yes" : "no";
                        created = e->token.created;
                }
                describe(e, what, sizeof(what));
                created = cli_escape(created, date, sizeof(date));
                printf("%-7s  %-5s  %-10s  %-4s  %-5s  %-3s  %-20s  %s\n", keyslot, token, serial, slot, touch, pin,
                       created[0] ? created : "-", what);
        }
        if (info->detached_header && !loc->header)
                cli_info("%s is a detached LUKS2 header: the vault's data is in another file "
                         "(ykunlock open DATA --header %s)",
                         cli_shown(loc->device), cli_shown(loc->device));
}

static json_object *int_or_null(int v) {
        return v >= 0 ? json_object_new_int(v) : NULL;
}

static json_object *entry_json(const struct vault_entry *e) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "keyslot", int_or_null(e->keyslot));
        json_object_object_add(o, "token_id", int_or_null(e->token_id));
        json_object_object_add(o, "kind", json_object_new_string(vault_entry_kind_name(e->kind)));
        if (has_token_info(e)) {
                const struct yk_token_info *t = &e->token;
                json_object_object_add(o, "serial", t->serial_known ? json_object_new_int64(t->serial) : NULL);
                json_object_object_add(o, "slot", json_object_new_int(t->slot));
                json_object_object_add(o, "touch", json_object_new_boolean(t->touch));
                json_object_object_add(o, "pin", json_object_new_boolean(t->pin));
                json_object_object_add(o, "created", json_object_new_string(t->created));
                if (t->pending_keyslot >= 0)
                        json_object_object_add(o, "pending_keyslot", json_object_new_int(t->pending_keyslot));
        }
        if (e->kind == VAULT_ENTRY_RECOVERY)
                json_object_object_add(o, "created", e->created[0] ? json_object_new_string(e->created) : NULL);
        if (e->kind == VAULT_ENTRY_OTHER_TOKEN || e->kind == VAULT_ENTRY_MALFORMED)
                json_object_object_add(o, "type", json_object_new_string(e->other_type));
        return o;
}

static void print_json(const struct vault_info *info) {
        json_object *root = json_object_new_object();
        json_object_object_add(root, "version", json_object_new_int(1));
        json_object_object_add(root, "label", json_object_new_string(info->label));
        json_object_object_add(root, "uuid", json_object_new_string(info->uuid));
        json_object_object_add(root, "detached_header", json_object_new_boolean(info->detached_header));
        json_object *entries = json_object_new_array();
        for (size_t i = 0; i < info->n_entries; i++)
                json_object_array_add(entries, entry_json(&info->entries[i]));
        json_object_object_add(root, "entries", entries);
        printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
}

int verb_list(int argc, char **argv, struct cli_global *g) {
        bool json = false;
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &json, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        cli_vault_verbose(g);

        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ false, &ref);
        if (code != EXIT_OK)
                return code;
        struct vault_location loc = ref.loc;
        _cleanup_(vault_info_free) struct vault_info info = {};
        code = cli_vault_inspect(&loc, &info);
        if (code != EXIT_OK)
                return code;
        if (json)
                print_json(&info);
        else
                print_table(&info, &loc);
        return EXIT_OK;
}
