/* After a failed enroll or unenroll: read the header again and say what state it is in, so
 * that "nothing was changed" is only said when it is true. */
#pragma once

#include <stdbool.h>

#include "vault/vault.h"

struct cli_after {
        bool readable;  /* the header could be read again */
        bool unchanged; /* its entries are those of `before` */
        struct vault_info now;
};

/* Reads loc's header again and compares it with `before`. */
void cli_after_read(const struct vault_location *loc, const struct vault_info *before, struct cli_after *ret);
void cli_after_free(struct cli_after *a);

/* "; nothing was changed" when unchanged, else "" (then cli_after_report says what changed). */
const char *cli_after_tail(const struct cli_after *a);

/* One line per entry that is not as it was: what is bound now, what is pending and the command
 * that finishes the job, what is gone. */
void cli_after_report(const struct cli_after *a, const struct vault_info *before, const char *device);
