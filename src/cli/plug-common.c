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

/* The challenges of its ykunlock tokens whose key shows its serial (a group needs one). */
static void keep_challenges(const struct vault_info *info, struct plug_vault *v) {
        v->challenges = calloc(info->n_entries ? info->n_entries : 1, sizeof(*v->challenges));
        if (!v->challenges)
                return; /* no groups shown: nothing else depends on them */
        for (size_t i = 0; i < info->n_entries; i++) {
                const struct yk_token_info *t = &info->entries[i].token;
                if (info->entries[i].kind != VAULT_ENTRY_TOKEN || !t->serial_known)
                        continue;
                struct plug_challenge *c = &v->challenges[v->n_challenges++];
                *c = (struct plug_challenge) { .serial = t->serial, .slot = t->slot, .challenge_len = t->challenge_len };
                memcpy(c->challenge, t->challenge, t->challenge_len);
        }
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
        snprintf(v->uuid, sizeof(v->uuid), "%s", info.uuid);
        keep_challenges(&info, v);
        vault_info_free(&info);
}

void plug_vault_clear(struct plug_vault *v) {
        free(v->device);
        free(v->challenges);
        *v = (struct plug_vault) { 0 };
}

static bool same_challenge(const struct plug_challenge *a, const struct plug_challenge *b) {
        return a->serial == b->serial && a->slot == b->slot && a->challenge_len == b->challenge_len &&
               memcmp(a->challenge, b->challenge, a->challenge_len) == 0;
}

/* Two different vaults (one image configured under two names is one vault) sharing a challenge. */
static bool grouped(const struct plug_vault *a, const struct plug_vault *b) {
        if (!a->uuid[0] || strcmp(a->uuid, b->uuid) == 0)
                return false;
        for (size_t i = 0; i < a->n_challenges; i++)
                for (size_t k = 0; k < b->n_challenges; k++)
                        if (same_challenge(&a->challenges[i], &b->challenges[k]))
                                return true;
        return false;
}

void plug_vault_groups(const struct plug_vault *v, size_t n, unsigned *ret_group) {
        /* Each vault starts as its own component (its index + 1) and takes the smallest id of a
         * vault it shares a challenge with until nothing changes (a vault enrolled with two keys
         * can join two groups into one). A file lists a handful of vaults. */
        for (size_t i = 0; i < n; i++)
                ret_group[i] = (unsigned) i + 1;
        for (bool changed = true; changed;) {
                changed = false;
                for (size_t i = 0; i < n; i++)
                        for (size_t k = i + 1; k < n; k++)
                                if (ret_group[i] != ret_group[k] && grouped(&v[i], &v[k])) {
                                        unsigned low = ret_group[i] < ret_group[k] ? ret_group[i] : ret_group[k];
                                        ret_group[i] = ret_group[k] = low;
                                        changed = true;
                                }
        }
        /* Number the components of two or more vaults 1, 2, ... in order; the rest 0. */
        unsigned next = 1;
        for (size_t i = 0; i < n; i++) {
                unsigned id = ret_group[i];
                if (id != i + 1) /* a later member: renumbered with its first */
                        continue;
                bool more = false;
                for (size_t k = i + 1; k < n && !more; k++)
                        more = ret_group[k] == id;
                unsigned label = more ? next++ : 0;
                for (size_t k = i; k < n; k++)
                        if (ret_group[k] == id)
                                ret_group[k] = label;
        }
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
