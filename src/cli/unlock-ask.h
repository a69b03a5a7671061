/* The terminal side of the unlock chain (vault.h, struct vault_ask): the PIN, the recovery key
 * or a passphrase, asked with echo off, and asked again after a wrong one. */
#pragma once

#include <stdbool.h>

#include "vault/vault.h"

struct cli_ask {
        const char *vault_name;
        /* Open says why it asks: "No enrolled token. " in front of the question. */
        bool say_no_token;
        /* -q/--batch-mode: never ask, as without a terminal. */
        bool batch;
        /* Set by the callbacks: how often each was asked, and the exit code of a prompt that
         * failed (the callback printed its message and returned -ECANCELED). */
        unsigned pins_asked, secrets_asked;
        int code;
};

/* The callbacks for a->vault_name; none when standard input is not a terminal (then the chain
 * returns -ENOANO or -ENODEV, and the verb explains what option would do). */
struct vault_ask cli_vault_ask(struct cli_ask *a);
