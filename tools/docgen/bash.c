/* The tables of the bash completion (completion/ykunlock.bash.in), from the option table:
 *
 *   _ykunlock_verbs           REPLY=(every implemented verb: 'token list' create ...)
 *   _ykunlock_verb_args VERB  REPLY=(the metavars of its positional arguments: DEVICE NAME)
 *   _ykunlock_verb_options V  REPLY=(its options and the globals: --json --slot=1|2 -h --help ...)
 *   _ykunlock_global_options  REPLY=(the global options, as above)
 *
 * An option that takes a value is written --long=METAVAR; the hand-written part of the template
 * decides from the METAVAR what to offer. */
#include "docgen.h"

#include <string.h>

#include "cli/table.h"

/* Every string goes between single quotes: the table may not hold one. */
static int check_quotable(const struct docgen_ctx *c, const char *s) {
        return strchr(s, '\'') ? docgen_fail(c, "a quote in the table: %s", s) : 0;
}

static void emit_option(FILE *out, const struct cli_option_def *o) {
        if (o->short_name)
                fprintf(out, " '-%c%s%s'", o->short_name, o->metavar ? "=" : "", o->metavar ? o->metavar : "");
        fprintf(out, " '--%s%s%s'", o->long_name, o->metavar ? "=" : "", o->metavar ? o->metavar : "");
}

static int emit_verb_options(const struct docgen_ctx *c) {
        fputs("_ykunlock_verb_options() {\n        case $1 in\n", c->out);
        for (size_t i = 0; i < cli_n_verbs; i++) {
                const struct cli_verb_def *v = &cli_verbs[i];
                if (!v->run)
                        continue;
                fprintf(c->out, "        '%s') REPLY=(", v->name);
                for (size_t k = 0; k < cli_n_options; k++)
                        if (cli_verb_takes(v, &cli_options[k]))
                                emit_option(c->out, &cli_options[k]);
                fputs(") ;;\n", c->out);
        }
        fputs("        *) REPLY=() ;;\n        esac\n}\n", c->out);
        return 0;
}

/* "DEVICE [NAME]" -> 'DEVICE' 'NAME'. */
static void emit_args(FILE *out, const char *args) {
        for (const char *p = args; *p;) {
                p += strspn(p, " []");
                size_t n = strcspn(p, " []");
                if (n > 0)
                        fprintf(out, " '%.*s'", (int) n, p);
                p += n;
        }
}

static int emit_tables(const struct docgen_ctx *c) {
        int r = 0;
        for (size_t i = 0; i < cli_n_options && r == 0; i++)
                r = check_quotable(c, cli_options[i].metavar ? cli_options[i].metavar : "");
        for (size_t i = 0; i < cli_n_verbs && r == 0; i++)
                r = check_quotable(c, cli_verbs[i].name) ?: check_quotable(c, cli_verbs[i].args);
        if (r < 0)
                return r;
        fputs("# Generated from src/cli/table.c by tools/docgen (ykunlock-docgen bash): do not edit here.\n"
              "_ykunlock_verbs() {\n        REPLY=(",
              c->out);
        for (size_t i = 0; i < cli_n_verbs; i++)
                if (cli_verbs[i].run)
                        fprintf(c->out, " '%s'", cli_verbs[i].name);
        fputs(")\n}\n_ykunlock_verb_args() {\n        case $1 in\n", c->out);
        for (size_t i = 0; i < cli_n_verbs; i++)
                if (cli_verbs[i].run) {
                        fprintf(c->out, "        '%s') REPLY=(", cli_verbs[i].name);
                        emit_args(c->out, cli_verbs[i].args);
                        fputs(") ;;\n", c->out);
                }
        fputs("        *) REPLY=() ;;\n        esac\n}\n_ykunlock_global_options() {\n        REPLY=(", c->out);
        for (size_t i = 0; i < cli_n_options; i++)
                if (cli_options[i].verbs == CLI_V_GLOBAL)
                        emit_option(c->out, &cli_options[i]);
        fputs(")\n}\n", c->out);
        return emit_verb_options(c);
}

int bash_directive(const struct docgen_ctx *c, const char *name, const char *args) {
        if (strcmp(name, "tables") != 0 || strcspn(args, "\n") != 0)
                return docgen_fail(c, "unknown bash directive '%s'", name);
        return emit_tables(c);
}
