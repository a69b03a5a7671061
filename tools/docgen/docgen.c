/* ykunlock-docgen man|bash TEMPLATE OUTPUT DOC_ROOT: expands the @docgen directives of TEMPLATE
 * (docgen.h) into OUTPUT, written whole or not at all (a temporary file renamed at the end). */
#include "docgen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared/macros.h"

int docgen_fail(const struct docgen_ctx *c, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "ykunlock-docgen: %s:%u: ", c->template_path, c->line);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
        return -EINVAL;
}

/* "@docgen NAME ARGS" after the comment leader of either language, or NULL. */
static const char *directive_of(const char *line) {
        static const char *const leaders[] = { ".\\\" @docgen ", "# @docgen " };
        for (size_t i = 0; i < ELEMENTSOF(leaders); i++)
                if (strncmp(line, leaders[i], strlen(leaders[i])) == 0)
                        return line + strlen(leaders[i]);
        return NULL;
}

static int expand(struct docgen_ctx *c, const char *mode, const char *directive) {
        char name[32];
        size_t n = strcspn(directive, " \n");
        if (n == 0 || n >= sizeof(name))
                return docgen_fail(c, "a directive without a name");
        memcpy(name, directive, n);
        name[n] = '\0';
        const char *args = directive + n + strspn(directive + n, " ");
        if (strcmp(name, "code") == 0)
                return md_emit_code(c, args);
        if (strcmp(name, "table") == 0)
                return md_emit_table(c, args);
        if (strcmp(mode, "man") == 0)
                return man_directive(c, name, args);
        return bash_directive(c, name, args);
}

static int generate(struct docgen_ctx *c, const char *mode, FILE *in) {
        _cleanup_(freep) char *line = NULL;
        size_t size = 0;
        while (getline(&line, &size, in) >= 0) {
                c->line++;
                const char *d = directive_of(line);
                if (!d) {
                        fputs(line, c->out);
                        continue;
                }
                int r = expand(c, mode, d);
                if (r < 0)
                        return r;
        }
        return ferror(in) ? -EIO : 0;
}

static void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

int main(int argc, char **argv) {
        if (argc != 5 || (strcmp(argv[1], "man") != 0 && strcmp(argv[1], "bash") != 0)) {
                fprintf(stderr, "usage: ykunlock-docgen man|bash TEMPLATE OUTPUT DOC_ROOT\n");
                return 1;
        }
        _cleanup_(fclosep) FILE *in = fopen(argv[2], "re");
        if (!in) {
                fprintf(stderr, "ykunlock-docgen: %s: %s\n", argv[2], strerror(errno));
                return 1;
        }
        _cleanup_(freep) char *tmp = NULL;
        if (asprintf(&tmp, "%s.tmp", argv[3]) < 0)
                return 1;
        struct docgen_ctx c = { .template_path = argv[2], .doc_root = argv[4] };
        c.out = fopen(tmp, "we");
        if (!c.out) {
                fprintf(stderr, "ykunlock-docgen: %s: %s\n", tmp, strerror(errno));
                return 1;
        }
        int r = generate(&c, argv[1], in);
        if (fclose(c.out) != 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, argv[3]) < 0)
                r = -errno;
        if (r < 0) {
                if (r != -EINVAL)
                        fprintf(stderr, "ykunlock-docgen: %s: %s\n", argv[3], strerror(-r));
                unlink(tmp);
                return 1;
        }
        return 0;
}
