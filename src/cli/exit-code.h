/* The exit codes of ykunlock (PRODUCT.md), and the one mapping from negative errno to them. */
#pragma once

enum {
        EXIT_OK = 0,
        EXIT_USAGE = 1,
        EXIT_AUTH = 2,
        EXIT_NO_TOKEN = 3,
        EXIT_BAD_VAULT = 4,
        EXIT_REFUSED = 5,
        EXIT_TOKEN_IO = 6,
        EXIT_NO_TOUCH = 7,
        EXIT_NO_SERVICE = 8,
        EXIT_NEEDS_SYSTEM = 9,
        EXIT_INTERNAL = 10,
};

/* r: 0 or a negative errno (shared/errors.h). */
int exit_code_from_errno(int r);

/* The table printed by `ykunlock --help`. */
extern const char exit_code_help[];
