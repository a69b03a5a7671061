/* Fuzz target token-json: the LUKS2 token JSON parsers (the header is outside data: an image
 * at an untrusted place). Whatever parses must build back into JSON that parses to the same
 * token. Each input also fails one allocation of its own choosing (alloc-fail.h): then the
 * only allowed difference is -ENOMEM, and nothing may leak. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc-fail.h"
#include "vault/token-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_token(const char *json, size_t len) {
        struct yk_token_info t;
        if (token_json_parse(json, len, &t) < 0)
                return;
        char *again = NULL;
        int r = token_json_build(&t, &again);
        if (r == -ENOMEM && alloc_fail_fired())
                return;
        if (r < 0)
                abort(); /* a parsed token is always buildable */
        struct yk_token_info u;
        r = token_json_parse(again, strlen(again), &u);
        if (r == -ENOMEM && alloc_fail_fired()) {
                free(again);
                return;
        }
        if (r < 0 || u.serial != t.serial ||
            u.serial_known != t.serial_known || u.slot != t.slot || u.challenge_len != t.challenge_len ||
            memcmp(u.challenge, t.challenge, t.challenge_len) != 0 || u.keyslot != t.keyslot ||
            u.pending_keyslot != t.pending_keyslot || u.touch != t.touch || u.pin != t.pin ||
            strcmp(u.created, t.created) != 0)
                abort();
        free(again);
}

static void check_recovery(const char *json, size_t len) {
        struct yk_recovery_info r;
        if (recovery_json_parse(json, len, &r) < 0)
                return;
        char *again = NULL;
        int k = recovery_json_build(&r, &again);
        if (k == -ENOMEM && alloc_fail_fired())
                return;
        if (k < 0)
                abort();
        struct yk_recovery_info s;
        k = recovery_json_parse(again, strlen(again), &s);
        if (k == -ENOMEM && alloc_fail_fired()) {
                free(again);
                return;
        }
        if (k < 0 || s.keyslot != r.keyslot ||
            strcmp(s.created, r.created) != 0)
                abort();
        free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *json = (const char *) data;
        alloc_fail_from_input(data, size);
        check_token(json, size);
        check_recovery(json, size);
        char type[32];
        (void) token_json_type(json, size, type, sizeof(type));
        alloc_fail_at(0);
        return 0;
}
