/* Choosing the one token a command works on: create, enroll and setup refuse to guess. */
#pragma once

#include "cli/cli.h"
#include "otp/discover.h"

/* Discovers tokens with the global filters and picks exactly one usable token into *ret.
 * Prints the error itself and returns an exit code (EXIT_OK on success): no token (3),
 * several without --serial/--reader (5, listing them). */
int cli_pick_token(const struct cli_global *g, struct yk_token *ret);

/* The one-line advice for a device node that could not be opened for lack of permission: it
 * names the node and the access needed (read and write). Points into a static buffer. */
const char *cli_no_access_advice(const struct yk_device *dev);
