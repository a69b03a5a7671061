#include "cli/enroll-common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/after-failure.h"
#include "cli/exit-code.h"
#include "cli/remote-vault.h"
#include "cli/pick-token.h"
#include "cli/unlock-ask.h"
#include "cli/table.h"
#include "cli/vault-args.h"
#include "cli/vault-common.h"
#include "shared/errors.h"
#include "shared/parse.h"

void cli_enroll_args_init(struct cli_enroll_args *a) {
        *a = (struct cli_enroll_args) { .slot = 2 };
}

int cli_enroll_option(struct cli_enroll_args *a, int id, const char *arg) {
        uint64_t v;
        switch (id) {
        case CLI_OPT_SLOT:
                if (strcmp(arg, "1") != 0 && strcmp(arg, "2") != 0)
                        return cli_usage_error("--slot takes 1 or 2 (the YubiKey slot), not '%s'", arg);
                a->slot = arg[0] - '0';
                return EXIT_OK;
        case CLI_OPT_PIN:
                a->pin = true;
                return EXIT_OK;
        case CLI_OPT_PIN_FILE:
                a->pin_file = arg;
                return EXIT_OK;
        case CLI_OPT_TOUCH:
                a->touch = true;
                return EXIT_OK;
        case CLI_OPT_ALLOW_HIDDEN_SERIAL:
                a->allow_hidden_serial = true;
                return EXIT_OK;
        case CLI_OPT_PBKDF_MEMORY:
                /* argon2's floor is 32 KiB; libcryptsetup's ceiling 4 GiB. */
                if (parse_uint64(arg, 4194304, &v) < 0 || v < 32)
                        return cli_usage_error("--pbkdf-memory takes KiB from 32 to 4194304, not '%s'", arg);
                a->pbkdf.memory_kb = (uint32_t) v;
                return EXIT_OK;
        case CLI_OPT_ITER_TIME:
                if (parse_uint64(arg, 3600000, &v) < 0 || v < 1)
                        return cli_usage_error("--iter-time takes milliseconds from 1 to 3600000, not '%s'", arg);
                a->pbkdf.iter_time_ms = (uint32_t) v;
                return EXIT_OK;
        }
        return cli_usage_error("internal: unknown enrollment option");
}

int cli_enroll_check(const struct cli_enroll_args *a) {
        if (a->pin && a->pin_file)
                return cli_usage_error("--pin and --pin-file exclude each other");
        if ((a->pbkdf.memory_kb || a->pbkdf.iter_time_ms) && !a->pin && !a->pin_file)
                return cli_usage_error("--pbkdf-memory and --iter-time apply only to a keyslot with a PIN "
                                       "(--pin or --pin-file)");
        return EXIT_OK;
}

int cli_enroll_read_pin(const struct cli_enroll_args *a, struct secret *ret_pin) {
        if (a->pin_file)
                return cli_read_pin(a->pin_file, ret_pin);
        if (a->pin)
                return cli_prompt_new_pin(ret_pin);
        return EXIT_OK;
}

void cli_token_name(const struct yk_token *t, char *buf, size_t len) {
        if (t->serial_known)
                snprintf(buf, len, "token %u", t->serial);
        else
                snprintf(buf, len, "the token in %s", t->device.name);
}

int cli_enroll_pick(const struct cli_enroll_args *a, const struct cli_global *g, struct yk_token *ret) {
        struct yk_token t;
        int code = cli_pick_token(g, &t);
        if (code != EXIT_OK)
                return code;
        char who[YK_DEVICE_NAME_MAX + 32];
        cli_token_name(&t, who, sizeof(who));
        if (!t.serial_known && !a->allow_hidden_serial)
                return cli_usage_error("%s does not show its serial; --allow-hidden-serial enrolls it "
                                       "(it is then tried whenever a token without a serial is present)",
                                       who);
        if (yk_otp_slot_state(&t.status, a->slot) == YK_SLOT_EMPTY)
                return cli_error(-YK_ERR_SLOT_EMPTY,
                                 "slot %d of %s is not programmed (ykunlock token setup --slot %d programs it)",
                                 a->slot, who, a->slot);
        if (yk_otp_slot_state(&t.status, a->slot) == YK_SLOT_KEYBOARD)
                return cli_error(-YK_ERR_SLOT_EMPTY,
                                 "slot %d of %s holds a touch-triggered credential, not challenge-response", a->slot,
                                 who);
        *ret = t;
        return EXIT_OK;
}

/* Authorisation that failed: say what would authorise it. */
int cli_auth_error(int r, const char *vault_name, const struct vault_auth *auth, const struct cli_ask *ask) {
        if (r == -ECANCELED && ask->code != EXIT_OK)
                return ask->code;
        if (auth->kind == VAULT_AUTH_TOKEN && (r == -YK_ERR_NO_TOKEN || r == -YK_ERR_NO_SERVICE || r == -YK_ERR_NO_ANSWER ||
                                           r == -YK_ERR_BAD_VAULT))
                return cli_error(-YK_ERR_NO_TOKEN,
                                 "no token enrolled in %s is present to authorise this; give --recovery-key-file "
                                 "or --passphrase-file (or run it at a terminal to be asked)",
                                 vault_name);
        if (auth->kind == VAULT_AUTH_TOKEN && r == -YK_ERR_PIN && !auth->pin && ask->pins_asked == 0)
                return cli_error(r, "the enrolled token that is present needs its PIN to authorise this; run it at a "
                                    "terminal, or give --recovery-key-file or --passphrase-file");
        if (r == -YK_ERR_AUTH && ask->secrets_asked > 0)
                return cli_error(r, "what was typed is neither the recovery key nor a passphrase of %s (asked %u "
                                    "time%s)",
                                 vault_name, ask->secrets_asked, ask->secrets_asked > 1 ? "s" : "");
        return 0;
}

static int enroll_error(int r, const char *who, const char *vault_name, const struct vault_auth *auth,
                        const struct cli_enroll_args *a, const struct vault_enroll_result *res, const char *tail) {
        switch (-r) {
        case YK_ERR_REFUSED:
                return cli_error(r, "%s is enrolled in %s already (token id %d); --replace enrolls it anew", who,
                                 vault_name, res->existing_token_id);
        case YK_ERR_AUTH:
                return cli_error(r, "%s does not open %s",
                                 auth->kind == VAULT_AUTH_RECOVERY_KEY ? "the recovery key"
                                 : auth->kind == VAULT_AUTH_PASSPHRASE ? "the passphrase"
                                                                       : "the enrolled token's response",
                                 vault_name);
        case YK_ERR_PIN:
                return cli_error(r, "the PIN of the enrolled token that authorises this is wrong");
        case ESRCH: /* --share-challenge-with: checked before anything was asked */
                return cli_error(-YK_ERR_REFUSED,
                                 "%s has no enrollment of %s in slot %d %s a PIN to share a challenge with%s",
                                 a->share_with_path, who, a->slot, a->pin || a->pin_file ? "with" : "without", tail);
        case EKEYREJECTED:
                return cli_error(r,
                                 "the response of %s (slot %d) does not open its keyslot in %s (another key, a "
                                 "slot programmed anew, or another PIN)%s",
                                 who, a->slot, a->share_with_path, tail);
        case ENOSPC:
                return cli_error(r, "%s has no free keyslot, or no room left in its LUKS2 metadata", vault_name);
        case YK_ERR_NO_TOUCH:
                return cli_error(r, "touch was not received%s", tail);
        case YK_ERR_SLOT_EMPTY:
                return cli_error(r, "slot %d of %s does not answer a challenge (not programmed?)%s", a->slot, who,
                                 tail);
        default:
                return cli_error(r, "cannot enroll %s in %s: %s%s", who, vault_name, cli_strerror(r), tail);
        }
}

int cli_enroll_run(const struct vault_location *loc, struct vault *v, const struct vault_info *info,
                   const struct cli_global *g, const struct vault_auth *auth, const struct cli_enroll_args *a,
                   const struct yk_token *t, const struct secret *pin, bool replace) {
        char who[YK_DEVICE_NAME_MAX + 32];
        cli_token_name(t, who, sizeof(who));
        const char *vault_name = cli_vault_name(info, loc);
        _cleanup_(vault_unrefp) struct vault *loaded = NULL;
        if (!v) {
                int r = vault_load_vault(loc, &loaded);
                if (r < 0) {
                        int code = cli_vault_load_error(r, loc);
                        return code ? code : cli_error(r, "cannot read the header of %s: %s", cli_shown(loc->device),
                                                       cli_strerror(r));
                }
                v = loaded;
        }
        /* The authorising token may be any enrolled one: --serial picked the new token only. */
        struct vault_tokens_ctx ctx = cli_tokens_ctx(g, /* with_serial= */ false, /* touch= */ true);
        struct cli_ask ask_state = { .vault_name = vault_name, .batch = g->batch };
        struct vault_ask ask = cli_vault_ask(&ask_state);
        ctx.ask = &ask;
        struct vault_enroll_params p = {
                .token = t,
                .slot = a->slot,
                .touch = a->touch,
                .pin = pin && pin->data ? pin : NULL,
                .pbkdf = a->pbkdf,
                .replace = replace,
                .allow_unknown_serial = a->allow_hidden_serial,
                .share_with = a->share_with,
        };
        _cleanup_(vault_info_free) struct vault_info before = {};
        int r = vault_get_info(v, &before);
        struct vault_enroll_result res = { .existing_token_id = -1 };
        if (r == 0)
                r = vault_enroll_loaded(v, &ctx, auth, &p, &res);
        if (r < 0) {
                int code = cli_auth_error(r, vault_name, auth, &ask_state);
                if (code == 0)
                        code = cli_vault_load_error(r, loc);
                if (code != 0)
                        return code;
                /* Say "nothing was changed" only when the header, read again, shows it. */
                _cleanup_(cli_after_free) struct cli_after after;
                cli_after_read(loc, &before, &after);
                code = enroll_error(r, who, vault_name, auth, a, &res, cli_after_tail(&after));
                cli_after_report(&after, &before, cli_shown(loc->device));
                return code;
        }
        cli_info("enrolled %s (slot %d%s%s) in %s: token id %d, keyslot %d%s%s", who, a->slot,
                 a->touch ? ", touch" : "", p.pin ? ", PIN" : "", vault_name, res.token_id, res.keyslot,
                 a->share_with ? ", sharing the challenge of " : "", a->share_with ? a->share_with_path : "");
        if (res.replaced > 0)
                cli_info("removed %u earlier enrollment%s of %s", res.replaced, res.replaced > 1 ? "s" : "", who);
        return EXIT_OK;
}
