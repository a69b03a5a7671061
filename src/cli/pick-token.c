#include "cli/pick-token.h"

#include <stdio.h>

#include "cli/exit-code.h"
#include "shared/errors.h"
#include "shared/macros.h"

static void describe(const struct yk_token *t) {
        if (t->serial_known)
                fprintf(stderr, "  serial %u in %s (%s)\n", t->serial, t->device.name,
                        yk_transport_kind_name(t->device.kind));
        else
                fprintf(stderr, "  serial hidden in %s (%s)\n", t->device.name, yk_transport_kind_name(t->device.kind));
}

const char *cli_no_access_advice(const struct yk_device *dev) {
        static char buf[YK_DEVICE_NAME_MAX + 160];
        snprintf(buf, sizeof(buf), "no read+write access to %s (a token's %s interface): run as root, or give this user read and write access to that node",
                 dev->name, dev->kind == YK_TRANSPORT_HID ? "USB HID" : "reader");
        return buf;
}

int cli_pick_token(const struct cli_global *g, struct yk_token *ret) {
        struct yk_token_filter filter = { .reader = g->reader, .serial_set = g->serial_set, .serial = g->serial };
        _cleanup_(yk_token_list_free) struct yk_token_list list = {};
        int r = yk_tokens_discover(g->backends, &filter, /* dl= */ NULL, &list);
        if (r < 0)
                return cli_error(r, "cannot look for tokens: %s", cli_strerror(r));

        size_t usable = 0, pick = 0;
        for (size_t i = 0; i < list.n; i++)
                if (list.items[i].error == 0) {
                        usable++;
                        pick = i;
                }

        if (usable == 0) {
                for (size_t i = 0; i < list.n; i++)
                        if (list.items[i].error == -YK_ERR_NEEDS_ROOT)
                                return cli_error(-YK_ERR_NEEDS_ROOT, "%s", cli_no_access_advice(&list.items[i].device));
                if (g->serial_set)
                        return cli_error(-YK_ERR_NO_TOKEN, "no token with serial %u is present", g->serial);
                if (g->reader)
                        return cli_error(-YK_ERR_NO_TOKEN, "no token with an OTP application in a reader matching '%s'",
                                         g->reader);
                return cli_error(-YK_ERR_NO_TOKEN, "no token with an OTP application is present");
        }
        if (usable > 1) {
                int code = cli_error(-YK_ERR_REFUSED, "%zu tokens are present; pick one with --serial or --reader:", usable);
                for (size_t i = 0; i < list.n; i++)
                        if (list.items[i].error == 0)
                                describe(&list.items[i]);
                return code;
        }
        *ret = list.items[pick];
        return EXIT_OK;
}
