/* ykunlock-docgen: a build-time tool (never installed) that writes the manual pages and the bash
 * completion from the one option table (src/cli/table.c, src/cli/exit-code.c) and hand-written
 * templates. A template is copied line by line; a directive line is replaced by generated text:
 *
 *   .\" @docgen NAME ARGS...     (in a roff template)
 *   # @docgen NAME ARGS...       (in a bash template)
 *
 * Every function returns 0 or a negative errno; main() prints the one error line. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/* Where a directive came from, for error messages. */
struct docgen_ctx {
        FILE *out;
        const char *template_path;
        unsigned line;
        const char *doc_root; /* the source tree: the directives' FILE arguments are relative to it */
};

/* Prints "ykunlock-docgen: TEMPLATE:LINE: ..." and returns -EINVAL. */
int docgen_fail(const struct docgen_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- roff.c: escaping ------------------------------------------------------------------- */

/* Text for a roff line: backslashes escaped, a leading '.' or '\'' made harmless, and the dashes
 * of words that start with one (--slot, -q, F|-) written \- so that they stay ASCII minus signs
 * and can be copied. `code`: every dash is a minus sign (literal text). */
void roff_text(FILE *out, const char *s, size_t n, bool code);
/* The same, for a whole string. */
void roff_puts(FILE *out, const char *s);
/* A usage fragment: words starting with a capital letter (IMAGE, F) in italics, other words
 * (add, pcsc, 1) in bold, punctuation ([ ] |) as it is. */
void roff_args(FILE *out, const char *args);
/* Markdown inline text (`code`, **bold**, \|, [text](link)) as roff. */
void roff_markdown(FILE *out, const char *s, size_t n);

/* ---- markdown.c: pieces of the docs (docs/NAME.md) ------------------- */

/* `code FILE N HEADING`: the Nth fenced code block of the section HEADING as an example. */
int md_emit_code(const struct docgen_ctx *c, const char *args);
/* `table FILE N HEADING`: the Nth table of the section HEADING as a .TP list. */
int md_emit_table(const struct docgen_ctx *c, const char *args);

/* ---- man.c: ykunlock(1) from the table -------------------------------------------------- */

int man_directive(const struct docgen_ctx *c, const char *name, const char *args);

/* ---- bash.c: the completion's tables ---------------------------------------------------- */

int bash_directive(const struct docgen_ctx *c, const char *name, const char *args);
