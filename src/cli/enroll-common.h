/* What create and enroll share: the options that describe the new enrollment, reading its PIN,
 * picking the token (before anything is written), and the enrollment itself. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cli/cli.h"
#include "otp/discover.h"
#include "vault/vault.h"

struct cli_enroll_args {
        int slot;
        bool pin;
        const char *pin_file;
        bool touch;
        bool allow_hidden_serial;
        struct vault_pbkdf pbkdf;
        /* enroll --share-challenge-with: the other vault as named, and loaded (by the verb,
         * before any token is asked); NULL: a fresh challenge. */
        const char *share_with_path;
        const struct vault *share_with;
};

void cli_enroll_args_init(struct cli_enroll_args *a);

/* Handles one of the options of the new enrollment (cli/table.c); returns an exit code. */
int cli_enroll_option(struct cli_enroll_args *a, int id, const char *arg);

/* Conflicts among the enrollment options. */
int cli_enroll_check(const struct cli_enroll_args *a);

/* The new PIN from --pin-file or --pin (asked twice), or none. */
int cli_enroll_read_pin(const struct cli_enroll_args *a, struct secret *ret_pin);

/* Picks the one token to enroll (--serial/--reader; refuses to guess) and checks, before
 * anything is written, that its slot is programmed and that its serial shows (or
 * --allow-hidden-serial). */
int cli_enroll_pick(const struct cli_enroll_args *a, const struct cli_global *g, struct yk_token *ret);

/* "token 12345678" / "the token in READER" */
void cli_token_name(const struct yk_token *t, char *buf, size_t len);

/* An authorisation through the unlock chain that failed (no token present, its PIN not given,
 * what was typed opened nothing): prints what would authorise it and returns the exit code, or
 * returns 0 when r is no such failure. */
struct cli_ask;
int cli_auth_error(int r, const char *vault_name, const struct vault_auth *auth, const struct cli_ask *ask);

/* vault_enroll_loaded() with the messages of every outcome (`info`: of `v` before; `v` NULL: the
 * vault is loaded here). With auth->kind == VAULT_AUTH_TOKEN the unlock chain authorises it:
 * a present enrolled token (its PIN asked at a terminal), else the recovery key or a
 * passphrase asked at a terminal. Returns an exit code. */
int cli_enroll_run(const struct vault_location *loc, struct vault *v, const struct vault_info *info,
                   const struct cli_global *g, const struct vault_auth *auth, const struct cli_enroll_args *a,
                   const struct yk_token *t, const struct secret *pin, bool replace);
