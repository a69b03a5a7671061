/* ykunlock recovery-key VAULT: a new recovery key, shown once (the only thing on stdout), added
 * to a vault that has none or replacing the current one, which goes only once the new one is
 * proven to open the vault. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/after-failure.h"
#include "cli/cli.h"
#include "cli/enroll-common.h"
#include "cli/exit-code.h"
#include "cli/remote-vault.h"
#include "cli/secret-input.h"
#include "cli/table.h"
#include "cli/unlock-ask.h"
#include "cli/vault-args.h"
#include "cli/vault-common.h"
#include "shared/errors.h"

struct rekey_args {
        const char *recovery_key_file, *passphrase_file;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct rekey_args *a = userdata;
        if (id == CLI_OPT_RECOVERY_KEY_FILE)
                a->recovery_key_file = arg;
        else if (id == CLI_OPT_PASSPHRASE_FILE)
                a->passphrase_file = arg;
        return EXIT_OK;
}

static int read_auth(const struct rekey_args *a, struct secret *secret, struct vault_auth *ret) {
        if (a->recovery_key_file && a->passphrase_file)
                return cli_usage_error("--recovery-key-file and --passphrase-file exclude each other");
        *ret = (struct vault_auth) { .kind = VAULT_AUTH_TOKEN };
        if (a->recovery_key_file) {
                *ret = (struct vault_auth) { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = secret };
                return cli_read_recovery_key(a->recovery_key_file, secret);
        }
        if (a->passphrase_file) {
                *ret = (struct vault_auth) { .kind = VAULT_AUTH_PASSPHRASE, .secret = secret };
                return cli_read_passphrase(a->passphrase_file, secret);
        }
        return EXIT_OK;
}

/* Everything one run needs to report what it did. */
struct rekey {
        const struct vault_location *loc;
        const char *name; /* of the vault, in messages */
        struct vault *v;
        const struct vault_info *before;
        struct vault_recovery_change c;
};

/* What a failure left, read back from the header. */
struct left {
        bool old_key;  /* a recovery key other than the new one is still there */
        int new_plain; /* a keyslot without marker that was not there before (the new key's), or -1 */
};

static bool had_keyslot(const struct vault_info *info, int keyslot) {
        for (size_t i = 0; i < info->n_entries; i++)
                if (info->entries[i].keyslot == keyslot)
                        return true;
        return false;
}

/* After a failure that may have left a change: the header read again, each change named. */
static int partial(const struct rekey *k, int r, const char *what, struct left *ret) {
        _cleanup_(cli_after_free) struct cli_after after;
        cli_after_read(k->loc, k->before, &after);
        if (ret) {
                *ret = (struct left) { .old_key = !after.readable, .new_plain = -1 };
                for (size_t i = 0; i < after.now.n_entries; i++) {
                        const struct vault_entry *e = &after.now.entries[i];
                        if (e->kind == VAULT_ENTRY_RECOVERY && e->keyslot != k->c.keyslot)
                                ret->old_key = true;
                        if (e->kind == VAULT_ENTRY_PASSPHRASE && !had_keyslot(k->before, e->keyslot))
                                ret->new_plain = e->keyslot;
                }
        }
        if (after.readable && after.unchanged)
                return cli_error(r, "%s: %s; nothing was changed", what, cli_strerror(r));
        cli_error(r, "%s: %s", what, cli_strerror(r));
        cli_after_report(&after, k->before, cli_shown(k->loc->device));
        return EXIT_PARTIAL;
}

static int add_error(const struct rekey *k, int r, const struct vault_auth *auth, const struct cli_ask *ask) {
        int code = cli_auth_error(r, k->name, auth, ask);
        if (code)
                return code;
        switch (-r) {
        case YK_ERR_AUTH:
                return cli_error(r, "%s does not open %s; nothing was changed",
                                 auth->kind == VAULT_AUTH_RECOVERY_KEY ? "the recovery key"
                                 : auth->kind == VAULT_AUTH_PASSPHRASE ? "the passphrase"
                                                                       : "the enrolled token's response",
                                 k->name);
        case YK_ERR_PIN:
                return cli_error(r, "the PIN of the enrolled token that authorises this is wrong; nothing was changed");
        case ENOSPC:
                return cli_error(r, "%s has no free keyslot, or no room left in its LUKS2 metadata; nothing was changed",
                                 k->name);
        case YK_ERR_NO_TOUCH:
                return cli_error(r, "touch was not received; nothing was changed");
        }
        char what[600];
        snprintf(what, sizeof(what), "cannot add a recovery key to %s", k->name);
        struct left left;
        code = partial(k, r, what, &left);
        if (code == EXIT_PARTIAL && left.new_plain >= 0)
                cli_info("the new key was never shown: keyslot %d, which it left, opens with nothing anyone knows "
                         "(cryptsetup luksKillSlot %s %d removes it); the old recovery key still opens %s",
                         left.new_plain, cli_shown(k->loc->device), left.new_plain, k->name);
        else if (code == EXIT_PARTIAL)
                cli_info("the new key was never shown; the old recovery key still opens %s", k->name);
        return code;
}

/* The key on stdout, the create way: a key nobody saw is removed again. */
static int show_key(struct rekey *k, const struct secret *key) {
        int r = cli_show_recovery_key(key);
        if (r == 0)
                return EXIT_OK;
        int u = vault_recovery_key_undo(k->v, &k->c);
        if (u == 0)
                return cli_error(-YK_ERR_IO, "cannot write the new recovery key to standard output (%s); nobody saw "
                                 "it, so it was removed again: nothing was changed",
                                 cli_strerror(r));
        char what[600];
        snprintf(what, sizeof(what), "cannot write the new recovery key to standard output (%s), and removing it "
                 "again failed", cli_strerror(r));
        (void) partial(k, u, what, NULL);
        cli_info("nobody saw the key in keyslot %d: ykunlock unenroll cannot remove a recovery keyslot; run "
                 "recovery-key again (the old key still opens %s)",
                 k->c.keyslot, k->name);
        return EXIT_PARTIAL;
}

static void say_done(const struct rekey *k) {
        cli_info("above is the new recovery key of %s, shown once (keyslot %d): keep it offline, apart from the "
                 "image; it opens the vault without a token, typed at any passphrase prompt as it is (cryptsetup "
                 "open --disable-external-tokens %s NAME)",
                 k->name, k->c.keyslot, cli_shown(k->loc->device));
        for (size_t i = 0; i < k->c.n_old; i++)
                if (k->c.old_keyslots[i] >= 0)
                        cli_info("the old recovery key (keyslot %d) no longer opens %s; a header backup made "
                                 "before still holds it",
                                 k->c.old_keyslots[i], k->name);
        if (k->c.n_old == 0)
                cli_info("%s had no recovery key: this one was added; its other keyslots are as they were", k->name);
}

static int rekey(struct rekey *k, const struct vault_auth *auth, const struct cli_global *g) {
        struct vault_tokens_ctx ctx = cli_tokens_ctx(g, /* with_serial= */ true, /* touch= */ true);
        struct cli_ask ask_state = { .vault_name = k->name, .batch = g->batch };
        struct vault_ask ask = cli_vault_ask(&ask_state);
        ctx.ask = &ask;
        _cleanup_(secret_clearp) struct secret key = {};
        int r = vault_recovery_key_add(k->v, &ctx, auth, &k->c, &key);
        if (r < 0)
                return add_error(k, r, auth, &ask_state);
        int code = show_key(k, &key);
        if (code != EXIT_OK)
                return code;
        r = vault_recovery_key_commit(k->v, k->loc, &k->c, &key);
        if (r < 0) {
                char what[600];
                snprintf(what, sizeof(what), "the new recovery key above is in keyslot %d of %s, but the old one could "
                         "not be removed", k->c.keyslot, k->name);
                struct left left;
                (void) partial(k, r, what, &left);
                if (left.old_key)
                        cli_info("the key above opens %s; run ykunlock recovery-key %s again to finish (the key above "
                                 "authorises it)",
                                 k->name, cli_shown(k->loc->device));
                return EXIT_PARTIAL;
        }
        say_done(k);
        return EXIT_OK;
}

int verb_recovery_key(int argc, char **argv, struct cli_global *g) {
        struct rekey_args a = {};
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        const char *paths[] = { a.recovery_key_file, a.passphrase_file };
        const char *names[] = { "--recovery-key-file", "--passphrase-file" };
        if ((code = cli_check_one_stdin(paths, names, 2)) != EXIT_OK)
                return code;
        /* A closed stdout is refused before anything opens a file: the next file opened would
         * get descriptor 1, and the key would be written into it. */
        if (fcntl(STDOUT_FILENO, F_GETFD) < 0)
                return cli_error(-YK_ERR_IO, "standard output is closed, so the new recovery key could not be shown; "
                                 "nothing was changed");
        cli_vault_verbose(g);

        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ false, &ref);
        if (code != EXIT_OK)
                return code;
        struct vault_location loc = ref.loc;
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        _cleanup_(vault_info_free) struct vault_info info = {};
        code = cli_vault_load(&loc, &v, &info);
        if (code != EXIT_OK)
                return code;
        _cleanup_(secret_clearp) struct secret secret = {};
        struct vault_auth auth;
        code = read_auth(&a, &secret, &auth);
        if (code != EXIT_OK)
                return code;
        struct rekey k = { .loc = &loc, .name = cli_vault_name(&info, &loc), .v = v, .before = &info };
        return rekey(&k, &auth, g);
}
