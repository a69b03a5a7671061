/* The unlock chain (src/vault/unlock*.c) with emulated YubiKeys in process: the PIN and the
 * typed secret come through the caller's callbacks (struct vault_ask), a wrong one is asked
 * again up to `tries` times, a typed recovery key is read in its text form (either case, with
 * or without dashes, whitespace around it stripped) or as an older key's base64, and
 * vault_boot_passphrase returns a keyslot passphrase that opens its keyslot. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libcryptsetup.h>

#include "shared/base64.h"
#include "shared/deadline.h"
#include "vault-fixture.h"

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

static void text_secret(const char *s, struct secret *ret) {
        assert_int_equal(secret_new(strlen(s), ret), 0);
        memcpy(ret->data, s, strlen(s));
}

/* Answers the chain's questions from a script of answers; counts them. */
struct script {
        const char *answers[6];
        unsigned asked, touches;
        unsigned last_attempt;
};

static int answer(struct script *s, unsigned attempt, struct secret *ret) {
        assert_int_equal(attempt, s->asked); /* attempts count the wrong answers before */
        const char *a = s->answers[s->asked++];
        if (!a)
                return -ECANCELED;
        s->last_attempt = attempt;
        text_secret(a, ret);
        return 0;
}

static int ask_pin(void *userdata, const struct yk_token_info *enrolled, unsigned attempt, struct secret *ret) {
        assert_true(enrolled->pin);
        return answer(userdata, attempt, ret);
}

static int ask_secret(void *userdata, const char *label, int why, unsigned attempt, struct secret *ret) {
        (void) label;
        assert_int_equal(why, -ENODEV);
        return answer(userdata, attempt, ret);
}

static void count_touch(void *userdata) {
        ((struct script *) userdata)->touches++;
}

static void enroll_with_pin(struct vf *f) {
        struct secret pin = {};
        text_secret("1234", &pin);
        assert_int_equal(vf_enroll(f, 0, &pin, false), 1);
        secret_clear(&pin);
}

static void test_pin_asked_again(void **state) {
        struct vf *f = *state;
        enroll_with_pin(f);
        struct script s = { .answers = { "0000", "1111", "1234" } };
        struct vault_ask ask = { .pin = ask_pin, .userdata = &s };
        f->ctx.ask = &ask;
        struct vault_open_params p = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), 0);
        assert_int_equal(s.asked, 3);
        assert_int_equal(res.kind, VAULT_AUTH_TOKEN);
        assert_int_equal(res.keyslot, 1);
        assert_int_equal(res.keyslot_attempts, 3);

        /* three wrong ones: -ENOANO, and no fourth question */
        struct script wrong = { .answers = { "0000", "1111", "2222", "1234" } };
        ask.userdata = &wrong;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), -ENOANO);
        assert_int_equal(wrong.asked, 3);
        /* tries = 1: asked once */
        struct script once = { .answers = { "0000", "1234" } };
        ask.userdata = &once;
        ask.tries = 1;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), -ENOANO);
        assert_int_equal(once.asked, 1);
        /* the person gives up: the callback's error ends the chain */
        struct script none = { .answers = { NULL } };
        ask.userdata = &none;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), -ECANCELED);
        f->ctx.ask = NULL;
}

/* A wrong PIN asked again does not ask the token again (one touch per open). */
static void test_pin_one_touch(void **state) {
        struct vf *f = *state;
        struct secret pin = {};
        text_secret("1234", &pin);
        struct vault_enroll_params ep = { .token = NULL, .slot = 2, .touch = true, .pin = &pin,
                                          .pbkdf = { .memory_kb = 32, .iter_time_ms = 1 } };
        struct yk_token t = vf_token(f, 0);
        ep.token = &t;
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &f->recovery };
        struct vault_enroll_result er;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &auth, &ep, &er), 0);
        secret_clear(&pin);

        struct script s = { .answers = { "0000", "1234" } };
        struct yk_prompt touch = { .touch = count_touch, .userdata = &s };
        struct vault_ask ask = { .pin = ask_pin, .userdata = &s };
        f->ctx.ask = &ask;
        f->ctx.touch = &touch;
        struct vault_open_params p = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), 0);
        assert_int_equal(s.asked, 2);
        assert_int_equal(s.touches, 1);
        f->ctx.ask = NULL;
        f->ctx.touch = NULL;
}

static void test_typed_recovery_key(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_remove(f, 0);
        /* typed in capitals, without its dashes, with blanks around: still the key */
        char key[72] = "", spaced[96];
        for (size_t i = 0, j = 0; i < f->recovery.len; i++)
                if (f->recovery.data[i] != '-')
                        key[j++] = (char) (f->recovery.data[i] - 'a' + 'A');
        assert_int_equal(strlen(key), 64);
        snprintf(spaced, sizeof(spaced), " \t%s \n", key);

        struct script s = { .answers = { "not it", spaced } };
        struct vault_ask ask = { .secret = ask_secret, .userdata = &s };
        f->ctx.ask = &ask;
        struct vault_open_params p = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), 0);
        assert_int_equal(s.asked, 2);
        assert_int_equal(res.kind, VAULT_AUTH_RECOVERY_KEY);
        assert_int_equal(res.keyslot, 0);
        assert_int_equal(res.token_id, -1);

        /* three wrong ones: -EPERM after three questions */
        struct script wrong = { .answers = { "a", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                                             "cccccccc-cccccccc-cccccccc-cccccccc-cccccccc-cccccccc-cccccccc-cccccccc",
                                             key } };
        ask.userdata = &wrong;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), -EPERM);
        assert_int_equal(wrong.asked, 3);

        /* without a secret callback nothing is asked: -ENODEV as before */
        ask.secret = NULL;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), -ENODEV);

        /* enroll is authorised through the same chain */
        ask.secret = ask_secret;
        struct script e = { .answers = { spaced } };
        ask.userdata = &e;
        vf_insert(f, 1);
        struct yk_token t = vf_token(f, 1);
        struct vault_enroll_params ep = { .token = &t, .slot = 2 };
        struct vault_auth by_token = { .kind = VAULT_AUTH_TOKEN };
        struct vault_enroll_result er;
        assert_int_equal(vault_enroll(&f->loc, &f->ctx, &by_token, &ep, &er), 0);
        assert_int_equal(e.asked, 1);
        f->ctx.ask = NULL;
}

/* Every spelling of one key gives the same keyslot passphrase: its canonical text. */
static void expect_text_key(const char *typed, const char *canonical) {
        struct secret text = {}, key = {};
        text_secret(typed, &text);
        if (!canonical) {
                assert_false(vault_recovery_key_decode(&text, &key));
                assert_null(key.data);
        } else {
                assert_true(vault_recovery_key_decode(&text, &key));
                assert_int_equal(key.len, strlen(canonical));
                assert_memory_equal(key.data, canonical, key.len);
        }
        secret_clear(&key);
        secret_clear(&text);
}

static void test_recovery_key_decode(void **state) {
        (void) state;
        /* the text form: the bytes 00..1f; case, the dashes and blanks around do not matter */
        const char *k = "cccbcdce-cfcgchci-cjckclcn-crctcucv-bcbbbdbe-bfbgbhbi-bjbkblbn-brbtbubv";
        expect_text_key(k, k);
        expect_text_key("CCCBCDCE-CFCGCHCI-CJCKCLCN-CRCTCUCV-BCBBBDBE-BFBGBHBI-BJBKBLBN-BRBTBUBV", k);
        expect_text_key("cccbcdcecfcgchcicjckclcncrctcucvbcbbbdbebfbgbhbibjbkblbnbrbtbubv", k);
        expect_text_key(" cccbcdce-cfcgchci-cjckclcn-crctcucv-bcbbbdbe-bfbgbhbi-bjbkblbn-brbtbubv\r\n", k);
        /* not the key: a dash out of place, a letter outside modhex, one letter short, blanks inside */
        expect_text_key("cccbcdc-ecfcgchci-cjckclcn-crctcucv-bcbbbdbe-bfbgbhbi-bjbkblbn-brbtbubv", NULL);
        expect_text_key("cccbcdce-cfcgchci-cjckclcn-crctcucv-bcbbbdbe-bfbgbhbi-bjbkblbn-brbtbuba", NULL);
        expect_text_key("cccbcdce-cfcgchci-cjckclcn-crctcucv-bcbbbdbe-bfbgbhbi-bjbkblbn-brbtbub", NULL);
        expect_text_key("cccbcdce cfcgchci cjckclcn crctcucv bcbbbdbe bfbgbhbi bjbkblbn brbtbubv", NULL);
        expect_text_key("cccbcdce-cfcgchci-cjckclcn-crctcucv-bcbbbdbe-bfbgbhbi-bjbkblbn-brbtbubvc", NULL);

        /* a version-1 key: the base64 of 32 bytes, decoded */
        struct secret text = {}, key = {};
        text_secret("  AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n", &text);
        assert_true(vault_recovery_key_decode(&text, &key));
        assert_int_equal(key.len, 32);
        assert_int_equal(key.data[31], 31);
        secret_clear(&key);
        secret_clear(&text);
        text_secret("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd Hh8=", &text); /* inside: not stripped */
        assert_false(vault_recovery_key_decode(&text, &key));
        secret_clear(&text);
        text_secret("   ", &text);
        assert_false(vault_recovery_key_decode(&text, &key));
        secret_clear(&text);
}

/* A vault made by an older ykunlock: its recovery keyslot takes 32 raw bytes, shown as base64.
 * That base64, typed or given, still opens it; the same bytes as text do not. */
static void test_v1_recovery_key(void **state) {
        struct vf *f = *state;
        uint8_t raw[32];
        for (int i = 0; i < 32; i++)
                raw[i] = (uint8_t) (i * 7 + 1);
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        assert_int_equal(crypt_keyslot_change_by_passphrase(cd, 0, 0, (const char *) f->recovery.data, f->recovery.len,
                                                            (const char *) raw, sizeof(raw)),
                         0);
        crypt_free(cd);
        char b64[64];
        base64_encode(raw, sizeof(raw), b64);

        struct script s = { .answers = { (const char *) "cccbcdce-cfcgchci-cjckclcn-crctcucv-bcbbbdbe-bfbgbhbi-bjbkblbn-brbtbubv", b64 } };
        struct vault_ask ask = { .secret = ask_secret, .userdata = &s };
        f->ctx.ask = &ask;
        struct vault_open_params p = {};
        struct vault_open_result res;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), 0);
        assert_int_equal(s.asked, 2);
        assert_int_equal(res.kind, VAULT_AUTH_RECOVERY_KEY);
        assert_int_equal(res.keyslot, 0);
        f->ctx.ask = NULL;

        /* given up front, decoded the same way; the new key no longer opens */
        struct secret text = {}, key = {};
        text_secret(b64, &text);
        assert_true(vault_recovery_key_decode(&text, &key));
        struct vault_auth auth = { .kind = VAULT_AUTH_RECOVERY_KEY, .secret = &key };
        assert_int_equal(vault_open_with_secret(&f->loc, &auth, &p, &res), 0);
        assert_int_equal(res.keyslot, 0);
        auth.secret = &f->recovery;
        assert_int_equal(vault_open_with_secret(&f->loc, &auth, &p, &res), -EPERM);
        secret_clear(&key);
        secret_clear(&text);
}

static void test_boot_passphrase(void **state) {
        struct vf *f = *state;
        enroll_with_pin(f);
        _cleanup_(vault_unrefp) struct vault *v = NULL;
        assert_int_equal(vault_load_vault(&f->loc, &v), 0);
        struct secret pass = {};
        int keyslot = -1;
        assert_int_equal(vault_boot_passphrase(v, &f->ctx, 0, NULL, &pass, &keyslot), -ENOANO);
        struct script s = { .answers = { "9", "1234" } };
        struct vault_ask ask = { .pin = ask_pin, .secret = ask_secret, .userdata = &s };
        f->ctx.ask = &ask;
        assert_int_equal(vault_boot_passphrase(v, &f->ctx, 0, NULL, &pass, &keyslot), 0);
        assert_int_equal(keyslot, 1);
        assert_int_equal(vf_try_keyslot(f, 1, pass.data, pass.len), 1);
        secret_clear(&pass);
        /* no token: no fallback to a typed secret (the boot script's own prompt does that) */
        vf_remove(f, 0);
        struct script none = { .answers = { NULL } };
        ask.userdata = &none;
        assert_int_equal(vault_boot_passphrase(v, &f->ctx, 0, NULL, &pass, &keyslot), -ENODEV);
        assert_int_equal(none.asked, 0);
        assert_null(pass.data);
        f->ctx.ask = NULL;
}

/* ctx->present: the tokens a caller discovered once for several vaults (plug-event) are the
 * ones matched; the backends are not asked again, and a list without an enrolled token is "no
 * token" at once, even with a wait and the enrolled key plugged in. */
static void test_given_tokens(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_insert(f, 1);
        struct yk_token b = vf_token(f, 1), a = vf_token(f, 0);
        struct yk_token_list only_b = { .items = &b, .n = 1 }, only_a = { .items = &a, .n = 1 };
        struct vault_open_params p = { .timeout_s = 5 };
        struct vault_open_result res;
        f->ctx.present = &only_b;
        uint64_t t0 = now_ms();
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), -ENODEV);
        assert_true(now_ms() - t0 < 2000); /* no wait for a token to come */
        f->ctx.present = &only_a;
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), 0);
        assert_int_equal(res.serial, a.serial);
        f->ctx.present = NULL;
}

static volatile sig_atomic_t got_term;

static void on_term(int sig) {
        (void) sig;
        got_term = 1;
}

static void insert_then_term(void *userdata, const char *label, const uint32_t *serials, size_t n, bool unknown) {
        (void) userdata, (void) label, (void) serials, (void) n, (void) unknown;
        raise(SIGTERM); /* the host's signal, between two looks for the token (not in the sleep) */
}

/* A signal the host handles ends the wait for a token also when it arrives outside the sleep
 * between two looks; the caller's signal mask is as it was afterwards. */
static void test_signal_ends_wait(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_remove(f, 0);
        struct sigaction term = { .sa_handler = on_term }, saved;
        sigemptyset(&term.sa_mask);
        assert_int_equal(sigaction(SIGTERM, &term, &saved), 0);
        struct vault_insert_prompt prompt = { .insert = insert_then_term };
        f->ctx.insert = &prompt;
        struct vault_open_params p = { .timeout_s = 20 };
        struct vault_open_result res;
        got_term = 0;
        uint64_t t0 = now_ms();
        assert_int_equal(vault_open(&f->loc, &f->ctx, &p, &res), -ENODEV);
        uint64_t took = now_ms() - t0;
        assert_true(got_term);
        /* ended by the signal, not by the 20 s deadline (it ran to the deadline before) */
        assert_true(took < 10000);
        sigset_t now;
        assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &now), 0);
        assert_false(sigismember(&now, SIGTERM));
        assert_false(sigismember(&now, SIGINT));
        assert_int_equal(sigaction(SIGTERM, &saved, NULL), 0);
        f->ctx.insert = NULL;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_pin_asked_again, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pin_one_touch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_typed_recovery_key, setup, teardown),
                cmocka_unit_test(test_recovery_key_decode),
                cmocka_unit_test_setup_teardown(test_v1_recovery_key, setup, teardown),
                cmocka_unit_test_setup_teardown(test_boot_passphrase, setup, teardown),
                cmocka_unit_test_setup_teardown(test_signal_ends_wait, setup, teardown),
                cmocka_unit_test_setup_teardown(test_given_tokens, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
