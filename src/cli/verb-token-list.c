/* ykunlock token list [--json]: every device on every transport and what it holds. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/pick-token.h"
#include "cli/table.h"
#include "otp/discover.h"
#include "shared/errors.h"
#include "shared/macros.h"

struct list_args {
        bool json;
};

static int on_option(int id, const char *arg, void *userdata) {
        struct list_args *a = userdata;
        if (id == CLI_OPT_JSON)
                a->json = true;
        return 0;
}

/* What a device without a usable OTP application holds, in words and as a JSON state. */
static const char *device_state(const struct yk_token *t, bool json) {
        switch (-t->error) {
        case 0:
                return json ? "token" : NULL;
        case YK_ERR_REMOVED:
                return json ? "no-card" : "(no card)";
        case YK_ERR_NOT_OTP:
                return json ? "no-otp-application" : "(card without OTP application)";
        case YK_ERR_CARD_IN_USE:
                return json ? "in-use" : "(held by another program)";
        case YK_ERR_NEEDS_ROOT:
                return json ? "no-access" : "(no read+write access)";
        default:
                return json ? "error" : "(does not answer)";
        }
}

static void format_version(const struct yk_version *v, char buf[16]) {
        snprintf(buf, 16, "%u.%u.%u", v->major, v->minor, v->build);
}

static void print_table(const struct yk_token_list *list) {
        printf("%-9s  %-32s  %-10s  %-8s  %-10s  %s\n", "TRANSPORT", "READER", "SERIAL", "FIRMWARE", "SLOT 1",
               "SLOT 2");
        for (size_t i = 0; i < list->n; i++) {
                const struct yk_token *t = &list->items[i];
                const char *kind = yk_transport_kind_name(t->device.kind);
                if (t->error < 0) {
                        printf("%-9s  %-32s  %s\n", kind, t->device.name, device_state(t, false));
                        continue;
                }
                char serial[16], fw[16];
                if (t->serial_known)
                        snprintf(serial, sizeof(serial), "%u", t->serial);
                else
                        strcpy(serial, "hidden");
                format_version(&t->status.version, fw);
                printf("%-9s  %-32s  %-10s  %-8s  %-10s  %s\n", kind, t->device.name, serial, fw,
                       yk_slot_state_name(yk_otp_slot_state(&t->status, 1)),
                       yk_slot_state_name(yk_otp_slot_state(&t->status, 2)));
        }
        if (list->n == 0)
                fprintf(stderr, "No readers or tokens found.\n");
}

static json_object *token_json(const struct yk_token *t) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "transport", json_object_new_string(yk_transport_kind_name(t->device.kind)));
        json_object_object_add(o, "reader", json_object_new_string(t->device.name));
        json_object_object_add(o, "state", json_object_new_string(device_state(t, true)));
        if (t->error < 0)
                return o;
        json_object_object_add(o, "serial", t->serial_known ? json_object_new_int64(t->serial) : NULL);
        char fw[16];
        format_version(&t->status.version, fw);
        json_object_object_add(o, "firmware", json_object_new_string(fw));
        json_object *slots = json_object_new_array();
        for (int slot = 1; slot <= 2; slot++) {
                json_object *s = json_object_new_object();
                json_object_object_add(s, "slot", json_object_new_int(slot));
                json_object_object_add(s, "state",
                                       json_object_new_string(yk_slot_state_name(yk_otp_slot_state(&t->status, slot))));
                json_object_array_add(slots, s);
        }
        json_object_object_add(o, "slots", slots);
        return o;
}

static void print_json(const struct yk_token_list *list) {
        json_object *root = json_object_new_object();
        json_object *devices = json_object_new_array();
        json_object_object_add(root, "version", json_object_new_int(1));
        for (size_t i = 0; i < list->n; i++)
                json_object_array_add(devices, token_json(&list->items[i]));
        json_object_object_add(root, "devices", devices);
        printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
}

static bool any_match(const struct yk_token_list *list, const struct cli_global *g) {
        for (size_t i = 0; i < list->n; i++) {
                const struct yk_token *t = &list->items[i];
                if (!g->serial_set || (t->error == 0 && t->serial_known && t->serial == g->serial))
                        return true;
        }
        return false;
}

/* --reader or --serial and nothing matches: say what did not match (exit 3). */
static int no_match(const struct cli_global *g) {
        char serial[32] = "";
        if (g->serial_set)
                snprintf(serial, sizeof(serial), "%u", g->serial);
        if (g->reader && g->serial_set)
                return cli_error(-YK_ERR_NO_TOKEN, "no token with serial %s in a reader whose name contains '%s'",
                                 serial, g->reader);
        if (g->reader)
                return cli_error(-YK_ERR_NO_TOKEN, "no reader or device whose name contains '%s'", g->reader);
        return cli_error(-YK_ERR_NO_TOKEN, "no token with serial %s is present", serial);
}

int verb_token_list(int argc, char **argv, struct cli_global *g) {
        struct list_args a = {};
        int first;
        bool done;
        int code = cli_parse_options(argc, argv, g, on_option, &a, &first, &done);
        if (code != EXIT_OK || done)
                return code;

        struct yk_token_filter filter = { .reader = g->reader, .serial_set = g->serial_set, .serial = g->serial };
        _cleanup_(yk_token_list_free) struct yk_token_list list = {};
        int r = yk_tokens_discover(g->backends, &filter, /* dl= */ NULL, &list);
        if (r < 0)
                return cli_error(r, "cannot list tokens: %s", cli_strerror(r));

        if ((g->reader || g->serial_set) && !any_match(&list, g))
                return no_match(g);
        if (a.json)
                print_json(&list);
        else
                print_table(&list);
        for (size_t i = 0; i < list.n; i++)
                if (list.items[i].error == -YK_ERR_NEEDS_ROOT)
                        cli_info("%s", cli_no_access_advice(&list.items[i].device));
        return EXIT_OK;
}
