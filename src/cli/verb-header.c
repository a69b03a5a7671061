/* ykunlock header backup VAULT FILE / header restore VAULT FILE: the LUKS2 header saved into a
 * file of its own, and written back after showing what the restore changes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/confirm.h"
#include "cli/exit-code.h"
#include "cli/remote-vault.h"
#include "cli/table.h"
#include "cli/vault-common.h"
#include "shared/errors.h"

static int no_option(int id, const char *arg, void *userdata) {
        (void) id, (void) arg, (void) userdata;
        return EXIT_OK;
}

static int parse(int argc, char **argv, struct cli_global *g, int *ret_first, bool *ret_done) {
        int code = cli_parse_options(argc, argv, g, no_option, NULL, ret_first, ret_done);
        if (code == EXIT_OK && !*ret_done)
                cli_vault_verbose(g);
        return code;
}

static int backup_error(int r, const struct vault_location *loc, const char *file) {
        if (r == -EEXIST)
                return cli_error(r, "%s exists; refusing to overwrite it (a header backup is a new file); nothing was "
                                 "written",
                                 file);
        /* The vault's paths are there: then it is the directory of FILE that is not. */
        bool vault_there = access(loc->device, F_OK) == 0 && (!loc->header || access(loc->header, F_OK) == 0);
        if ((r == -ENOENT || r == -ENOTDIR) && vault_there)
                return cli_usage_error("cannot create %s: its directory does not exist; nothing was written", file);
        int code = cli_vault_load_error(r, loc);
        if (code)
                return code;
        if (r == -EACCES || r == -EPERM)
                return cli_file_error(r, "cannot create %s: permission denied; nothing was written", file);
        return cli_error(r, "cannot save the header of %s into %s: %s; no backup was left behind", cli_shown(loc->device), file,
                         cli_strerror(r));
}

int verb_header_backup(int argc, char **argv, struct cli_global *g) {
        int first;
        bool done;
        int code = parse(argc, argv, g, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ false, &ref);
        if (code != EXIT_OK)
                return code;
        struct vault_location loc = ref.loc;
        const char *file = argv[first + 1];
        int r = vault_header_backup(&loc, file);
        if (r < 0)
                return backup_error(r, &loc, file);
        cli_info("saved the LUKS2 header of %s into %s (mode 0400): keep it apart from the image, as safely as the "
                 "recovery key; every keyslot in it (a token removed later, an old recovery key) opens a vault whose "
                 "header is restored from it",
                 loc.header ? loc.header : cli_shown(loc.device), file);
        return EXIT_OK;
}

/* ---- restore ----------------------------------------------------------------------------- */

static bool same_entry(const struct vault_entry *a, const struct vault_entry *b) {
        return a->kind == b->kind && a->keyslot == b->keyslot && a->token_id == b->token_id &&
               a->token.serial_known == b->token.serial_known && a->token.serial == b->token.serial &&
               a->token.slot == b->token.slot && a->token.pending_keyslot == b->token.pending_keyslot &&
               strcmp(a->token.created, b->token.created) == 0 && strcmp(a->created, b->created) == 0 &&
               strcmp(a->other_type, b->other_type) == 0;
}

static bool has_entry(const struct vault_info *info, const struct vault_entry *e) {
        for (size_t i = 0; i < info->n_entries; i++)
                if (same_entry(&info->entries[i], e))
                        return true;
        return false;
}

static void describe(const struct vault_entry *e, char *buf, size_t len) {
        char where[48] = "", esc[256];
        if (e->keyslot >= 0 && e->token_id >= 0)
                snprintf(where, sizeof(where), "keyslot %d, token %d", e->keyslot, e->token_id);
        else if (e->keyslot >= 0)
                snprintf(where, sizeof(where), "keyslot %d", e->keyslot);
        else
                snprintf(where, sizeof(where), "token %d", e->token_id);
        switch (e->kind) {
        case VAULT_ENTRY_TOKEN:
        case VAULT_ENTRY_PENDING:
        case VAULT_ENTRY_STALE_PENDING:
                if (e->token.serial_known)
                        snprintf(buf, len, "%s: YubiKey %u%s, enrolled %s", where, e->token.serial,
                                 e->kind == VAULT_ENTRY_TOKEN ? "" : " (pending)",
                                 cli_escape(e->token.created, esc, sizeof(esc)));
                else
                        snprintf(buf, len, "%s: YubiKey without serial%s, enrolled %s", where,
                                 e->kind == VAULT_ENTRY_TOKEN ? "" : " (pending)",
                                 cli_escape(e->token.created, esc, sizeof(esc)));
                return;
        case VAULT_ENTRY_RECOVERY:
                snprintf(buf, len, "%s: recovery key, made %s", where, cli_escape(e->created, esc, sizeof(esc)));
                return;
        case VAULT_ENTRY_PASSPHRASE:
                snprintf(buf, len, "%s: passphrase or key file", where);
                return;
        case VAULT_ENTRY_OTHER_TOKEN:
                snprintf(buf, len, "%s: token of another tool (%s)", where, cli_escape(e->other_type, esc, sizeof(esc)));
                return;
        case VAULT_ENTRY_MALFORMED:
                snprintf(buf, len, "%s: malformed ykunlock token", where);
                return;
        }
}

/* Every entry of `a` that `b` does not have, one line each; returns how many. */
static unsigned say_missing(const struct vault_info *a, const struct vault_info *b, const char *verb) {
        unsigned n = 0;
        for (size_t i = 0; i < a->n_entries; i++) {
                if (has_entry(b, &a->entries[i]))
                        continue;
                char what[512];
                describe(&a->entries[i], what, sizeof(what));
                cli_info("  %s %s", verb, what);
                n++;
        }
        return n;
}

static void show_plan(const struct vault_restore_plan *p, const char *device, const char *file) {
        char uuid[160];
        cli_escape(p->backup.uuid, uuid, sizeof(uuid));
        if (!p->current_readable) {
                cli_info("%s has no readable LUKS2 header, so ykunlock cannot check that %s (UUID %s) is its "
                         "header; restoring writes it over the start of %s",
                         device, file, uuid, device);
                return;
        }
        cli_info("restoring %s (UUID %s) over the header of %s changes:", file, uuid, device);
        unsigned n = say_missing(&p->backup, &p->current, "gains");
        n += say_missing(&p->current, &p->backup, "loses");
        if (n == 0)
                cli_info("  no keyslot or token (they are the same; the header is written anew)");
}

static int plan_error(int r, const struct vault_restore_plan *p, const struct vault_location *loc,
                      const char *file) {
        char a[160], b[160];
        switch (-r) {
        case EMEDIUMTYPE:
                return cli_error(-YK_ERR_BAD_VAULT, "%s is not a LUKS2 header backup; nothing was changed", file);
        case EXDEV:
                return cli_error(-YK_ERR_REFUSED,
                                 "%s is the header of another vault (UUID %s; %s has UUID %s); refusing to restore "
                                 "it; nothing was changed",
                                 file, cli_escape(p->backup.uuid, a, sizeof(a)), loc->header ? loc->header : cli_shown(loc->device),
                                 cli_escape(p->current.uuid, b, sizeof(b)));
        case ENOENT:
        case ELOOP:
        case ENOTSUP:
                if (access(file, F_OK) < 0 || r != -ENOENT) {
                        struct vault_location f = { .device = file };
                        int code = cli_vault_load_error(r, &f);
                        if (code)
                                return code;
                }
                break;
        }
        int code = cli_vault_load_error(r, loc);
        return code ? code : cli_error(r, "cannot read %s: %s; nothing was changed", file, cli_strerror(r));
}

int verb_header_restore(int argc, char **argv, struct cli_global *g) {
        int first;
        bool done;
        int code = parse(argc, argv, g, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ false, &ref);
        if (code != EXIT_OK)
                return code;
        struct vault_location loc = ref.loc;
        const char *file = argv[first + 1];
        const char *target = loc.header ? loc.header : cli_shown(loc.device);

        _cleanup_(vault_restore_plan_free) struct vault_restore_plan p = {};
        int r = vault_header_restore_plan(&loc, file, &p);
        if (r < 0)
                return plan_error(r, &p, &loc, file);
        show_plan(&p, target, file);
        code = cli_confirm(g, "nothing was changed");
        if (code != EXIT_OK)
                return code;
        r = vault_header_restore(&loc, file);
        if (r == -EXDEV || r == -EMEDIUMTYPE)
                return plan_error(r, &p, &loc, file);
        if (r < 0)
                return cli_error(r, "cannot write the header of %s: %s (ykunlock list %s shows its state now; the "
                                 "restore can be run again)",
                                 target, cli_strerror(r), cli_shown(loc.device));
        cli_info("restored the header of %s from %s", target, file);
        return EXIT_OK;
}
