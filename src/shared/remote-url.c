/* ssh://[user@]host[:port]/path (docs/remote.md, "Addresses"). Every part is checked against
 * a small character set: the parts end up as arguments of sshfs and ssh (never through a
 * shell), so a part must not start with '-' (an option), nor hold ',' (sshfs splits -o values
 * on it), nor control characters, and the path has no "." or ".." to hide where it points. */
#include "shared/remote-url.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_hex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool remote_url_is_remote(const char *s) {
        return s && strncasecmp(s, REMOTE_URL_SCHEME, strlen(REMOTE_URL_SCHEME)) == 0;
}

/* POSIX's portable user name characters; the first is not '-'. */
static int parse_user(const char *s, size_t n, struct remote_url *u, const char **why) {
        if (n == 0 || n > REMOTE_URL_USER_MAX) {
                *why = "the user name before '@' must have 1 to 32 characters";
                return -EINVAL;
        }
        if (memchr(s, ':', n)) {
                *why = "a password in the address is not accepted (use an SSH key)";
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(s[i]) && !(i > 0 && (s[i] == '.' || s[i] == '_' || s[i] == '-'))) {
                        *why = "the user name may only hold letters, digits, '.', '_' and '-' (not first)";
                        return -EINVAL;
                }
        memcpy(u->user, s, n);
        u->user[n] = '\0';
        return 0;
}

/* Labels of letters, digits, '-' and '_' (ssh_config aliases use it), separated by single
 * dots; a label neither starts nor ends with '-'. Covers names and IPv4 addresses. */
static bool host_name_ok(const char *s, size_t n) {
        size_t label = 0;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (c == '.') {
                        if (label == 0 || s[i - 1] == '-')
                                return false;
                        label = 0;
                        continue;
                }
                if (!is_alnum(c) && c != '_' && !(c == '-' && label > 0))
                        return false;
                if (++label > 63)
                        return false;
        }
        return label > 0 && s[n - 1] != '-';
}

/* Hex digits, ':' and '.' (an embedded IPv4), with at least two ':'; no zone ("%eth0"). */
static bool host_ipv6_ok(const char *s, size_t n) {
        size_t colons = 0;
        if (n < 2 || n > 45)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == ':')
                        colons++;
                else if (!is_hex(s[i]) && s[i] != '.')
                        return false;
        }
        return colons >= 2;
}

static int parse_port(const char *s, size_t n, struct remote_url *u, const char **why) {
        unsigned v = 0;
        if (n == 0 || n > 5) {
                *why = "the port is not a number from 1 to 65535";
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9') {
                        *why = "the port is not a number from 1 to 65535";
                        return -EINVAL;
                }
                v = v * 10 + (unsigned) (s[i] - '0');
        }
        if (v == 0 || v > 65535) {
                *why = "the port is not a number from 1 to 65535";
                return -EINVAL;
        }
        u->port = (uint16_t) v;
        return 0;
}

/* host, [v6], host:port or [v6]:port. */
static int parse_hostport(const char *s, size_t n, struct remote_url *u, const char **why) {
        const char *host = s, *colon;
        size_t hn;
        if (n > 0 && s[0] == '[') {
                const char *close = memchr(s, ']', n);
                if (!close) {
                        *why = "an IPv6 address must be closed by ']'";
                        return -EINVAL;
                }
                host = s + 1;
                hn = (size_t) (close - host);
                colon = close + 1 < s + n ? close + 1 : NULL;
                if (colon && *colon != ':') {
                        *why = "only ':PORT' may follow an IPv6 address in brackets";
                        return -EINVAL;
                }
                if (!host_ipv6_ok(host, hn)) {
                        *why = "the address in brackets is not an IPv6 address (zone ids are not accepted)";
                        return -EINVAL;
                }
                u->ipv6 = true;
        } else {
                colon = memchr(s, ':', n);
                hn = colon ? (size_t) (colon - s) : n;
                if (hn == 0) {
                        *why = "the host name is missing";
                        return -EINVAL;
                }
                if (hn > REMOTE_URL_HOST_MAX || !host_name_ok(host, hn)) {
                        *why = "the host is not a host name (letters, digits, '-', '_' and dots; not starting "
                               "with '-'), an IPv4 address or an IPv6 address in brackets";
                        return -EINVAL;
                }
                u->ipv6 = false;
        }
        if (colon && parse_port(colon + 1, (size_t) (s + n - colon - 1), u, why) < 0)
                return -EINVAL;
        memcpy(u->host, host, hn);
        u->host[hn] = '\0';
        return 0;
}

/* One component: not empty, not "." or "..". */
static bool component_ok(const char *c, size_t n) {
        return n > 0 && !(n == 1 && c[0] == '.') && !(n == 2 && c[0] == '.' && c[1] == '.');
}

static int parse_path(const char *s, struct remote_url *u, const char **why) {
        size_t n = strlen(s);
        if (n < 2 || s[0] != '/') {
                *why = "the image's path is missing (ssh://host/path/image.img)";
                return -EINVAL;
        }
        if (n > REMOTE_URL_PATH_MAX) {
                *why = "the path is longer than 1024 characters";
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c < 0x20 || c >= 0x7f || c == ',' || c == '%' || c == '?' || c == '#') {
                        *why = "the path may hold printable ASCII characters other than ',', '%', '?' and '#'";
                        return -EINVAL;
                }
        }
        for (const char *c = s + 1;;) {
                const char *slash = strchr(c, '/');
                size_t len = slash ? (size_t) (slash - c) : strlen(c);
                if (!component_ok(c, len)) {
                        *why = "the path has an empty, '.' or '..' component, or ends with '/' (it names the "
                               "image file)";
                        return -EINVAL;
                }
                if (!slash)
                        break;
                c = slash + 1;
        }
        if (strstr(s, "/-")) {
                *why = "a component of the path starts with '-'";
                return -EINVAL;
        }
        memcpy(u->path, s, n + 1);
        return 0;
}

int remote_url_parse(const char *s, struct remote_url *ret, const char **ret_why) {
        const char *why_local = NULL, **why = ret_why ? ret_why : &why_local;
        struct remote_url u = {};
        if (!s || !ret)
                return -EINVAL;
        if (!remote_url_is_remote(s)) {
                *why = "it does not start with ssh://";
                return -EINVAL;
        }
        const char *auth = s + strlen(REMOTE_URL_SCHEME);
        const char *slash = strchr(auth, '/');
        if (!slash) {
                *why = "the image's path is missing (ssh://host/path/image.img)";
                return -EINVAL;
        }
        const char *at = memchr(auth, '@', (size_t) (slash - auth));
        if (at && parse_user(auth, (size_t) (at - auth), &u, why) < 0)
                return -EINVAL;
        const char *hp = at ? at + 1 : auth;
        if (memchr(hp, '@', (size_t) (slash - hp))) {
                *why = "the address has more than one '@'";
                return -EINVAL;
        }
        if (parse_hostport(hp, (size_t) (slash - hp), &u, why) < 0 || parse_path(slash, &u, why) < 0)
                return -EINVAL;
        *ret = u;
        return 0;
}

int remote_url_split(const struct remote_url *u, char *ret_dir, char *ret_file, size_t len) {
        const char *last = strrchr(u->path, '/');
        if (!last)
                return -EINVAL;
        size_t dn = last == u->path ? 1 : (size_t) (last - u->path);
        if (dn >= len || strlen(last + 1) >= len)
                return -ENOBUFS;
        memcpy(ret_dir, u->path, dn);
        ret_dir[dn] = '\0';
        strcpy(ret_file, last + 1);
        return 0;
}

int remote_url_sshfs_source(const struct remote_url *u, char *buf, size_t len) {
        char dir[REMOTE_URL_PATH_MAX + 1], file[REMOTE_URL_PATH_MAX + 1];
        int r = remote_url_split(u, dir, file, sizeof(dir));
        if (r < 0)
                return r;
        int n = snprintf(buf, len, "%s%s%s%s%s:%s", u->user, u->user[0] ? "@" : "", u->ipv6 ? "[" : "", u->host,
                         u->ipv6 ? "]" : "", dir);
        return n < 0 || (size_t) n >= len ? -ENOBUFS : 0;
}

int remote_url_format(const struct remote_url *u, char *buf, size_t len) {
        char port[8] = "";
        if (u->port)
                snprintf(port, sizeof(port), ":%u", (unsigned) u->port);
        int n = snprintf(buf, len, "%s%s%s%s%s%s%s%s", REMOTE_URL_SCHEME, u->user, u->user[0] ? "@" : "",
                         u->ipv6 ? "[" : "", u->host, u->ipv6 ? "]" : "", port, u->path);
        return n < 0 || (size_t) n >= len ? -ENOBUFS : 0;
}
