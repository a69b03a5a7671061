/* ykunlock status [--config FILE] [--json]: the vaults of /etc/ykunlock/vaults, each open,
 * suspended or closed, which present token can open it, and which open together with one response
 * (a group: docs/plug-in.md, docs/cli.md). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/table.h"
#include "cli/plug-common.h"
#include "cli/vault-common.h"
#include "shared/macros.h"

struct status_args {
        bool json;
        const char *config;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct status_args *a = userdata;
        if (id == CLI_OPT_JSON)
                a->json = true;
        else if (id == CLI_OPT_CONFIG)
                a->config = arg;
        return EXIT_OK;
}

static void source_text(const struct vault_config *c, char *buf, size_t len) {
        static const char *const prefix[] = { [VAULT_SOURCE_PATH] = "", [VAULT_SOURCE_UUID] = "UUID=",
                                              [VAULT_SOURCE_LABEL] = "LABEL=" };
        snprintf(buf, len, "%s%s", prefix[c->source_kind], c->source);
}

/* The TOKEN column: the serial of a present token that opens it, or why none. */
static void token_text(const struct plug_vault *v, char *buf, size_t len) {
        if (v->error)
                snprintf(buf, len, "(%s)", plug_strerror(v->error));
        else if (v->can_open && v->can_open->serial_known)
                snprintf(buf, len, "%u", v->can_open->serial);
        else if (v->can_open)
                snprintf(buf, len, "(hidden serial)");
        else
                snprintf(buf, len, v->any_enrolled ? "-" : "(none enrolled)");
}

static void print_table(const struct plug_vault *v, const unsigned *group, size_t n) {
        printf("%-16s  %-9s  %-4s  %-9s  %-5s  %-20s  %-30s  %s\n", "NAME", "STATE", "AUTO", "ON-REMOVE", "GROUP",
               "MOUNTPOINT", "SOURCE", "TOKEN");
        for (size_t i = 0; i < n; i++) {
                const struct vault_config *c = v[i].config;
                char source[300], token[128], grp[16] = "-";
                source_text(c, source, sizeof(source));
                token_text(&v[i], token, sizeof(token));
                if (group[i])
                        snprintf(grp, sizeof(grp), "%u", group[i]);
                printf("%-16s  %-9s  %-4s  %-9s  %-5s  %-20s  %-30s  %s\n", c->name, vault_state_name(v[i].state),
                       c->noauto ? "no" : "yes", vault_on_remove_name(c->on_remove), grp,
                       c->mountpoint ? c->mountpoint : "-", source, token);
        }
}

static json_object *string_or_null(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static json_object *vault_json(const struct plug_vault *v, unsigned group) {
        const struct vault_config *c = v->config;
        char source[300];
        source_text(c, source, sizeof(source));
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(c->name));
        json_object_object_add(o, "line", json_object_new_int((int) c->line));
        json_object_object_add(o, "source", json_object_new_string(source));
        json_object_object_add(o, "device", string_or_null(v->device));
        json_object_object_add(o, "header", string_or_null(c->header));
        json_object_object_add(o, "mountpoint", string_or_null(c->mountpoint));
        json_object_object_add(o, "mountopts", string_or_null(c->mountopts));
        json_object_object_add(o, "auto", json_object_new_boolean(!c->noauto));
        json_object_object_add(o, "readonly", json_object_new_boolean(c->readonly));
        json_object_object_add(o, "on_remove", json_object_new_string(vault_on_remove_name(c->on_remove)));
        json_object_object_add(o, "state", json_object_new_string(vault_state_name(v->state)));
        json_object_object_add(o, "error", v->error ? json_object_new_string(plug_strerror(v->error)) : NULL);
        json_object_object_add(o, "enrolled", json_object_new_boolean(v->any_enrolled));
        json_object_object_add(o, "group", group ? json_object_new_int((int) group) : NULL);
        json_object *t = NULL;
        if (v->can_open) {
                t = json_object_new_object();
                json_object_object_add(t, "serial", v->can_open->serial_known
                                                            ? json_object_new_int64(v->can_open->serial)
                                                            : NULL);
                json_object_object_add(t, "transport", json_object_new_string(yk_transport_kind_name(v->can_open->device.kind)));
        }
        json_object_object_add(o, "present_token", t);
        return o;
}

static void print_json(const char *config, const struct vault_registry *reg, const struct plug_vault *v,
                       const unsigned *group) {
        json_object *root = json_object_new_object();
        json_object_object_add(root, "version", json_object_new_int(1));
        json_object_object_add(root, "config", json_object_new_string(config));
        json_object *errors = json_object_new_array();
        for (size_t i = 0; i < reg->n_errors; i++) {
                json_object *e = json_object_new_object();
                json_object_object_add(e, "line", json_object_new_int((int) reg->errors[i].line));
                json_object_object_add(e, "message", json_object_new_string(reg->errors[i].message));
                json_object_array_add(errors, e);
        }
        json_object_object_add(root, "errors", errors);
        json_object *vaults = json_object_new_array();
        for (size_t i = 0; i < reg->n_vaults; i++)
                json_object_array_add(vaults, vault_json(&v[i], group[i]));
        json_object_object_add(root, "vaults", vaults);
        printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
}

int verb_status(int argc, char **argv, struct cli_global *g) {
        struct status_args a = {};
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;
        cli_vault_verbose(g);

        _cleanup_(vault_registry_free) struct vault_registry reg = {};
        code = plug_load_config(a.config, &reg);
        if (code != EXIT_OK)
                return code;
        _cleanup_(yk_token_list_free) struct yk_token_list present = {};
        struct yk_token_filter filter = { .reader = g->reader, .serial_set = g->serial_set, .serial = g->serial };
        int r = yk_tokens_discover(g->backends, &filter, /* dl= */ NULL, &present);
        if (r < 0)
                cli_debug(g, "no token could be looked for: %s", cli_strerror(r));
        _cleanup_(freep) struct plug_vault *v = calloc(reg.n_vaults ? reg.n_vaults : 1, sizeof(*v));
        _cleanup_(freep) unsigned *group = calloc(reg.n_vaults ? reg.n_vaults : 1, sizeof(*group));
        if (!v || !group)
                return cli_error(-ENOMEM, "out of memory");
        for (size_t i = 0; i < reg.n_vaults; i++)
                plug_vault_inspect(&reg.vaults[i], &present, &v[i]);
        plug_vault_groups(v, reg.n_vaults, group);
        if (a.json)
                print_json(a.config ? a.config : VAULT_REGISTRY_PATH, &reg, v, group);
        else
                print_table(v, group, reg.n_vaults);
        for (size_t i = 0; i < reg.n_vaults; i++)
                plug_vault_clear(&v[i]);
        return EXIT_OK;
}
