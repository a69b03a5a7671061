/* The one confirmation before a command destroys something (a header restored over another,
 * a block device formatted): cryptsetup's "type YES", skipped by -q/--batch-mode, refused with
 * exit 5 when there is no terminal to ask at. */
#pragma once

#include "cli/cli.h"

/* Asks "Are you sure? (Type YES in capital letters): " after the caller said what will happen.
 * Returns EXIT_OK when confirmed (or -q), else prints why not (`nothing`: what was left as it
 * was, such as "nothing was changed") and returns the exit code. */
int cli_confirm(const struct cli_global *g, const char *nothing);
