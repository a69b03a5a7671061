/* ykvm-hid: what the VM's HID scenarios need that the CLI has no verb for: an HMAC challenge
 * to the one present token through the chosen transport, with the touch prompt made visible
 * and the errno of a failure printed. Prints plainly for scripts:
 *
 *   ykvm-hid [--transport T] challenge SLOT HEX   "touch requested" (once per prompt), "response HEX"
 * Errors: "error -N (text)" on stdout, exit 1; usage: exit 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "otp/applet.h"
#include "otp/discover.h"
#include "shared/hex.h"
#include "shared/macros.h"

static int fail(int r) {
        printf("error %d (%s)\n", r, strerror(-r));
        return 1;
}

static void on_touch(void *userdata) {
        printf("touch requested\n");
        fflush(stdout);
}

static const struct yk_prompt touch_prompt = { .touch = on_touch };

static int one_token(const struct yk_backend *const *b, struct yk_token *ret) {
        _cleanup_(yk_token_list_free) struct yk_token_list list = {};
        int r = yk_tokens_discover(b, NULL, /* dl= */ NULL, &list);
        if (r < 0)
                return r;
        size_t found = 0;
        for (size_t i = 0; i < list.n; i++) {
                printf("device %s %s error %d\n", yk_transport_kind_name(list.items[i].device.kind),
                       list.items[i].device.name, list.items[i].error);
                if (list.items[i].error == 0) {
                        *ret = list.items[i];
                        found++;
                }
        }
        return found == 1 ? 0 : -ENODEV;
}

static int cmd_challenge(const struct yk_backend *const *b, const char *slot_s, const char *hex) {
        uint8_t chal[64];
        struct yk_response resp;
        size_t n = 0;
        struct yk_token t;
        struct yk_conn *c = NULL;
        struct yk_otp_status st;
        int slot = atoi(slot_s);
        int r = hex_decode(hex, strlen(hex), chal, sizeof(chal), &n);
        if (r < 0)
                return fail(r);
        if ((r = one_token(b, &t)) < 0 || (r = yk_token_open(b, &t, /* dl= */ NULL, &c, &st)) < 0)
                return fail(r);
        r = yk_otp_challenge_hmac(c, &st, slot, chal, n, &touch_prompt, &resp);
        yk_conn_close(c);
        if (r < 0)
                return fail(r);
        printf("response ");
        for (size_t i = 0; i < sizeof(resp.bytes); i++)
                printf("%02x", resp.bytes[i]);
        printf("\n");
        return 0;
}

int main(int argc, char **argv) {
        const char *transport = "auto";
        const struct yk_backend *const *b;
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc >= 3 && strcmp(argv[1], "--transport") == 0) {
                transport = argv[2];
                argc -= 2;
                argv += 2;
        }
        int r = yk_backends_for(transport, &b);
        if (r < 0)
                return fail(r);
        if (argc == 4 && strcmp(argv[1], "challenge") == 0)
                return cmd_challenge(b, argv[2], argv[3]);
        fprintf(stderr, "usage: ykvm-hid [--transport T] challenge SLOT HEX\n");
        return 2;
}
