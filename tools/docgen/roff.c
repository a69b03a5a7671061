/* Escaping for roff (man(7)): the table's strings and the Markdown of docs/ as man page text. */
#include "docgen.h"

#include <ctype.h>
#include <string.h>

/* Characters of an argument or option word (IMAGE, plug-event, 128+n). */
static bool word_char(char ch) {
        return isalnum((unsigned char) ch) || ch == '-' || ch == '_' || ch == '+';
}

void roff_text(FILE *out, const char *s, size_t n, bool code) {
        bool line_start = true, option_word = false;
        char prev = ' ';
        for (size_t i = 0; i < n; i++) {
                char ch = s[i];
                if (line_start && (ch == '.' || ch == '\''))
                        fputs("\\&", out);
                line_start = ch == '\n';
                if (isspace((unsigned char) ch))
                        option_word = false;
                else if (ch == '-' && !isalnum((unsigned char) prev))
                        option_word = true; /* --slot, -q, the "-" of F|- */
                if (ch == '\\')
                        fputs("\\e", out);
                else if (ch == '-' && (code || option_word))
                        fputs("\\-", out);
                else
                        fputc(ch, out);
                prev = ch;
        }
}

void roff_puts(FILE *out, const char *s) {
        roff_text(out, s, strlen(s), /* code= */ false);
}

void roff_args(FILE *out, const char *args) {
        for (const char *p = args; *p;) {
                size_t n = 0;
                while (word_char(p[n]))
                        n++;
                if (n == 0) {
                        roff_text(out, p, 1, /* code= */ false);
                        p++;
                        continue;
                }
                fputs(isupper((unsigned char) p[0]) ? "\\fI\\%" : "\\fB\\%", out); /* \%: never hyphenated */
                roff_text(out, p, n, /* code= */ true);
                fputs("\\fR", out);
                p += n;
        }
}

/* `code` at s (s[0] == '`'): as bold literal text; returns the characters used, 0 if unclosed. */
static size_t md_code_span(FILE *out, const char *s, size_t n) {
        const char *end = memchr(s + 1, '`', n - 1);
        if (!end)
                return 0;
        fputs("\\fB", out);
        for (const char *p = s + 1; p < end; p++) {
                if (p[0] == '\\' && p + 1 < end && p[1] == '|')
                        continue; /* a table cell writes | as \| even in code */
                roff_text(out, p, 1, /* code= */ true);
        }
        fputs("\\fR", out);
        return (size_t) (end - s) + 1;
}

/* [text](link) at s: the text only; returns the characters used, 0 if it is not a link. */
static size_t md_link(FILE *out, const char *s, size_t n) {
        const char *close = memchr(s, ']', n);
        if (!close || (size_t) (close - s) + 1 >= n || close[1] != '(')
                return 0;
        const char *paren = memchr(close, ')', n - (size_t) (close - s));
        if (!paren)
                return 0;
        roff_markdown(out, s + 1, (size_t) (close - s - 1));
        return (size_t) (paren - s) + 1;
}

/* Whether a Markdown construct starts at s[0]: a code span, a link, **bold**, or \| in a table. */
static bool md_construct(const char *s, size_t n) {
        return s[0] == '`' || s[0] == '[' || (n >= 2 && s[0] == '*' && s[1] == '*') ||
               (n >= 2 && s[0] == '\\' && s[1] == '|');
}

/* The construct at s, written; returns the characters used, 0 if it is none after all. */
static size_t md_construct_emit(FILE *out, const char *s, size_t n) {
        if (s[0] == '`')
                return md_code_span(out, s, n);
        if (s[0] == '[')
                return md_link(out, s, n);
        if (s[0] == '\\') {
                fputc('|', out);
                return 2;
        }
        for (size_t i = 2; i + 1 < n; i++)
                if (s[i] == '*' && s[i + 1] == '*') {
                        fputs("\\fB", out);
                        roff_markdown(out, s + 2, i - 2);
                        fputs("\\fR", out);
                        return i + 2;
                }
        return 0;
}

void roff_markdown(FILE *out, const char *s, size_t n) {
        size_t plain = 0; /* s[plain..i) is text still to write */
        for (size_t i = 0; i < n;) {
                if (!md_construct(s + i, n - i)) {
                        i++;
                        continue;
                }
                roff_text(out, s + plain, i - plain, /* code= */ false);
                size_t used = md_construct_emit(out, s + i, n - i);
                if (used == 0) { /* a lone ` [ or **: plain text */
                        roff_text(out, s + i, 1, /* code= */ false);
                        used = 1;
                }
                i += used;
                plain = i;
        }
        roff_text(out, s + plain, n - plain, /* code= */ false);
}
