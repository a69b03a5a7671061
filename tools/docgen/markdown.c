/* Pieces of the Markdown documentation (docs/NAME.md) copied into a man page, so that an example or
 * a table has one source: `code FILE N HEADING` and `table FILE N HEADING` take the Nth fenced
 * code block or table of the section whose heading starts with HEADING. A missing heading or
 * piece stops the build: the man page cannot silently lose what the docs say. */
#include "docgen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "shared/macros.h"

struct md_ref {
        char file[256];
        unsigned index; /* 1: the first */
        const char *heading;
};

static int parse_ref(const struct docgen_ctx *c, const char *args, struct md_ref *ret) {
        int used = 0;
        if (sscanf(args, "%255s %u %n", ret->file, &ret->index, &used) != 2 || used == 0 || ret->index == 0)
                return docgen_fail(c, "expected FILE N HEADING, not '%s'", args);
        ret->heading = args + used;
        return 0;
}

static int read_doc(const struct docgen_ctx *c, const char *file, char **ret) {
        _cleanup_(freep) char *path = NULL;
        if (asprintf(&path, "%s/%s", c->doc_root, file) < 0)
                return -ENOMEM;
        FILE *f = fopen(path, "re");
        if (!f)
                return docgen_fail(c, "%s: %s", path, strerror(errno));
        char *buf = NULL;
        size_t size = 0;
        ssize_t n = getdelim(&buf, &size, '\0', f);
        fclose(f);
        if (n < 0) {
                free(buf);
                return docgen_fail(c, "%s: cannot read it", path);
        }
        *ret = buf;
        return 0;
}

/* The level of a heading line ("## x": 2), 0 for any other line. */
static int heading_level(const char *line) {
        int level = 0;
        while (line[level] == '#')
                level++;
        return level > 0 && line[level] == ' ' ? level : 0;
}

static size_t line_len(const char *p) {
        return strcspn(p, "\n");
}

static const char *next_line(const char *p) {
        p += line_len(p);
        return *p ? p + 1 : p;
}

/* The lines of the section whose heading starts with `heading`, up to the next heading of the
 * same or a higher level (headings inside fenced code do not count). */
static int find_section(const char *doc, const char *heading, const char **ret_begin, const char **ret_end) {
        size_t hn = strcspn(heading, "\n");
        const char *begin = NULL;
        int level = 0;
        bool fenced = false;
        for (const char *p = doc; *p; p = next_line(p)) {
                if (strncmp(p, "```", 3) == 0)
                        fenced = !fenced;
                int l = fenced ? 0 : heading_level(p);
                if (begin && l > 0 && l <= level) {
                        *ret_begin = begin, *ret_end = p;
                        return 0;
                }
                if (!begin && l > 0 && strncmp(p + l + 1, heading, hn) == 0) {
                        begin = next_line(p);
                        level = l;
                }
        }
        if (!begin)
                return -ENOENT;
        *ret_begin = begin, *ret_end = doc + strlen(doc);
        return 0;
}

static int load_section(const struct docgen_ctx *c, const char *args, struct md_ref *ref, char **ret_doc,
                        const char **ret_begin, const char **ret_end) {
        int r = parse_ref(c, args, ref);
        if (r < 0)
                return r;
        r = read_doc(c, ref->file, ret_doc);
        if (r < 0)
                return r;
        if (find_section(*ret_doc, ref->heading, ret_begin, ret_end) < 0)
                return docgen_fail(c, "%s has no heading '%.*s'", ref->file, (int) strcspn(ref->heading, "\n"),
                                   ref->heading);
        return 0;
}

int md_emit_code(const struct docgen_ctx *c, const char *args) {
        struct md_ref ref;
        _cleanup_(freep) char *doc = NULL;
        const char *p, *end;
        int r = load_section(c, args, &ref, &doc, &p, &end);
        if (r < 0)
                return r;
        for (unsigned seen = 0; p < end; p = next_line(p)) {
                if (strncmp(p, "```", 3) != 0 || ++seen < ref.index * 2 - 1)
                        continue;
                fputs(".PP\n.in +4n\n.EX\n", c->out);
                for (p = next_line(p); p < end && strncmp(p, "```", 3) != 0; p = next_line(p)) {
                        roff_text(c->out, p, line_len(p), /* code= */ true);
                        fputc('\n', c->out);
                }
                fputs(".EE\n.in\n", c->out);
                return 0;
        }
        return docgen_fail(c, "%s, '%.*s': no code block %u", ref.file, (int) strcspn(ref.heading, "\n"), ref.heading,
                           ref.index);
}

/* One table row "| a | b | c |" as .TP: the first cell is the tag, middle cells go in
 * parentheses after it, the last is the paragraph. */
static void emit_row(FILE *out, const char *row, size_t n) {
        const char *cells[8];
        size_t lens[8], ncells = 0;
        const char *cell = row + 1;
        for (size_t i = 1; i < n && ncells < ELEMENTSOF(cells); i++) {
                if (row[i] != '|' || row[i - 1] == '\\')
                        continue;
                const char *b = cell, *e = row + i;
                while (b < e && *b == ' ')
                        b++;
                while (e > b && e[-1] == ' ')
                        e--;
                cells[ncells] = b, lens[ncells++] = (size_t) (e - b);
                cell = row + i + 1;
        }
        if (ncells == 0)
                return;
        fputs(".TP\n", out);
        roff_markdown(out, cells[0], lens[0]);
        for (size_t k = 1; k + 1 < ncells; k++) {
                fputs(k == 1 ? " (" : ", ", out);
                roff_markdown(out, cells[k], lens[k]);
                fputs(k + 2 == ncells ? ")" : "", out);
        }
        fputc('\n', out);
        if (ncells > 1)
                roff_markdown(out, cells[ncells - 1], lens[ncells - 1]);
        fputc('\n', out);
}

int md_emit_table(const struct docgen_ctx *c, const char *args) {
        struct md_ref ref;
        _cleanup_(freep) char *doc = NULL;
        const char *p, *end;
        int r = load_section(c, args, &ref, &doc, &p, &end);
        if (r < 0)
                return r;
        unsigned seen = 0;
        bool fenced = false, in_table = false;
        for (; p < end; p = next_line(p)) {
                if (strncmp(p, "```", 3) == 0)
                        fenced = !fenced;
                bool row = !fenced && p[0] == '|';
                if (row && !in_table)
                        seen++; /* a table starts: its first row is the header */
                else if (row && seen == ref.index && strspn(p, "|-: ") < line_len(p))
                        emit_row(c->out, p, line_len(p));
                if (in_table && !row && seen == ref.index)
                        return 0; /* the end of the table */
                in_table = row;
        }
        return seen >= ref.index ? 0
                                 : docgen_fail(c, "%s, '%.*s': no table %u", ref.file,
                                               (int) strcspn(ref.heading, "\n"), ref.heading, ref.index);
}
