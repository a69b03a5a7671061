/* The token plugin's logic in process (issue 5): registered with libcryptsetup through
 * crypt_token_register() (the v1 handler has no open_pin: PIN cases call ykp_open directly),
 * with emulated YubiKeys (tests/lib/emu-transport.h) and real vault images. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libcryptsetup.h>

#include "otp/applet.h"
#include "otp/config.h"
#include "plugin/plugin.h"
#include "vault-fixture.h"

/* What the registered handler uses: the fixture's backends, a wait state, a timeout. */
static struct vf *cur;
static struct ykp_wait cur_wait;
static unsigned cur_timeout_s;
static bool validate_on = true;

static int h_open(struct crypt_device *cd, int token, char **buffer, size_t *len, void *usrptr) {
        return ykp_open(cd, token, NULL, 0, cur->backends, &cur_wait, cur_timeout_s, buffer, len);
}

static int h_validate(struct crypt_device *cd, const char *json) {
        return validate_on ? ykp_validate(cd, json) : 0;
}

static const crypt_token_handler handler = {
        .name = "ykunlock", .open = h_open, .buffer_free = ykp_buffer_free, .validate = h_validate, .dump = ykp_dump,
};

/* libcryptsetup's messages for one crypt_device. */
static char logbuf[8192];
static void log_cb(int level, const char *msg, void *usrptr) {
        if (level == CRYPT_LOG_DEBUG || level == CRYPT_LOG_DEBUG_JSON)
                return;
        strncat(logbuf, msg, sizeof(logbuf) - strlen(logbuf) - 1);
}

static void reset_wait(unsigned timeout_s) {
        cur_wait = (struct ykp_wait) YKP_WAIT_INIT;
        cur_timeout_s = timeout_s;
        logbuf[0] = '\0';
}

static struct crypt_device *load(struct vf *f) {
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        crypt_set_log_callback(cd, log_cb, NULL);
        return cd;
}

static int count(const char *hay, const char *needle) {
        int n = 0;
        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

static int setup(void **state) {
        struct vf *f = vf_new();
        vf_create(f, false);
        cur = f;
        validate_on = true;
        reset_wait(0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        vf_free(*state);
        cur = NULL;
        return 0;
}

static void test_timeout_parse(void **state) {
        assert_int_equal(ykp_timeout_parse(NULL), 30);
        assert_int_equal(ykp_timeout_parse("0"), 0);
        assert_int_equal(ykp_timeout_parse("7"), 7);
        assert_int_equal(ykp_timeout_parse("86400"), 86400);
        const char *bad[] = { "", " 5", "5 ", "-1", "+5", "5s", "1.5", "0x10", "86401", "99999999999999999999", "abc" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
                assert_int_equal(ykp_timeout_parse(bad[i]), YK_TIMEOUT_DEFAULT_S);
}

static void test_deadline_per_process(void **state) {
        struct ykp_wait w = YKP_WAIT_INIT;
        assert_int_equal(ykp_wait_remaining_s(&w, 2), 2);
        /* later calls share the first deadline, whatever timeout they pass */
        struct timespec ms = { .tv_nsec = 50 * 1000000L };
        nanosleep(&ms, NULL);
        assert_int_equal(ykp_wait_remaining_s(&w, 30), 1);
        struct timespec ts = { .tv_sec = 2 };
        nanosleep(&ts, NULL);
        assert_int_equal(ykp_wait_remaining_s(&w, 30), 0);
}

/* The token present: libcryptsetup opens the keyslot with what the plugin derived, which is
 * the documented derivation computed independently (vault-fixture), in secure memory. */
static void test_open_present(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        struct crypt_device *cd = load(f);
        assert_int_equal(crypt_activate_by_token(cd, NULL, CRYPT_ANY_TOKEN, NULL, 0), 1);

        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(ykp_open(cd, 1, NULL, 0, f->backends, &cur_wait, 0, &buf, &len), 0);
        assert_int_equal(len, 32);
        assert_int_equal(secure_size(buf), 32); /* the secure allocator: MADV_DONTDUMP, wiped on free */
        struct vault_info info;
        vf_list(f, &info);
        struct secret want = {};
        vf_expected_passphrase(f, 0, &info.entries[1].token, NULL, &want);
        assert_memory_equal(buf, want.data, 32);
        secret_clear(&want);
        vault_info_free(&info);
        ykp_buffer_free(buf, len);
        assert_int_equal(count(logbuf, "Insert your token"), 0);
        crypt_free(cd);
}

/* Absent: -EAGAIN after the timeout, the insert message once; the deadline is shared, so the
 * next token (and the next call) does not wait again. */
static void test_absent_waits_once(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_insert(f, 1);
        assert_int_equal(vf_enroll(f, 1, NULL, false), 2);
        vf_remove(f, 0);
        vf_remove(f, 1);
        struct crypt_device *cd = load(f);

        reset_wait(0);
        uint64_t t0 = now_ms();
        assert_int_equal(crypt_activate_by_token(cd, NULL, CRYPT_ANY_TOKEN, NULL, 0), -EAGAIN);
        assert_true(now_ms() - t0 < 500);
        assert_string_equal(logbuf, ""); /* timeout 0: no waiting, nothing said */

        reset_wait(1);
        t0 = now_ms();
        assert_int_equal(crypt_activate_by_token(cd, NULL, CRYPT_ANY_TOKEN, NULL, 0), -EAGAIN);
        uint64_t took = now_ms() - t0;
        assert_true(took >= 950 && took < 1900); /* two tokens, one deadline */
        assert_string_equal(logbuf, "Insert your token… (YubiKey 10000001, 20000002; waiting up to 1 s)\n");
        t0 = now_ms();
        assert_int_equal(crypt_activate_by_token(cd, NULL, CRYPT_ANY_TOKEN, NULL, 0), -EAGAIN);
        assert_true(now_ms() - t0 < 500);
        assert_int_equal(count(logbuf, "Insert your token"), 1);
        crypt_free(cd);
}

/* The backup key present: the absent primary's token answers -EAGAIN at once. */
static void test_backup_present(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_insert(f, 1);
        assert_int_equal(vf_enroll(f, 1, NULL, false), 2);
        vf_remove(f, 0);
        struct crypt_device *cd = load(f);
        reset_wait(20);
        uint64_t t0 = now_ms();
        char *buf = NULL;
        size_t len = 0;
        assert_int_equal(ykp_open(cd, 1, NULL, 0, f->backends, &cur_wait, 20, &buf, &len), -EAGAIN);
        assert_null(buf);
        assert_int_equal(crypt_activate_by_token(cd, NULL, CRYPT_ANY_TOKEN, NULL, 0), 2);
        assert_true(now_ms() - t0 < 2000);
        assert_int_equal(count(logbuf, "Insert your token"), 0);
        crypt_free(cd);
}

/* Inserted while waiting: the wait ends when the key comes. */
static void *insert_later(void *arg) {
        struct timespec ts = { .tv_nsec = 600 * 1000000L };
        nanosleep(&ts, NULL);
        vf_insert(arg, 0);
        return NULL;
}

static void test_inserted_while_waiting(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_remove(f, 0);
        struct crypt_device *cd = load(f);
        reset_wait(10);
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, insert_later, f), 0);
        uint64_t t0 = now_ms();
        int r = crypt_activate_by_token(cd, NULL, CRYPT_ANY_TOKEN, NULL, 0);
        uint64_t took = now_ms() - t0;
        pthread_join(th, NULL);
        assert_int_equal(r, 1);
        assert_true(took >= 500 && took < 3000);
        assert_int_equal(count(logbuf, "Insert your token… (YubiKey 10000001; waiting up to 10 s)\n"), 1);
        crypt_free(cd);
}

/* Same serial, another secret: a passphrase that opens nothing; libcryptsetup says -EPERM and
 * would go on to the next token (no other errno, no waiting). */
static void test_wrong_secret(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        vf_program(f, 0, false);
        struct crypt_device *cd = load(f);
        reset_wait(20);
        uint64_t t0 = now_ms();
        assert_int_equal(crypt_activate_by_token(cd, NULL, CRYPT_ANY_TOKEN, NULL, 0), -EPERM);
        assert_true(now_ms() - t0 < 2000);
        crypt_free(cd);
}

/* A PIN token: open without PIN is -ENOANO at once (even with the key absent); the right PIN
 * gives the documented passphrase; a wrong PIN is -ENOANO (the plugin tries the keyslot). */
static void test_pin(void **state) {
        struct vf *f = *state;
        struct secret pin = {};
        assert_int_equal(secret_new(4, &pin), 0);
        memcpy(pin.data, "1234", 4);
        assert_int_equal(vf_enroll(f, 0, &pin, false), 1);
        struct crypt_device *cd = load(f);
        char *buf = NULL;
        size_t len = 0;

        vf_remove(f, 0);
        reset_wait(20);
        uint64_t t0 = now_ms();
        assert_int_equal(crypt_activate_by_token(cd, NULL, CRYPT_ANY_TOKEN, NULL, 0), -ENOANO);
        assert_int_equal(ykp_open(cd, 1, NULL, 0, f->backends, &cur_wait, 20, &buf, &len), -ENOANO);
        assert_int_equal(ykp_open(cd, 1, "", 0, f->backends, &cur_wait, 20, &buf, &len), -ENOANO);
        assert_true(now_ms() - t0 < 1000);
        assert_false(cur_wait.started); /* no wait was started for a PIN that was not there */

        vf_insert(f, 0);
        assert_int_equal(ykp_open(cd, 1, "1235", 4, f->backends, &cur_wait, 20, &buf, &len), -ENOANO);
        assert_int_equal(ykp_open(cd, 1, "123", 3, f->backends, &cur_wait, 20, &buf, &len), -ENOANO);
        assert_null(buf);
        assert_int_equal(ykp_open(cd, 1, "1234", 4, f->backends, &cur_wait, 20, &buf, &len), 0);
        struct vault_info info;
        vf_list(f, &info);
        struct secret want = {};
        vf_expected_passphrase(f, 0, &info.entries[1].token, &pin, &want);
        assert_int_equal(len, 32);
        assert_memory_equal(buf, want.data, 32);
        assert_int_equal(vf_try_keyslot(f, 1, buf, len), 1);
        ykp_buffer_free(buf, len);
        secret_clear(&want);
        secret_clear(&pin);
        vault_info_free(&info);
        crypt_free(cd);
}

/* Tokens the plugin cannot use answer -ENOENT: malformed (accepted here only because validate
 * is off), pending, or a token id that is not ours. */
static void test_unusable(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        struct crypt_device *cd = load(f);
        char *buf = NULL;
        size_t len = 0;
        validate_on = false;
        assert_int_equal(crypt_token_json_set(cd, 5, "{\"type\":\"ykunlock\",\"keyslots\":[\"1\"],\"version\":1}"), 5);
        validate_on = true;
        assert_int_equal(ykp_open(cd, 5, NULL, 0, f->backends, &cur_wait, 0, &buf, &len), -ENOENT);
        assert_int_equal(ykp_open(cd, 0, NULL, 0, f->backends, &cur_wait, 0, &buf, &len), -ENOENT); /* recovery marker */
        assert_int_equal(ykp_open(cd, 9, NULL, 0, f->backends, &cur_wait, 0, &buf, &len), -ENOENT); /* no token */
        const char *json = NULL;
        assert_int_equal(crypt_token_json_get(cd, 1, &json), 1);
        /* A later format (version 2, otherwise the same token): not ours to use, -ENOENT, so
         * libcryptsetup goes on to the next token (docs/token-format.md). */
        char *later = strdup(json);
        char *v = strstr(later, "\"version\":1");
        assert_non_null(v);
        v[10] = '2';
        validate_on = false;
        assert_int_equal(crypt_token_json_set(cd, 7, later), 7);
        validate_on = true;
        free(later);
        assert_int_equal(ykp_open(cd, 7, NULL, 0, f->backends, &cur_wait, 0, &buf, &len), -ENOENT);
        assert_int_equal(crypt_token_json_get(cd, 1, &json), 1);
        char *pending = strdup(json);
        char *k = strstr(pending, "\"keyslots\":[\"1\"]");
        assert_non_null(k);
        memmove(k + 12, k + 15, strlen(k + 15) + 1); /* "keyslots":[] */
        char *end = strrchr(pending, '}');
        assert_non_null(end);
        char pjson[1024];
        snprintf(pjson, sizeof(pjson), "%.*s,\"pending-keyslot\":1}", (int) (end - pending), pending);
        free(pending);
        assert_int_equal(crypt_token_json_set(cd, 6, pjson), 6);
        assert_int_equal(ykp_open(cd, 6, NULL, 0, f->backends, &cur_wait, 0, &buf, &len), -ENOENT);
        crypt_free(cd);
}

/* A key whose slot now needs a touch that never comes (69 85): -ENOENT, and said. */
static void test_touch_not_received(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        struct crypt_device *cd = load(f);
        char *buf = NULL;
        size_t len = 0;
        vf_remove(f, 0);
        struct ykemu_options o;
        ykemu_options_init(&o);
        o.serial = VF_SERIAL_A;
        o.touch = YKEMU_TOUCH_NEVER;
        o.touch_timeout_ms = 50;
        struct ykemu_card *card = NULL;
        assert_int_equal(ykemu_card_new(&o, &card), 0);
        assert_int_equal(emu_backend_add_card(card, "Touchy 00 00"), 0);
        struct yk_device dev = { .kind = YK_TRANSPORT_PCSC, .name = "Touchy 00 00" };
        struct yk_conn *c = NULL;
        struct yk_otp_status st, after;
        struct yk_slot_config config;
        struct yk_hmac_config_options co = { .touch = true };
        assert_int_equal(yk_conn_open(&emu_backend, &dev, /* dl= */ NULL, &c), 0);
        assert_int_equal(yk_otp_select(c, &st), 0);
        assert_int_equal(yk_build_hmac_config(&st.version, &f->cards[0].secret, &co, &config), 0);
        assert_int_equal(yk_otp_write_config(c, &st, 2, &config, NULL, &after), 0);
        yk_conn_close(c);
        logbuf[0] = '\0';
        assert_int_equal(ykp_open(cd, 1, NULL, 0, f->backends, &cur_wait, 0, &buf, &len), -ENOENT);
        assert_null(buf);
        assert_string_equal(logbuf, "Token 1: touch not received.\n");
        emu_backend_reset();
        ykemu_card_free(card);
        crypt_free(cd);
}

/* validate through libcryptsetup: a malformed token is refused and nothing is written. */
static void test_validate(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        struct crypt_device *cd = load(f);
        const char *json = NULL;
        assert_int_equal(crypt_token_json_get(cd, 1, &json), 1);
        char good[1024];
        snprintf(good, sizeof(good), "%s", json);
        assert_int_equal(ykp_validate(cd, good), 0);
        assert_int_equal(ykp_validate(NULL, good), 0);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        const char *bad[] = {
                "{\"type\":\"ykunlock\",\"keyslots\":[]}",
                "{\"type\":\"ykunlock\",\"keyslots\":[\"1\"],\"version\":1,\"serial\":1,\"slot\":2,\"challenge\":\"AAAA\","
                "\"touch\":false,\"pin\":false,\"created\":\"2026-11-27T07:13:06Z\"}",
                "not json",
                "",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
                assert_int_equal(ykp_validate(cd, bad[i]), -EINVAL);
                assert_true(crypt_token_json_set(cd, 7, bad[i]) < 0);
        }
        assert_int_equal(ykp_validate(cd, NULL), -EINVAL);
        /* a keyslot that does not exist */
        char *p = strstr(good, "\"keyslots\":[\"1\"]");
        assert_non_null(p);
        p[13] = '9';
        assert_int_equal(ykp_validate(cd, good), -EINVAL);
        assert_true(crypt_token_json_set(cd, 7, good) < 0);
        vf_assert_unchanged(f->image, before);
        p[13] = '0'; /* the recovery keyslot exists: accepted */
        assert_int_equal(crypt_token_json_set(cd, 7, good), 7);
        crypt_free(cd);
}

/* luksDump's lines, through crypt_dump with the registered handler. */
static void test_dump(void **state) {
        struct vf *f = *state;
        assert_int_equal(vf_enroll(f, 0, NULL, false), 1);
        struct crypt_device *cd = load(f);
        struct vault_info info;
        vf_list(f, &info);
        char want[512];
        snprintf(want, sizeof(want),
                 "  1: ykunlock\n\tSerial:       10000001\n\tYubiKey slot: 2\n\tTouch:        no\n"
                 "\tPIN:          no\n\tVersion:      1\n\tCreated:      %s\n\tKeyslot:    1\n",
                 info.entries[1].token.created);
        vault_info_free(&info);
        logbuf[0] = '\0';
        assert_int_equal(crypt_dump(cd), 0);
        assert_non_null(strstr(logbuf, want));
        logbuf[0] = '\0';
        ykp_dump(cd, "{\"type\":\"ykunlock\"}");
        assert_string_equal(logbuf, "\tMalformed:    this ykunlock token breaks its format\n");
        crypt_free(cd);
}

int main(void) {
        crypt_token_external_disable(); /* only the handler registered here */
        if (crypt_token_register(&handler) < 0)
                return 1;
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_timeout_parse),
                cmocka_unit_test(test_deadline_per_process),
                cmocka_unit_test_setup_teardown(test_open_present, setup, teardown),
                cmocka_unit_test_setup_teardown(test_absent_waits_once, setup, teardown),
                cmocka_unit_test_setup_teardown(test_backup_present, setup, teardown),
                cmocka_unit_test_setup_teardown(test_inserted_while_waiting, setup, teardown),
                cmocka_unit_test_setup_teardown(test_wrong_secret, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pin, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unusable, setup, teardown),
                cmocka_unit_test_setup_teardown(test_touch_not_received, setup, teardown),
                cmocka_unit_test_setup_teardown(test_validate, setup, teardown),
                cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
