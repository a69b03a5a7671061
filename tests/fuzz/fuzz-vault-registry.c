/* Fuzz target vault-registry: the parser of /etc/ykunlock/vaults. Whatever it accepts obeys
 * the documented invariants (names valid, absolute paths, mountopts only with a mount point,
 * no duplicate names), every error names a line that exists, and each message is printable.
 * Each input also fails one allocation of its own choosing (alloc-fail.h): the parser then
 * answers -ENOMEM or a result that still obeys the invariants, and nothing leaks. */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-fail.h"
#include "vault/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned count_lines(const uint8_t *data, size_t size) {
        unsigned n = size > 0 && data[size - 1] != '\n';
        for (size_t i = 0; i < size; i++)
                n += data[i] == '\n';
        return n;
}

static void check_vault(const struct vault_registry *r, size_t i, unsigned lines) {
        const struct vault_config *c = &r->vaults[i];
        if (c->line == 0 || c->line > lines || !c->source || !c->name || c->name[0] == '\0' ||
            strlen(c->name) > VAULT_REGISTRY_NAME_MAX || strchr(c->name, '/'))
                abort();
        if ((c->source_kind == VAULT_SOURCE_PATH && c->source[0] != '/') ||
            (c->mountpoint && c->mountpoint[0] != '/') || (c->header && c->header[0] != '/') ||
            (c->mountopts && !c->mountpoint) || c->on_remove > VAULT_ON_REMOVE_SUSPEND)
                abort();
        for (size_t j = 0; j < i; j++)
                if (strcmp(r->vaults[j].name, c->name) == 0 || r->vaults[j].line >= c->line)
                        abort();
        char *dev = NULL;
        int k = vault_config_device(c, &dev);
        if (k == -ENOMEM && alloc_fail_fired())
                return;
        if (k < 0 || dev[0] != '/')
                abort();
        free(dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct vault_registry r;
        alloc_fail_from_input(data, size);
        int k = vault_registry_parse((const char *) data, size, &r);
        if (k < 0) {
                /* Bad lines are not errors of the parse: only a file too large, or memory. */
                if (k != -EFBIG && (k != -ENOMEM || !alloc_fail_fired()))
                        abort();
                alloc_fail_at(0);
                return 0;
        }
        unsigned lines = count_lines(data, size);
        for (size_t i = 0; i < r.n_vaults; i++)
                check_vault(&r, i, lines);
        for (size_t i = 0; i < r.n_errors; i++) {
                const struct vault_config_error *e = &r.errors[i];
                if (e->line == 0 || e->line > lines || e->error >= 0 || e->message[0] == '\0')
                        abort();
                for (const char *p = e->message; *p; p++)
                        if (!isprint((unsigned char) *p))
                                abort();
        }
        vault_registry_free(&r);
        alloc_fail_at(0);
        return 0;
}
