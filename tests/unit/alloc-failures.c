/* Every allocation failure path of the token JSON code (src/vault/token-json.c, token-build.c)
 * and of the slot configuration (src/otp/config.c, ykpers-adapter.c): the Nth allocation fails,
 * for N = 1, 2, ... until the function no longer allocates that many times and succeeds. Each
 * failure must answer -ENOMEM, leave the output untouched, and (in the sanitizer tree) leak
 * nothing. The allocations are counted by tests/lib/alloc-fail.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc-fail.h"
#include "otp/config.h"
#include "vault/token-json.h"

#define CHAL32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define TOKEN                                                                                              \
        "{\"type\":\"ykunlock\",\"keyslots\":[\"1\"],\"version\":1,\"serial\":10000001,\"slot\":2,"         \
        "\"challenge\":\"" CHAL32 "\",\"touch\":true,\"pin\":false,\"created\":\"2026-11-27T07:13:06Z\"}"
#define RECOVERY "{\"type\":\"ykunlock-recovery\",\"keyslots\":[\"0\"],\"version\":1,\"created\":\"2026-11-27T07:13:06Z\"}"

/* Runs `call` with the 1st, 2nd, ... allocation failing until it succeeds; each failure must
 * be -ENOMEM with `untouched` still true. Returns how many failure paths there were. */
#define EVERY_FAILURE(call, untouched)                                                          \
        ({                                                                                      \
                unsigned long n_ = 1;                                                           \
                for (;; n_++) {                                                                 \
                        alloc_fail_at(n_);                                                      \
                        int r_ = (call);                                                        \
                        bool fired_ = alloc_fail_fired();                                       \
                        alloc_fail_at(0);                                                       \
                        if (!fired_) {                                                          \
                                assert_int_equal(r_, 0);                                        \
                                break;                                                          \
                        }                                                                       \
                        if (r_ != -ENOMEM || !(untouched))                                      \
                                fail_msg("%s with allocation %lu failing: %d, output %s", #call, \
                                         n_, r_, (untouched) ? "untouched" : "changed");        \
                }                                                                               \
                n_ - 1;                                                                         \
        })

static struct yk_token_info sample_token(bool pending, bool serial_known) {
        struct yk_token_info t = {
                .version = YK_TOKEN_VERSION,
                .serial_known = serial_known,
                .serial = serial_known ? 10000001 : 0,
                .slot = 2,
                .challenge_len = 32,
                .touch = true,
                .pin = true,
                .created = "2026-11-27T07:13:06Z",
                .keyslot = pending ? -1 : 3,
                .pending_keyslot = pending ? 3 : -1,
        };
        for (int i = 0; i < 32; i++)
                t.challenge[i] = (uint8_t) i;
        return t;
}

static void test_token_build(void **state) {
        for (int variant = 0; variant < 3; variant++) {
                struct yk_token_info t = sample_token(/* pending= */ variant == 1, /* serial_known= */ variant != 2);
                char *json = NULL;
                unsigned long paths = EVERY_FAILURE(token_json_build(&t, &json), json == NULL);
                assert_true(paths >= 10); /* the object, each field, the string and its copy */
                assert_non_null(json);
                struct yk_token_info back;
                assert_int_equal(token_json_parse(json, strlen(json), &back), 0);
                assert_int_equal(back.pending_keyslot, t.pending_keyslot);
                free(json);
        }
}

static void test_recovery_build(void **state) {
        struct yk_recovery_info t = { .version = YK_TOKEN_VERSION, .keyslot = 0, .created = "2026-11-27T07:13:06Z" };
        char *json = NULL;
        unsigned long paths = EVERY_FAILURE(recovery_json_build(&t, &json), json == NULL);
        assert_true(paths >= 6);
        assert_non_null(json);
        free(json);
}

static void test_parse(void **state) {
        struct yk_token_info t = { .slot = 42 };
        assert_true(EVERY_FAILURE(token_json_parse(TOKEN, strlen(TOKEN), &t), t.slot == 42) >= 1);
        assert_int_equal(t.slot, 2);

        struct yk_recovery_info rec = { .keyslot = 42 };
        assert_true(EVERY_FAILURE(recovery_json_parse(RECOVERY, strlen(RECOVERY), &rec), rec.keyslot == 42) >= 1);
        assert_int_equal(rec.keyslot, 0);

        char type[32] = "untouched";
        assert_true(EVERY_FAILURE(token_json_type(TOKEN, strlen(TOKEN), type, sizeof(type)),
                                  strcmp(type, "untouched") == 0) >= 1);
        assert_string_equal(type, "ykunlock");
}

static void test_hmac_config(void **state) {
        static const struct yk_hmac_key secret = { .bytes = "0123456789abcdefghij" };
        static const uint8_t code[6] = { 1, 2, 3, 4, 5, 6 };
        const struct yk_version v = { 5, 4, 3 };
        const struct yk_hmac_config_options opts = { .touch = true, .new_access_code = code };
        struct yk_slot_config config = { 0 }, zero = { 0 };
        assert_true(EVERY_FAILURE(yk_build_hmac_config(&v, &secret, &opts, &config),
                                  memcmp(&config, &zero, sizeof(zero)) == 0) >= 1);
        assert_memory_not_equal(&config, &zero, sizeof(zero));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_token_build),
                cmocka_unit_test(test_recovery_build),
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_hmac_config),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
