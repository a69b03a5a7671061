/* The parts of ykunlock(1) that come from the option table: `synopsis`, `verbs` (one
 * subsection per verb with its own options), `global-options` and `exit-status`. The section
 * headings and all other prose are in the template (docs/man/ykunlock.1.in). */
#include "docgen.h"

#include <string.h>

#include "cli/exit-code.h"
#include "cli/table.h"

/* "\fB--slot\fR \fI1|2\fR", "\fB-q\fR, \fB--batch-mode\fR": the same words as --help's column. */
static void option_tag(FILE *out, const struct cli_option_def *o) {
        if (o->short_name)
                fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
        fputs("\\fB\\%\\-\\-", out); /* \%: an option name is never hyphenated */
        roff_text(out, o->long_name, strlen(o->long_name), /* code= */ true);
        fputs("\\fR", out);
        if (o->metavar) {
                fputc(' ', out);
                roff_args(out, o->metavar);
        }
}

static void option_item(FILE *out, const struct cli_option_def *o) {
        fputs(".TP\n", out);
        option_tag(out, o);
        fputc('\n', out);
        roff_puts(out, o->help);
        fputc('\n', out);
}

/* "ykunlock create IMAGE [OPTIONS]": the usage line of `ykunlock create --help`. */
static void usage_line(FILE *out, const struct cli_verb_def *v) {
        fputs("\\fBykunlock ", out);
        roff_text(out, v->name, strlen(v->name), /* code= */ true);
        fputs("\\fR ", out);
        if (v->args[0]) {
                roff_args(out, v->args);
                fputc(' ', out);
        }
        fputs("[\\fIOPTIONS\\fR]", out);
}

static void emit_synopsis(FILE *out) {
        fputs(".nf\n", out);
        for (size_t i = 0; i < cli_n_verbs; i++)
                if (cli_verbs[i].run) {
                        usage_line(out, &cli_verbs[i]);
                        fputc('\n', out);
                }
        fputs("\\fBykunlock help\\fR [\\fIVERB\\fR]\n.fi\n", out);
}

static void emit_verb(FILE *out, const struct cli_verb_def *v) {
        fputs(".SS \"", out);
        usage_line(out, v);
        fputs("\"\n", out);
        roff_puts(out, v->summary);
        fputc('\n', out);
        if (v->details) {
                roff_puts(out, v->details);
                fputc('\n', out);
        }
        for (size_t i = 0; i < cli_n_options; i++)
                if (cli_options[i].verbs != CLI_V_GLOBAL && (cli_options[i].verbs & v->bit))
                        option_item(out, &cli_options[i]);
}

static void emit_verbs(FILE *out) {
        for (size_t i = 0; i < cli_n_verbs; i++)
                if (cli_verbs[i].run)
                        emit_verb(out, &cli_verbs[i]);
        bool any = false;
        for (size_t i = 0; i < cli_n_verbs; i++) {
                if (cli_verbs[i].run)
                        continue;
                fputs(any ? ",\n" : ".SS \"Reserved verbs\"\nThese names are taken for later releases:\n", out);
                fputs("\\fB\\%", out);
                roff_text(out, cli_verbs[i].name, strlen(cli_verbs[i].name), /* code= */ true);
                fputs("\\fR", out);
                any = true;
        }
        if (any)
                fputs(".\nEach answers \"not implemented yet\" with exit status 1.\n", out);
}

static void emit_exit_status(FILE *out) {
        for (size_t i = 0; i < exit_code_n_rows; i++) {
                fputs(".TP\n.B ", out);
                roff_puts(out, exit_code_rows[i].code);
                fputc('\n', out);
                roff_puts(out, exit_code_rows[i].meaning); /* a '\n' is only where --help wraps */
                fputc('\n', out);
        }
}

int man_directive(const struct docgen_ctx *c, const char *name, const char *args) {
        size_t n = strcspn(args, "\n");
        if (n != 0)
                return docgen_fail(c, "%s takes no arguments", name);
        if (strcmp(name, "synopsis") == 0)
                emit_synopsis(c->out);
        else if (strcmp(name, "verbs") == 0)
                emit_verbs(c->out);
        else if (strcmp(name, "global-options") == 0) {
                for (size_t i = 0; i < cli_n_options; i++)
                        if (cli_options[i].verbs == CLI_V_GLOBAL)
                                option_item(c->out, &cli_options[i]);
        } else if (strcmp(name, "exit-status") == 0)
                emit_exit_status(c->out);
        else
                return docgen_fail(c, "unknown man directive '%s'", name);
        return 0;
}
