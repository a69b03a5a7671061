/* The parser of /etc/ykunlock/vaults (registry.h, docs/plug-in.md). A bad line is recorded
 * and skipped; nothing here prints. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/file.h"
#include "shared/macros.h"
#include "vault/registry.h"

#define MAX_FIELDS 4

static void config_clear(struct vault_config *c) {
        free(c->source);
        free(c->name);
        free(c->mountpoint);
        free(c->mountopts);
        free(c->header);
        *c = (struct vault_config) { 0 };
}

void vault_registry_free(struct vault_registry *r) {
        for (size_t i = 0; i < r->n_vaults; i++)
                config_clear(&r->vaults[i]);
        free(r->vaults);
        free(r->errors);
        *r = (struct vault_registry) { 0 };
}

const char *vault_on_remove_name(enum vault_on_remove a) {
        switch (a) {
        case VAULT_ON_REMOVE_CLOSE:
                return "close";
        case VAULT_ON_REMOVE_SUSPEND:
                return "suspend";
        default:
                return "nothing";
        }
}

/* The message of a bad line, with the offending text quoted printably and cut short. */
struct line_error {
        int error;
        char message[sizeof(((struct vault_config_error *) 0)->message)];
};

__attribute__((format(printf, 3, 4)))
static int fail(struct line_error *e, int error, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
        e->error = error;
        return error;
}

/* Copies at most 40 bytes of s[0..len) for a message, unprintable bytes as '?'. */
static const char *quote(const char *s, size_t len, char buf[static 48]) {
        size_t n = len < 40 ? len : 40, o = 0;
        for (size_t i = 0; i < n; i++)
                buf[o++] = isprint((unsigned char) s[i]) ? s[i] : '?';
        if (n < len) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o] = '\0';
        return buf;
}

static bool is_abs_path(const char *s) {
        if (s[0] != '/')
                return false;
        /* no "." or ".." component: a mount point or device is named plainly */
        for (const char *p = s; (p = strchr(p, '/')); p++) {
                const char *c = p + 1;
                size_t n = strcspn(c, "/");
                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
        }
        return true;
}

static bool valid_name(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > VAULT_REGISTRY_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isalnum((unsigned char) s[i]) && !strchr("-_.+", s[i]))
                        return false;
        return true;
}

static bool valid_uuid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > 36)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isxdigit((unsigned char) s[i]) && s[i] != '-')
                        return false;
        return true;
}

static bool all_printable(const char *s) {
        for (; *s; s++)
                if (!isgraph((unsigned char) *s))
                        return false;
        return true;
}

static int parse_source(const char *f, struct vault_config *c, struct line_error *e) {
        char q[48];
        const char *v = f;
        if (strncmp(f, "UUID=", 5) == 0) {
                c->source_kind = VAULT_SOURCE_UUID;
                v = f + 5;
                if (!valid_uuid(v))
                        return fail(e, -EINVAL, "bad UUID '%s'", quote(v, strlen(v), q));
        } else if (strncmp(f, "LABEL=", 6) == 0) {
                c->source_kind = VAULT_SOURCE_LABEL;
                v = f + 6;
                if (v[0] == '\0' || strlen(v) > 47 || !all_printable(v))
                        return fail(e, -EINVAL, "bad LABEL '%s'", quote(v, strlen(v), q));
        } else {
                c->source_kind = VAULT_SOURCE_PATH;
                if (!is_abs_path(f) || !all_printable(f))
                        return fail(e, -EINVAL,
                                    "the source must be an absolute path, UUID= or LABEL=, not '%s'",
                                    quote(f, strlen(f), q));
        }
        c->source = strdup(v);
        return c->source ? 0 : -ENOMEM;
}

static int set_string(char **dst, const char *v) {
        char *s = strdup(v);
        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

static int parse_on_remove(const char *v, struct vault_config *c, struct line_error *e) {
        char q[48];
        if (strcmp(v, "nothing") == 0)
                c->on_remove = VAULT_ON_REMOVE_NOTHING;
        else if (strcmp(v, "close") == 0)
                c->on_remove = VAULT_ON_REMOVE_CLOSE;
        else if (strcmp(v, "suspend") == 0)
                c->on_remove = VAULT_ON_REMOVE_SUSPEND;
        else
                return fail(e, -EINVAL, "on-remove= must be nothing, close or suspend, not '%s'",
                            quote(v, strlen(v), q));
        return 0;
}

/* One option; *ret_rest_taken is set when it consumed the rest of the field (mountopts=). */
static int parse_option(const char *o, size_t len, const char *rest, struct vault_config *c,
                        struct line_error *e, bool *ret_rest_taken) {
        char q[48];
        _cleanup_(freep) char *opt = strndup(o, len);
        if (!opt)
                return -ENOMEM;
        if (strcmp(opt, "noauto") == 0)
                c->noauto = true;
        else if (strcmp(opt, "readonly") == 0 || strcmp(opt, "read-only") == 0)
                c->readonly = true;
        else if (strncmp(opt, "on-remove=", 10) == 0)
                return parse_on_remove(opt + 10, c, e);
        else if (strncmp(opt, "header=", 7) == 0) {
                if (!is_abs_path(opt + 7))
                        return fail(e, -EINVAL, "header= needs an absolute path, not '%s'",
                                    quote(opt + 7, len - 7, q));
                return set_string(&c->header, opt + 7);
        } else if (strncmp(rest, "mountopts=", 10) == 0) {
                *ret_rest_taken = true;
                if (rest[10] == '\0')
                        return fail(e, -EINVAL, "mountopts= is empty");
                return set_string(&c->mountopts, rest + 10);
        } else
                return fail(e, -EINVAL, "unknown option '%s'", quote(o, len, q));
        return 0;
}

static int parse_options(const char *f, struct vault_config *c, struct line_error *e) {
        char q[48];
        for (const char *p = f; *p;) {
                size_t n = strcspn(p, ",");
                if (n == 0)
                        return fail(e, -EINVAL, "empty option in '%s'", quote(f, strlen(f), q));
                bool rest_taken = false;
                int r = parse_option(p, n, p, c, e, &rest_taken);
                if (r < 0 || rest_taken)
                        return r;
                p += n;
                if (*p == ',' && *++p == '\0')
                        return fail(e, -EINVAL, "empty option at the end of '%s'",
                                    quote(f, strlen(f), q));
        }
        return 0;
}

static int parse_mountpoint(const char *f, struct vault_config *c, struct line_error *e) {
        char q[48];
        if (strcmp(f, "-") == 0)
                return 0;
        if (!is_abs_path(f) || !all_printable(f))
                return fail(e, -EINVAL, "the mount point must be an absolute path or '-', not '%s'",
                            quote(f, strlen(f), q));
        return set_string(&c->mountpoint, f);
}

/* Splits a NUL-terminated line at blanks. Returns the number of fields, or -E2BIG. */
static int split_fields(char *line, char *fields[MAX_FIELDS]) {
        int n = 0;
        for (char *s = strtok(line, " \t"); s; s = strtok(NULL, " \t")) {
                if (n == MAX_FIELDS)
                        return -E2BIG;
                fields[n++] = s;
        }
        return n;
}

static int parse_fields(char **f, int n, struct vault_config *c, struct line_error *e) {
        char q[48];
        if (n < 2)
                return fail(e, -EINVAL, "expected SOURCE NAME [MOUNTPOINT|-] [OPTIONS]");
        int r = parse_source(f[0], c, e);
        if (r < 0)
                return r;
        if (!valid_name(f[1]))
                return fail(e, -EINVAL, "bad mapping name '%s' (letters, digits, -_.+; at most %d)",
                            quote(f[1], strlen(f[1]), q), VAULT_REGISTRY_NAME_MAX);
        r = set_string(&c->name, f[1]);
        if (r < 0)
                return r;
        const char *mount = NULL, *opts = NULL;
        if (n == 4)
                mount = f[2], opts = f[3];
        else if (n == 3 && (f[2][0] == '/' || strcmp(f[2], "-") == 0))
                mount = f[2];
        else if (n == 3)
                opts = f[2];
        if (mount && (r = parse_mountpoint(mount, c, e)) < 0)
                return r;
        if (opts && (r = parse_options(opts, c, e)) < 0)
                return r;
        if (c->mountopts && !c->mountpoint)
                return fail(e, -EINVAL, "mountopts= without a mount point");
        return 0;
}

/* Parses one line (without its newline). 0 with c->name set: a vault; 0 with c->name NULL:
 * blank or comment; <0: e says why (-ENOMEM is not a line error). */
static int parse_line(const char *text, size_t len, struct vault_config *c, struct line_error *e) {
        if (len > 0 && text[len - 1] == '\r')
                len--; /* a file edited elsewhere may end its lines with CRLF */
        if (len > VAULT_REGISTRY_LINE_MAX)
                return fail(e, -EINVAL, "line longer than %d bytes", VAULT_REGISTRY_LINE_MAX);
        if (memchr(text, '\0', len))
                return fail(e, -EINVAL, "NUL byte in the line");
        _cleanup_(freep) char *line = strndup(text, len);
        if (!line)
                return -ENOMEM;
        size_t skip = strspn(line, " \t\r");
        if (line[skip] == '\0' || line[skip] == '#')
                return 0;
        char *fields[MAX_FIELDS];
        int n = split_fields(line, fields);
        if (n < 0)
                return fail(e, -EINVAL, "more than %d fields", MAX_FIELDS);
        return parse_fields(fields, n, c, e);
}

static int add_error(struct vault_registry *r, unsigned line, const struct line_error *e) {
        struct vault_config_error *a = reallocarray(r->errors, r->n_errors + 1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        r->errors = a;
        a[r->n_errors] = (struct vault_config_error) { .line = line, .error = e->error };
        memcpy(a[r->n_errors].message, e->message, sizeof(e->message));
        r->n_errors++;
        return 0;
}

/* A second vault with the same mapping name or mount point is a bad line: which one would
 * insertion open? The first one stays. */
static int check_duplicate(const struct vault_registry *r, const struct vault_config *c,
                           struct line_error *e) {
        for (size_t i = 0; i < r->n_vaults; i++) {
                const struct vault_config *o = &r->vaults[i];
                if (strcmp(o->name, c->name) == 0)
                        return fail(e, -EEXIST, "the mapping name '%s' is used on line %u already",
                                    c->name, o->line);
                if (c->mountpoint && o->mountpoint && strcmp(o->mountpoint, c->mountpoint) == 0)
                        return fail(e, -EEXIST, "the mount point '%s' is used on line %u already",
                                    c->mountpoint, o->line);
        }
        return 0;
}

static int add_line(struct vault_registry *r, unsigned line_no, const char *text, size_t len) {
        struct vault_config c = { .line = line_no };
        struct line_error e = { 0 };
        int k = parse_line(text, len, &c, &e);
        if (k >= 0 && c.name)
                k = check_duplicate(r, &c, &e);
        if (k == -ENOMEM || (k < 0 && e.error == 0)) {
                config_clear(&c);
                return k;
        }
        if (k < 0) {
                config_clear(&c);
                return add_error(r, line_no, &e);
        }
        if (!c.name)
                return 0; /* blank or comment */
        struct vault_config *a = reallocarray(r->vaults, r->n_vaults + 1, sizeof(*a));
        if (!a) {
                config_clear(&c);
                return -ENOMEM;
        }
        r->vaults = a;
        a[r->n_vaults++] = c;
        return 0;
}

int vault_registry_parse(const char *text, size_t size, struct vault_registry *ret) {
        if (size > VAULT_REGISTRY_MAX_SIZE)
                return -EFBIG;
        _cleanup_(vault_registry_free) struct vault_registry r = { 0 };
        unsigned line_no = 0;
        for (size_t pos = 0; pos < size;) {
                const char *nl = memchr(text + pos, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - (text + pos)) : size - pos;
                int k = add_line(&r, ++line_no, text + pos, len);
                if (k < 0)
                        return k;
                pos += len + 1;
        }
        *ret = r;
        r = (struct vault_registry) { 0 };
        return 0;
}

int vault_registry_load(const char *path, struct vault_registry *ret) {
        _cleanup_(freep) char *data = NULL;
        size_t len;
        int r = read_small_file(path ? path : VAULT_REGISTRY_PATH, VAULT_REGISTRY_MAX_SIZE, &data, &len);
        if (r < 0)
                return r;
        return vault_registry_parse(data, len, ret);
}

/* udev's escaping of a label in /dev/disk/by-label: bytes outside [A-Za-z0-9#+-.:=@_] as \xNN
 * (blanks as well: "my disk" is "my\x20disk"). */
static int escape_label(const char *s, char **ret) {
        char *out = malloc(strlen(s) * 4 + 1), *o = out;
        if (!out)
                return -ENOMEM;
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (isalnum(*p) || strchr("#+-.:=@_", *p))
                        *o++ = (char) *p;
                else
                        o += sprintf(o, "\\x%02x", *p);
        }
        *o = '\0';
        *ret = out;
        return 0;
}

int vault_config_device(const struct vault_config *c, char **ret) {
        _cleanup_(freep) char *label = NULL;
        char *s = NULL;
        int r;
        switch (c->source_kind) {
        case VAULT_SOURCE_UUID:
                r = asprintf(&s, "/dev/disk/by-uuid/%s", c->source);
                break;
        case VAULT_SOURCE_LABEL:
                if ((r = escape_label(c->source, &label)) < 0)
                        return r;
                r = asprintf(&s, "/dev/disk/by-label/%s", label);
                break;
        default:
                s = strdup(c->source);
                r = s ? 0 : -1;
        }
        if (r < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}
