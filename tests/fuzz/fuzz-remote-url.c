/* The remote vault address (src/shared/remote-url.c) on any text: refused with a reason and
 * the output untouched, or accepted with parts that hold only their allowed characters (none
 * starts with '-', none holds ',' or a control character: they become arguments of sshfs and
 * ssh), and the canonical form reads back as the same address. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/remote-url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_chars(const char *s, const char *allowed_extra) {
        if (s[0] == '-')
                abort();
        for (const char *c = s; *c; c++) {
                unsigned char b = (unsigned char) *c;
                bool alnum = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9');
                if (!alnum && !strchr(allowed_extra, b))
                        abort();
        }
}

static void check_path(const char *p) {
        if (p[0] != '/' || strlen(p) > REMOTE_URL_PATH_MAX || strstr(p, "//") || strstr(p, "/-") ||
            strstr(p, "/./") || strstr(p, "/../") || p[strlen(p) - 1] == '/')
                abort();
        for (const char *c = p; *c; c++)
                if ((unsigned char) *c < 0x20 || (unsigned char) *c >= 0x7f || strchr(",%?#", *c))
                        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 2048)
                return 0;
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0'; /* strings end at the first NUL, as argv does */

        struct remote_url u, again;
        memset(&u, 0x5a, sizeof(u));
        const char *why = NULL;
        int r = remote_url_parse(text, &u, &why);
        if (r < 0) {
                for (size_t i = 0; i < sizeof(u); i++)
                        if (((unsigned char *) &u)[i] != 0x5a)
                                abort();
                if (!why || !why[0])
                        abort();
                free(text);
                return 0;
        }
        if (r != 0 || !remote_url_is_remote(text))
                abort();
        check_chars(u.user, "._-");
        check_chars(u.host, u.ipv6 ? ":." : "._-");
        check_path(u.path);

        char canon[8192], src[8192], dir[REMOTE_URL_PATH_MAX + 1], file[REMOTE_URL_PATH_MAX + 1];
        if (remote_url_format(&u, canon, sizeof(canon)) != 0 || remote_url_parse(canon, &again, NULL) != 0 ||
            memcmp(&u, &again, sizeof(u)) != 0)
                abort();
        if (remote_url_sshfs_source(&u, src, sizeof(src)) != 0 || remote_url_split(&u, dir, file, sizeof(dir)) != 0)
                abort();
        if (!file[0] || dir[0] != '/')
                abort();
        free(text);
        return 0;
}
