/* Help text, produced from the one table (cli/table.c): `ykunlock --help`, `ykunlock VERB --help`
 * and `ykunlock GROUP --help`. */
#include <stdio.h>
#include <string.h>

#include "cli/exit-code.h"
#include "cli/table.h"

/* "  -q, --batch-mode" / "      --slot 1|2", padded to one column. */
static void print_option(const struct cli_option_def *o) {
        char left[64];
        snprintf(left, sizeof(left), "%c%c%c --%s%s%s", o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
                 o->short_name ? ',' : ' ', o->long_name, o->metavar ? " " : "", o->metavar ? o->metavar : "");
        printf("  %-30s %s\n", left, o->help);
}

static void print_globals(void) {
        printf("Global options (before or after the verb's arguments):\n");
        for (size_t i = 0; i < cli_n_options; i++)
                if (cli_options[i].verbs == CLI_V_GLOBAL)
                        print_option(&cli_options[i]);
}

static void print_usage_line(const struct cli_verb_def *v) {
        printf("ykunlock %s%s%s [OPTIONS]\n", v->name, v->args[0] ? " " : "", v->args);
}

void cli_print_verb_help(const struct cli_verb_def *v) {
        printf("Usage: ");
        print_usage_line(v);
        printf("\n%s\n", v->summary);
        if (v->details)
                printf("%s\n", v->details);
        if (!v->run) {
                printf("\nThis verb is reserved for a later release: it is not implemented yet (exit status 1).\n");
                return;
        }
        bool any = false;
        for (size_t i = 0; i < cli_n_options; i++) {
                const struct cli_option_def *o = &cli_options[i];
                if (o->verbs == CLI_V_GLOBAL || !(o->verbs & v->bit))
                        continue;
                if (!any)
                        printf("\nOptions:\n");
                any = true;
                print_option(o);
        }
        printf("\n");
        print_globals();
        printf("\n--slot is always the YubiKey slot (1 or 2), never a LUKS keyslot. Exit status: ykunlock --help.\n");
}

bool cli_print_group_help(const char *group) {
        if (!cli_is_group(group))
                return false;
        size_t n = strlen(group);
        printf("Usage: ykunlock %s VERB [OPTIONS]\n\nVerbs:\n", group);
        for (size_t i = 0; i < cli_n_verbs; i++) {
                const struct cli_verb_def *v = &cli_verbs[i];
                if (strncmp(v->name, group, n) == 0 && v->name[n] == ' ')
                        printf("  %-16s %s\n", v->name + n + 1, v->summary);
        }
        printf("\nykunlock %s VERB --help lists the options of each.\n", group);
        return true;
}

/* "   5  refused: ...", a continuation line under the meaning; "128+n" sticks out to the left. */
static void print_exit_codes(void) {
        printf("Exit status:\n");
        for (size_t i = 0; i < exit_code_n_rows; i++) {
                const char *m = exit_code_rows[i].meaning;
                size_t n = strcspn(m, "\n");
                printf(" %3s  %.*s\n", exit_code_rows[i].code, (int) n, m);
                for (m += n; *m == '\n'; m += n) {
                        n = strcspn(++m, "\n");
                        printf("      %.*s\n", (int) n, m);
                }
        }
}

void cli_print_main_help(void) {
        printf("Usage: ykunlock VERB [ARGUMENTS] [OPTIONS]\n"
               "       ykunlock help [VERB]\n\n"
               "Unlock LUKS2 vaults with the HMAC-SHA1 challenge-response slot of a YubiKey.\n\nVerbs:\n");
        for (size_t i = 0; i < cli_n_verbs; i++)
                if (cli_verbs[i].run) {
                        printf("  ");
                        print_usage_line(&cli_verbs[i]);
                        printf("      %s\n", cli_verbs[i].summary);
                }
        printf("\nReserved for later releases (not implemented yet; exit status 1):");
        for (size_t i = 0; i < cli_n_verbs; i++)
                if (!cli_verbs[i].run)
                        printf(" %s%s", cli_verbs[i].name, i + 1 < cli_n_verbs ? "," : "");
        printf("\n\nykunlock VERB --help lists every option of a verb.\n\n");
        print_globals();
        printf("\n--slot is always the YubiKey slot (1 or 2, default 2), never a LUKS keyslot.\n\n");
        print_exit_codes();
}
