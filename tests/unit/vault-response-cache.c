/* One touch for several vaults (docs/token-format.md): the response cache of one run
 * (src/vault/response-cache.c) asks a key once per (serial, slot, challenge), and
 * `share_with` enrolls a second vault on the first one's challenge, so that opening both
 * with one cache asks the key once; without the cache, once per vault. Emulated YubiKeys in
 * process; every ask of the key is counted by the touch prompt the framing calls before each
 * HMAC challenge. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vault-fixture.h"
#include "vault/internal.h"

static int setup(void **state) {
        struct vf *f = vf_new();
        vf_create(f, false);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        vf_free(*state);
        return 0;
}

static void count(void *userdata) {
        (*(unsigned *) userdata)++;
}

/* The response of token t to 32 bytes of `fill` (in secure memory: free with secure_free). */
static struct yk_response *respond(struct vf *f, const struct yk_token *t, uint8_t fill) {
        uint8_t chal[32];
        memset(chal, fill, sizeof(chal));
        struct yk_response *r = NULL;
        assert_int_equal(vault_token_response(&f->ctx, t, 2, chal, sizeof(chal), &r), 0);
        assert_non_null(r);
        return r;
}

static void test_asked_once_per_challenge(void **state) {
        struct vf *f = *state;
        unsigned asks = 0;
        struct yk_prompt prompt = { .touch = count, .userdata = &asks };
        f->ctx.touch = &prompt;
        _cleanup_(vault_response_cache_freep) struct vault_response_cache *cache = NULL;
        assert_int_equal(vault_response_cache_new(&cache), 0);
        f->ctx.responses = cache;
        struct yk_token a = vf_token(f, 0);
        struct yk_response *r1 = respond(f, &a, 0x11);
        assert_int_equal(asks, 1);
        struct yk_response *r2 = respond(f, &a, 0x11);
        assert_int_equal(asks, 1); /* the same challenge: from the cache */
        assert_memory_equal(r1->bytes, r2->bytes, YK_HMAC_RESPONSE_SIZE);
        struct yk_response *r3 = respond(f, &a, 0x22);
        assert_int_equal(asks, 2); /* another challenge: the key */
        assert_memory_not_equal(r1->bytes, r3->bytes, YK_HMAC_RESPONSE_SIZE);
        secure_free(r3);

        /* Another key (serial B) with the same challenge is asked itself. */
        vf_insert(f, 1);
        struct yk_token b = vf_token(f, 1);
        r3 = respond(f, &b, 0x11);
        assert_int_equal(asks, 3);
        assert_memory_not_equal(r1->bytes, r3->bytes, YK_HMAC_RESPONSE_SIZE);
        secure_free(r1);
        secure_free(r2);
        secure_free(r3);
        f->ctx.touch = NULL;
        f->ctx.responses = NULL;
}

static void test_without_cache_asked_each_time(void **state) {
        struct vf *f = *state;
        unsigned asks = 0;
        struct yk_prompt prompt = { .touch = count, .userdata = &asks };
        f->ctx.touch = &prompt;
        struct yk_token a = vf_token(f, 0);
        struct yk_response *r1 = respond(f, &a, 0x11), *r2 = respond(f, &a, 0x11);
        assert_int_equal(asks, 2);
        assert_memory_equal(r1->bytes, r2->bytes, YK_HMAC_RESPONSE_SIZE);
        secure_free(r1);
        secure_free(r2);
        f->ctx.touch = NULL;
}

/* A key that hides its serial is never cached: two such keys could not be told apart. */
static void test_hidden_serial_not_cached(void **state) {
        struct vf *f = *state;
        _cleanup_(vault_response_cache_freep) struct vault_response_cache *cache = NULL;
        assert_int_equal(vault_response_cache_new(&cache), 0);
        struct yk_token t = vf_token(f, 0);
        t.serial_known = false;
        uint8_t chal[32] = { 1 };
        struct yk_response r = { .bytes = { 7, 7, 7 } };
        CLEANUP_ERASE(r);
        struct yk_response *got = NULL;
        assert_int_equal(vault_response_cache_put(cache, &t, 2, chal, sizeof(chal), &r), -EINVAL);
        assert_int_equal(vault_response_cache_get(cache, &t, 2, chal, sizeof(chal), &got), -ENOENT);
        t.serial_known = true;
        assert_int_equal(vault_response_cache_put(cache, &t, 2, chal, sizeof(chal), &r), 0);
        assert_int_equal(vault_response_cache_get(cache, &t, 1, chal, sizeof(chal), &got), -ENOENT);
        assert_int_equal(vault_response_cache_get(cache, &t, 2, chal, 31, &got), -ENOENT);
        assert_null(got);
        assert_int_equal(vault_response_cache_get(cache, &t, 2, chal, sizeof(chal), &got), 0);
        assert_memory_equal(got->bytes, r.bytes, YK_HMAC_RESPONSE_SIZE);
        secure_free(got);
}

/* Key A enrolled with touch in the fixture's vault, and a second vault (at `path`) enrolled
 * into its group. */
static void make_group(struct vf *f, char *path, size_t len, struct secret *recovery2) {
        struct yk_token a = vf_token(f, 0);
        struct vault_auth auth1 = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        struct vault_enroll_params p1 = { .token = &a, .slot = 2, .touch = true };
        struct vault_enroll_result res;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth1, &p1, &res), 0);
        snprintf(path, len, "%s/second.img", f->dir);
        struct vault_location loc2 = { .device = path };
        struct vault_create_params cp = { .size = 32u << 20, .fill = VAULT_FILL_SPARSE, .label = "second" };
        assert_int_equal(vault_create(&loc2, &cp, recovery2), 0);
        _cleanup_(vault_unrefp) struct vault *first = NULL;
        assert_int_equal(vault_load_vault(&f->loc, &first), 0);
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = recovery2 };
        struct vault_enroll_params p = { .token = &a, .slot = 2, .touch = true, .share_with = first };
        assert_int_equal(vault_enroll(&loc2, &f->ctx, &auth, &p, &res), 0);
}

static unsigned open_both(struct vf *f, const char *second, struct vault_response_cache *cache) {
        unsigned asks = 0;
        struct yk_prompt prompt = { .touch = count, .userdata = &asks };
        f->ctx.touch = &prompt;
        f->ctx.responses = cache;
        struct vault_open_params p = {};
        struct vault_open_result res;
        struct vault_location loc2 = { .device = second };
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), 0);
        assert_int_equal(vault_open(&loc2, &f->ctx, &p, &res), 0);
        f->ctx.touch = NULL;
        f->ctx.responses = NULL;
        return asks;
}

static void test_group_opens_with_one_ask(void **state) {
        struct vf *f = *state;
        char second[160];
        struct secret recovery2 = {};
        make_group(f, second, sizeof(second), &recovery2);
        secret_clear(&recovery2);
        _cleanup_(vault_response_cache_freep) struct vault_response_cache *cache = NULL;
        assert_int_equal(vault_response_cache_new(&cache), 0);
        assert_int_equal(open_both(f, second, cache), 1); /* one touch for the group */
        assert_int_equal(open_both(f, second, cache), 0); /* the same run: none */
        assert_int_equal(open_both(f, second, NULL), 2);  /* without a cache: one per vault */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_asked_once_per_challenge, setup, teardown),
                cmocka_unit_test_setup_teardown(test_without_cache_asked_each_time, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hidden_serial_not_cached, setup, teardown),
                cmocka_unit_test_setup_teardown(test_group_opens_with_one_ask, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
