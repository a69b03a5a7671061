/* The exit codes of ykunlock (docs/cli.md), and the one mapping from negative errno to them.
 * A command stopped by SIGINT, SIGTERM or SIGHUP cleans up and then dies of the signal
 * (cli/signals.h), so the shell sees 128+n. */
#pragma once

#include <stddef.h>

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
        EXIT_INTERNAL = 10,    /* a bug, nothing else */
        EXIT_PERMISSION = 11,  /* permission denied on a file or device */
        EXIT_PARTIAL = 12,     /* the work was done only in part */
};

/* r: 0 or a negative errno (shared/errors.h). */
int exit_code_from_errno(int r);

/* For an error on a file named on the command line (the image, a header, a key file): EACCES
 * and EPERM are permission denied there (11); anything else as exit_code_from_errno. */
int exit_code_from_file_errno(int r);

/* The table of `ykunlock --help` ("Exit status:") and of the man page's EXIT STATUS. */
struct exit_code_row {
        const char *code;    /* "0".."12", "128+n" */
        const char *meaning; /* one line; a '\n' marks where --help wraps it */
};
extern const struct exit_code_row exit_code_rows[];
extern const size_t exit_code_n_rows;
