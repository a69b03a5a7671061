#include "cli/unlock-ask.h"

#include <errno.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/prompt.h"
#include "cli/vault-args.h"

static int ask_pin(void *userdata, const struct yk_token_info *enrolled, unsigned attempt, struct secret *ret) {
        struct cli_ask *a = userdata;
        (void) enrolled;
        if (attempt > 0)
                fprintf(stderr, "Wrong PIN for the token enrolled in %s; try again.\n", a->vault_name);
        a->pins_asked++;
        _cleanup_(secret_clearp) struct secret pin = {};
        a->code = cli_prompt_pin(&pin);
        if (a->code != EXIT_OK)
                return -ECANCELED;
        *ret = TAKE_STRUCT(pin);
        return 0;
}

static int ask_secret(void *userdata, const char *label, int why, unsigned attempt, struct secret *ret) {
        struct cli_ask *a = userdata;
        (void) label, (void) why;
        if (attempt > 0)
                fprintf(stderr, "That is neither the recovery key nor a passphrase of %s; try again.\n",
                        a->vault_name);
        a->secrets_asked++;
        char question[160];
        snprintf(question, sizeof(question), "%sEnter the recovery key or a passphrase of %.64s: ",
                 a->say_no_token && attempt == 0 ? "No enrolled token. " : "", a->vault_name);
        _cleanup_(secret_clearp) struct secret text = {};
        int r = prompt_secret(question, &text);
        if (r < 0) {
                a->code = r == -E2BIG ? cli_usage_error("that is too long")
                                      : cli_error(r, "cannot read from the terminal: %s", cli_strerror(r));
                return -ECANCELED;
        }
        *ret = TAKE_STRUCT(text);
        return 0;
}

struct vault_ask cli_vault_ask(struct cli_ask *a) {
        if (a->batch || !stdin_is_terminal())
                return (struct vault_ask) { .userdata = a };
        return (struct vault_ask) { .pin = ask_pin, .secret = ask_secret, .tries = VAULT_DEFAULT_TRIES, .userdata = a };
}
