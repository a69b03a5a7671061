#include "cli/vault-common.h"

#include <errno.h>
#include <fcntl.h>
#include <libcryptsetup.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/exit-code.h"
#include "cli/remote-vault.h"
#include "shared/errors.h"

struct vault_location cli_vault_location(const char *device, const struct cli_global *g) {
        return (struct vault_location) { .device = device, .header = g->header };
}

int cli_same_file_error(const struct vault_location *loc) {
        return cli_usage_error("--header %s is %s itself: a detached header is a file of its own; nothing was "
                               "changed",
                               loc->header, cli_shown(loc->device));
}

enum luks_kind { NOT_LUKS, LUKS1, LUKS2_OR_OTHER };

/* What the first bytes of `path` say: the LUKS magic "LUKS\xba\xbe" and a 16-bit version. */
static enum luks_kind luks_kind_of(const char *path) {
        static const unsigned char magic[6] = { 'L', 'U', 'K', 'S', 0xba, 0xbe };
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return LUKS2_OR_OTHER;
        unsigned char buf[8];
        ssize_t n = pread(fd, buf, sizeof(buf), 0);
        close(fd);
        if (n != (ssize_t) sizeof(buf) || memcmp(buf, magic, sizeof(magic)) != 0)
                return NOT_LUKS;
        return buf[6] == 0 && buf[7] == 1 ? LUKS1 : LUKS2_OR_OTHER;
}

/* A file we may not read looks malformed to libcryptsetup: say what it is. Returns 0 if readable. */
static int unreadable(const char *path) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd >= 0) {
                close(fd);
                return 0;
        }
        if (errno != EACCES && errno != EPERM)
                return 0;
        return cli_file_error(-errno, "%s: permission denied (it cannot be read as this user)", cli_shown(path));
}

static int explain_bad_vault(const struct vault_location *loc) {
        const char *hdr = loc->header ? loc->header : loc->device;
        int code = unreadable(hdr);
        const char *shown = cli_shown(hdr);
        if (code == 0 && loc->header)
                code = unreadable(loc->device);
        if (code != 0)
                return code;
        switch (luks_kind_of(hdr)) {
        case NOT_LUKS:
                if (!loc->header)
                        return cli_error(-YK_ERR_BAD_VAULT,
                                         "%s is not a LUKS2 vault (it has no LUKS header); if its header is "
                                         "detached, name it with --header FILE",
                                         shown);
                return cli_error(-YK_ERR_BAD_VAULT, "%s is not a LUKS2 vault (it has no LUKS header)", shown);
        case LUKS1:
                return cli_error(-YK_ERR_BAD_VAULT,
                                 "%s is a LUKS1 device; ykunlock works with LUKS2 "
                                 "(cryptsetup convert --type luks2 converts it)",
                                 shown);
        default:
                break;
        }
        if (loc->header && luks_kind_of(loc->device) != NOT_LUKS)
                return cli_error(-YK_ERR_BAD_VAULT,
                                 "%s has a LUKS header of its own: it is not the data of the detached header %s",
                                 cli_shown(loc->device), loc->header);
        return cli_error(-YK_ERR_BAD_VAULT,
                         "%s: the LUKS2 header is truncated or malformed (cryptsetup luksDump shows what is wrong)",
                         hdr);
}

int cli_vault_load_error(int r, const struct vault_location *loc) {
        if (r == -EINVAL && vault_location_same_file(loc))
                return cli_same_file_error(loc);
        switch (-r) {
        case YK_ERR_BAD_VAULT:
                return explain_bad_vault(loc);
        case ENOENT:
        case ELOOP:
        case ENOTDIR:
        case ENOTSUP:
        case EISDIR: {
                /* Which of the two paths: the one that is not there or not a file. */
                const char *path = cli_shown(loc->device);
                if (loc->header && access(loc->header, F_OK) < 0)
                        path = loc->header;
                if (r == -ENOTSUP)
                        return cli_usage_error("%s is not a regular file or a block device", path);
                if (r == -ELOOP)
                        return cli_usage_error("%s is a symbolic link; give the file it points to", path);
                return cli_usage_error("%s: %s", path, strerror(-r));
        }
        case EACCES: { /* (EPERM is a wrong key, YK_ERR_AUTH) */
                int code = unreadable(loc->header ? loc->header : loc->device);
                if (code == 0 && loc->header)
                        code = unreadable(loc->device);
                return code ? code : cli_file_error(r, "%s: permission denied", cli_shown(loc->header ? loc->header : loc->device));
        }
        default:
                return 0;
        }
}

int cli_vault_inspect(const struct vault_location *loc, struct vault_info *ret) {
        int r = vault_list(loc, ret);
        if (r >= 0)
                return EXIT_OK;
        int code = cli_vault_load_error(r, loc);
        return code ? code : cli_error(r, "cannot read the header of %s: %s", cli_shown(loc->device), cli_strerror(r));
}

int cli_vault_load(const struct vault_location *loc, struct vault **ret_v, struct vault_info *ret_info) {
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        int r = vault_load_vault(loc, &v);
        if (r >= 0)
                r = vault_get_info(v, ret_info);
        if (r < 0) {
                int code = cli_vault_load_error(r, loc);
                return code ? code : cli_error(r, "cannot read the header of %s: %s", cli_shown(loc->device), cli_strerror(r));
        }
        *ret_v = TAKE_PTR(v);
        return EXIT_OK;
}

size_t cli_enrolled_serials(const struct vault_info *info, char *buf, size_t len) {
        size_t n = 0, n_serials = 0, off = 0;
        bool unknown = false;
        buf[0] = '\0';
        for (size_t i = 0; i < info->n_entries; i++) {
                const struct vault_entry *e = &info->entries[i];
                if (e->kind != VAULT_ENTRY_TOKEN)
                        continue;
                n++;
                if (!e->token.serial_known) {
                        unknown = true;
                        continue;
                }
                int k = snprintf(buf + off, len - off, "%s%u", n_serials ? ", " : "", e->token.serial);
                if (k > 0 && (size_t) k < len - off)
                        off += (size_t) k;
                n_serials++;
        }
        if (n_serials > 0) {
                /* Put "serial(s) " in front. */
                char list[512];
                snprintf(list, sizeof(list), "%s", buf);
                snprintf(buf, len, "serial%s %s%s", n_serials > 1 ? "s" : "", list,
                         unknown ? ", or a token that does not show its serial" : "");
        } else if (unknown) {
                snprintf(buf, len, "a token that does not show its serial");
        }
        return n;
}

const char *cli_vault_name(const struct vault_info *info, const struct vault_location *loc) {
        /* One vault per command: one buffer. The label comes from the header, so it is escaped. */
        static char name[4 * VAULT_LABEL_MAX + 1];
        return info->label[0] ? cli_escape(info->label, name, sizeof(name)) : cli_shown(loc->device);
}

static void say_touch(void *userdata) {
        (void) userdata;
        fprintf(stderr, "Touch your YubiKey…\n");
}

const struct yk_prompt cli_touch = { .touch = say_touch };

bool cli_vault_any_touch(const struct vault_info *info) {
        for (size_t i = 0; i < info->n_entries; i++)
                if (info->entries[i].kind == VAULT_ENTRY_TOKEN && info->entries[i].token.touch)
                        return true;
        return false;
}

struct vault_tokens_ctx cli_tokens_ctx(const struct cli_global *g, bool with_serial, bool touch) {
        return (struct vault_tokens_ctx) {
                .backends = g->backends,
                .filter = { .reader = g->reader, .serial_set = with_serial && g->serial_set, .serial = g->serial },
                .touch = touch ? &cli_touch : NULL,
        };
}

static void log_line(int level, const char *msg, void *userdata) {
        const struct cli_global *g = userdata;
        /* Debug lines are many: --verbose keeps the ones that say which keyslot is tried, --debug
         * all (libcryptsetup logs no key material). */
        if (level == CRYPT_LOG_DEBUG && !g->debug && strncmp(msg, "Trying to open LUKS2 keyslot", 28) != 0)
                return;
        size_t n = strlen(msg);
        while (n > 0 && msg[n - 1] == '\n')
                n--;
        cli_debug(g, "libcryptsetup: %.*s", (int) n, msg);
}

void cli_vault_verbose(const struct cli_global *g) {
        if (!g->verbose && !g->debug)
                return;
        vault_set_log_hook(log_line, (void *) g);
        crypt_set_debug_level(CRYPT_DEBUG_ALL);
}

int cli_mapper_path(const char *name, char *buf, size_t len) {
        int k = snprintf(buf, len, "/dev/mapper/%s", name);
        return k < 0 || (size_t) k >= len ? -ENAMETOOLONG : 0;
}
