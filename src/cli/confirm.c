#include "cli/confirm.h"

#include <errno.h>

#include "cli/exit-code.h"
#include "cli/prompt.h"
#include "shared/errors.h"

int cli_confirm(const struct cli_global *g, const char *nothing) {
        if (g->batch)
                return EXIT_OK;
        int r = prompt_yes("Are you sure? (Type YES in capital letters): ");
        if (r == 1)
                return EXIT_OK;
        if (r == -ENOTTY)
                return cli_error(-ENOTTY,
                                 "this asks for confirmation at a terminal, and standard input is not one; "
                                 "-q (--batch-mode) confirms it; %s",
                                 nothing);
        if (r == -EINTR)
                return cli_error(-ECANCELED, "interrupted; %s", nothing);
        if (r < 0)
                return cli_error(r, "cannot read the answer: %s; %s", cli_strerror(r), nothing);
        return cli_error(-YK_ERR_REFUSED, "not confirmed (only YES confirms); %s", nothing);
}
