/* The configured vaults for `status` and `plug-event` (plug-common.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit-code.h"
#include "cli/plug-common.h"
#include "shared/macros.h"

int plug_load_config(const char *path, struct vault_registry *ret) {
        const char *p = path ? path : VAULT_REGISTRY_PATH;
        int r = vault_registry_load(p, ret);
        if (r == -ENOENT && !path) {
                *ret = (struct vault_registry) { 0 };
                cli_info("no vaults are configured (%s does not exist; see docs/plug-in.md)", p);
                return EXIT_OK;
        }
        if (r < 0)
                return cli_usage_error("cannot read %s: %s", p, r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
        for (size_t i = 0; i < ret->n_errors; i++)
                fprintf(stderr, "ykunlock: %s:%u: %s; line skipped\n", p, ret->errors[i].line,
                        ret->errors[i].message);
        return EXIT_OK;
}

int plug_location(const struct vault_config *c, char **ret_device, struct vault_location *ret) {
        char *dev = NULL;
        int r = vault_config_device(c, &dev);
        if (r < 0)
                return r;
        *ret_device = dev;
        *ret = (struct vault_location) { .device = dev, .header = c->header };
        return 0;
}

static const struct yk_token *find_enrolled(const struct vault_info *info, const struct yk_token_list *present,
                                            bool *ret_any) {
        *ret_any = false;
        for (size_t i = 0; i < info->n_entries; i++) {
                const struct vault_entry *e = &info->entries[i];
                if (e->kind != VAULT_ENTRY_TOKEN)
                        continue;
                *ret_any = true;
                for (size_t k = 0; present && k < present->n; k++) {
                        const struct yk_token *t = &present->items[k];
                        if (t->error == 0 && t->serial_known == e->token.serial_known &&
                            (!t->serial_known || t->serial == e->token.serial))
                                return t;
                }
        }
        return NULL;
}

void plug_vault_inspect(const struct vault_config *c, const struct yk_token_list *present, struct plug_vault *v) {
        *v = (struct plug_vault) { .config = c };
        if (vault_mapping_state(c->name, &v->state) < 0)
                v->state = VAULT_STATE_CLOSED;
        struct vault_location loc;
        int r = plug_location(c, &v->device, &loc);
        if (r < 0) {
                v->error = r;
                return;
        }
        struct vault_info info;
        r = vault_list(&loc, &info);
        if (r < 0) {
                v->error = r;
                return;
        }
        v->can_open = find_enrolled(&info, present, &v->any_enrolled);
        vault_info_free(&info);
}

void plug_vault_clear(struct plug_vault *v) {
        free(v->device);
        *v = (struct plug_vault) { 0 };
}

const char *plug_strerror(int r) {
        switch (r) {
        case -ENOSYS:
                return "this kernel has no device-mapper";
        case -ENOENT:
                return "no such device";
        case -ENODEV:
                return "no token enrolled in it is present";
        default:
                return cli_strerror(r);
        }
}
