/* ykunlock unenroll DEVICE (--serial N | --token-id N | --keyslot N): remove tokens together
 * with their keyslots; never the last way in. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/after-failure.h"
#include "cli/exit-code.h"
#include "cli/remote-vault.h"
#include "cli/table.h"
#include "cli/vault-common.h"
#include "shared/errors.h"
#include "shared/parse.h"

struct unenroll_args {
        bool token_id_set, keyslot_set;
        uint32_t token_id, keyslot;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct unenroll_args *a = userdata;
        uint64_t v;
        if (parse_uint64(arg, YK_LUKS2_KEYSLOTS - 1, &v) < 0)
                return cli_usage_error("--%s takes a number from 0 to %d, not '%s'",
                                       id == CLI_OPT_TOKEN_ID ? "token-id" : "keyslot", YK_LUKS2_KEYSLOTS - 1, arg);
        if (id == CLI_OPT_TOKEN_ID) {
                a->token_id_set = true;
                a->token_id = (uint32_t) v;
        } else {
                a->keyslot_set = true;
                a->keyslot = (uint32_t) v;
        }
        return EXIT_OK;
}

static int unenroll_error(int r, enum vault_unenroll_by by, uint32_t value, const char *name, const char *tail) {
        switch (by) {
        case VAULT_UNENROLL_SERIAL:
                if (r == -ENOENT)
                        return cli_usage_error("no token with serial %u is enrolled in %s", value, name);
                break;
        case VAULT_UNENROLL_TOKEN_ID:
                if (r == -ENOENT)
                        return cli_usage_error("%s has no token %u", name, value);
                if (r == -EINVAL)
                        return cli_usage_error("token %u of %s is not a ykunlock token (ykunlock list shows what it is)",
                                               value, name);
                break;
        case VAULT_UNENROLL_KEYSLOT:
                if (r == -ENOENT)
                        return cli_usage_error("keyslot %u of %s is not in use", value, name);
                if (r == -EINVAL)
                        return cli_usage_error("keyslot %u of %s was not left by an interrupted enroll; "
                                               "--serial or --token-id removes an enrolled token",
                                               value, name);
                break;
        }
        if (r == -YK_ERR_LAST_WAY_IN)
                return cli_error(r, "refused: that would leave no way into %s (no other keyslot opens it)", name);
        return cli_error(r, "cannot unenroll from %s: %s%s", name, cli_strerror(r), tail);
}

int verb_unenroll(int argc, char **argv, struct cli_global *g) {
        struct unenroll_args a = {};
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        if (g->serial_set + a.token_id_set + a.keyslot_set != 1)
                return cli_usage_error("unenroll needs exactly one of --serial, --token-id and --keyslot");
        cli_vault_verbose(g);

        enum vault_unenroll_by by = g->serial_set ? VAULT_UNENROLL_SERIAL
                                    : a.token_id_set ? VAULT_UNENROLL_TOKEN_ID
                                                     : VAULT_UNENROLL_KEYSLOT;
        uint32_t value = g->serial_set ? g->serial : a.token_id_set ? a.token_id : a.keyslot;

        _cleanup_(cli_vault_ref_done) struct cli_vault_ref ref = {};
        code = cli_vault_resolve(argv[first], g, REMOTE_CONNECT_S, /* check_only= */ false, &ref);
        if (code != EXIT_OK)
                return code;
        struct vault_location loc = ref.loc;
        _cleanup_(vault_info_free) struct vault_info info = {};
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        code = cli_vault_load(&loc, &v, &info); /* the header is read once; again only after a failure */
        if (code != EXIT_OK)
                return code;
        const char *name = cli_vault_name(&info, &loc);

        int r = vault_unenroll_loaded(v, by, value);
        if (r < 0) {
                /* After the header was read once, -ENOENT means "nothing matches". */
                int load = r == -YK_ERR_BAD_VAULT || r == -EINVAL ? cli_vault_load_error(r, &loc) : 0;
                if (load)
                        return load;
                /* A write failed half-way: read the header again and say what is done. */
                _cleanup_(cli_after_free) struct cli_after after;
                cli_after_read(&loc, &info, &after);
                code = unenroll_error(r, by, value, name, cli_after_tail(&after));
                cli_after_report(&after, &info, cli_shown(loc.device));
                return code;
        }
        cli_info("removed %d enrollment%s from %s", r, r == 1 ? "" : "s", name);
        return EXIT_OK;
}
