/* The token JSON of docs/token-format.md: hand-written valid tokens parse to the documented
 * fields, every malformed variant of every field is refused with -EBADMSG, and what the builder
 * writes parses back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vault/token-json.h"

/* Fields of a valid token, one macro each, so that each case below changes exactly one. */
#define F_TYPE    "\"type\":\"ykunlock\""
#define F_KS      "\"keyslots\":[\"1\"]"
#define F_VER     "\"version\":1"
#define F_SERIAL  "\"serial\":10000001"
#define F_SLOT    "\"slot\":2"
/* 32 bytes 0x00..0x1f */
#define CHAL32    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define F_CHAL    "\"challenge\":\"" CHAL32 "\""
#define F_TOUCH   "\"touch\":true"
#define F_PIN     "\"pin\":false"
#define F_CREATED "\"created\":\"2026-11-27T07:13:06Z\""

#define TOKEN(ty, ks, ver, ser, slot, chal, touch, pin, created) \
        "{" ty "," ks "," ver "," ser "," slot "," chal "," touch "," pin "," created "}"
#define VALID TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED)

static int parse(const char *json, struct yk_token_info *t) {
        return token_json_parse(json, strlen(json), t);
}

static void test_valid(void **state) {
        struct yk_token_info t;
        assert_int_equal(parse(VALID, &t), 0);
        assert_int_equal(t.version, 1);
        assert_true(t.serial_known);
        assert_int_equal(t.serial, 10000001);
        assert_int_equal(t.slot, 2);
        assert_int_equal(t.challenge_len, 32);
        for (int i = 0; i < 32; i++)
                assert_int_equal(t.challenge[i], i);
        assert_true(t.touch);
        assert_false(t.pin);
        assert_string_equal(t.created, "2026-11-27T07:13:06Z");
        assert_int_equal(t.keyslot, 1);
        assert_int_equal(t.pending_keyslot, -1);
}

/* libcryptsetup hands back its own serialisation: spaces, escaped slashes, another order. */
static void test_valid_other_spelling(void **state) {
        char json[1024], chal[84 * 2 + 1] = "";
        for (int i = 0; i < 84; i++)
                strcat(chal, "\\/"); /* 84 escaped '/' = 63 bytes of 0xff */
        snprintf(json, sizeof(json),
                 "{ \"keyslots\": [ \"31\" ], \"type\": \"ykunlock\", \"version\": 1, \"serial\": null,"
                 " \"slot\": 1, \"challenge\": \"%s\", \"touch\": false, \"pin\": true,"
                 " \"created\": \"2024-02-29T23:59:60Z\" }", chal);
        struct yk_token_info t;
        assert_int_equal(parse(json, &t), 0);
        assert_false(t.serial_known);
        assert_int_equal(t.slot, 1);
        assert_int_equal(t.challenge_len, 63);
        assert_int_equal(t.challenge[0], 0xff);
        assert_int_equal(t.challenge[62], 0xff);
        assert_true(t.pin);
        assert_int_equal(t.keyslot, 31);
}

static void test_pending(void **state) {
        const char *json = "{" F_TYPE ",\"keyslots\":[]," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH
                           "," F_PIN "," F_CREATED ",\"pending-keyslot\":7}";
        struct yk_token_info t;
        assert_int_equal(parse(json, &t), 0);
        assert_int_equal(t.keyslot, -1);
        assert_int_equal(t.pending_keyslot, 7);
}

static const struct {
        const char *what;
        const char *json;
} malformed[] = {
        { "not JSON", "{" },
        { "not an object", "[" VALID "]" },
        { "trailing bytes", VALID " x" },
        { "two objects", VALID VALID },
        { "empty", "" },
        { "type missing", "{" F_KS "," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH "," F_PIN "," F_CREATED "}" },
        { "type not a string", TOKEN("\"type\":1", F_KS, F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "keyslots missing", "{" F_TYPE "," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH "," F_PIN "," F_CREATED "}" },
        { "keyslots not an array", TOKEN(F_TYPE, "\"keyslots\":\"1\"", F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "keyslot a number", TOKEN(F_TYPE, "\"keyslots\":[1]", F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "two keyslots", TOKEN(F_TYPE, "\"keyslots\":[\"1\",\"2\"]", F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "no keyslot, not pending", TOKEN(F_TYPE, "\"keyslots\":[]", F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "keyslot 32", TOKEN(F_TYPE, "\"keyslots\":[\"32\"]", F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "keyslot 01", TOKEN(F_TYPE, "\"keyslots\":[\"01\"]", F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "keyslot -1", TOKEN(F_TYPE, "\"keyslots\":[\"-1\"]", F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "keyslot empty string", TOKEN(F_TYPE, "\"keyslots\":[\"\"]", F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "keyslot 100", TOKEN(F_TYPE, "\"keyslots\":[\"100\"]", F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "version missing", "{" F_TYPE "," F_KS "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH "," F_PIN "," F_CREATED "}" },
        { "version 2", TOKEN(F_TYPE, F_KS, "\"version\":2", F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "version 0", TOKEN(F_TYPE, F_KS, "\"version\":0", F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "version a string", TOKEN(F_TYPE, F_KS, "\"version\":\"1\"", F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "version a double", TOKEN(F_TYPE, F_KS, "\"version\":1.0", F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "serial missing", "{" F_TYPE "," F_KS "," F_VER "," F_SLOT "," F_CHAL "," F_TOUCH "," F_PIN "," F_CREATED "}" },
        { "serial negative", TOKEN(F_TYPE, F_KS, F_VER, "\"serial\":-1", F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "serial 2^32", TOKEN(F_TYPE, F_KS, F_VER, "\"serial\":4294967296", F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "serial 2^64", TOKEN(F_TYPE, F_KS, F_VER, "\"serial\":18446744073709551616", F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "serial a string", TOKEN(F_TYPE, F_KS, F_VER, "\"serial\":\"10000001\"", F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "serial false", TOKEN(F_TYPE, F_KS, F_VER, "\"serial\":false", F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "slot missing", "{" F_TYPE "," F_KS "," F_VER "," F_SERIAL "," F_CHAL "," F_TOUCH "," F_PIN "," F_CREATED "}" },
        { "slot 0", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, "\"slot\":0", F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "slot 3", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, "\"slot\":3", F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "slot null", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, "\"slot\":null", F_CHAL, F_TOUCH, F_PIN, F_CREATED) },
        { "challenge missing", "{" F_TYPE "," F_KS "," F_VER "," F_SERIAL "," F_SLOT "," F_TOUCH "," F_PIN "," F_CREATED "}" },
        { "challenge 31 bytes", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT,
                                      "\"challenge\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==\"", F_TOUCH, F_PIN, F_CREATED) },
        { "challenge 64 bytes", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT,
                                      "\"challenge\":\"" CHAL32 CHAL32 "\"", F_TOUCH, F_PIN, F_CREATED) },
        { "challenge not base64", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT,
                                        "\"challenge\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh*=\"", F_TOUCH, F_PIN, F_CREATED) },
        { "challenge with a newline", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT,
                                            "\"challenge\":\"AAECAwQFBgcICQoLDA0ODxAREhMU\\nFRYXGBkaGxwdHh8=\"", F_TOUCH, F_PIN, F_CREATED) },
        { "challenge non-canonical bits", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT,
                                                "\"challenge\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=\"", F_TOUCH, F_PIN, F_CREATED) },
        { "challenge without padding", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT,
                                             "\"challenge\":\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\"", F_TOUCH, F_PIN, F_CREATED) },
        { "challenge a number", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT, "\"challenge\":12", F_TOUCH, F_PIN, F_CREATED) },
        { "touch missing", "{" F_TYPE "," F_KS "," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_PIN "," F_CREATED "}" },
        { "touch a number", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT, F_CHAL, "\"touch\":1", F_PIN, F_CREATED) },
        { "pin missing", "{" F_TYPE "," F_KS "," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH "," F_CREATED "}" },
        { "pin a string", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, "\"pin\":\"false\"", F_CREATED) },
        { "created missing", "{" F_TYPE "," F_KS "," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH "," F_PIN "}" },
        { "created Feb 30", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, "\"created\":\"2026-02-30T00:00:00Z\"") },
        { "created not UTC", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, "\"created\":\"2026-11-27T07:13:06+01:00\"") },
        { "created hour 24", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, "\"created\":\"2026-11-27T24:13:06Z\"") },
        { "created a number", TOKEN(F_TYPE, F_KS, F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, "\"created\":1700000000") },
        { "unknown field", "{" F_TYPE "," F_KS "," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH "," F_PIN "," F_CREATED ",\"x\":1}" },
        { "pending-keyslot and a keyslot", "{" F_TYPE "," F_KS "," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH "," F_PIN "," F_CREATED ",\"pending-keyslot\":1}" },
        { "pending-keyslot 32", "{" F_TYPE ",\"keyslots\":[]," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH "," F_PIN "," F_CREATED ",\"pending-keyslot\":32}" },
        { "pending-keyslot a string", "{" F_TYPE ",\"keyslots\":[]," F_VER "," F_SERIAL "," F_SLOT "," F_CHAL "," F_TOUCH "," F_PIN "," F_CREATED ",\"pending-keyslot\":\"1\"}" },
};

static void test_malformed(void **state) {
        for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
                struct yk_token_info t;
                memset(&t, 0xA5, sizeof(t));
                int r = parse(malformed[i].json, &t);
                if (r != -EBADMSG)
                        fail_msg("%s: got %d, expected -EBADMSG", malformed[i].what, r);
                /* untouched on failure */
                assert_int_equal(((const unsigned char *) &t)[0], 0xA5);
                assert_int_equal(t.slot, (int) 0xA5A5A5A5);
        }
}

static void test_other_type(void **state) {
        struct yk_token_info t;
        assert_int_equal(parse("{\"type\":\"systemd-fido2\",\"keyslots\":[\"1\"]}", &t), -EMEDIUMTYPE);
        assert_int_equal(parse(TOKEN("\"type\":\"ykunlock2\"", F_KS, F_VER, F_SERIAL, F_SLOT, F_CHAL, F_TOUCH, F_PIN, F_CREATED), &t),
                         -EMEDIUMTYPE);
}

/* The length given is the length used: no reading up to a NUL, no NUL inside. */
static void test_lengths(void **state) {
        struct yk_token_info t;
        assert_int_equal(token_json_parse(VALID, strlen(VALID) - 1, &t), -EBADMSG);
        char buf[sizeof(VALID) + 1];
        memcpy(buf, VALID, sizeof(VALID));
        assert_int_equal(token_json_parse(buf, sizeof(VALID), &t), -EBADMSG); /* with its NUL */
        /* over 4096 bytes, even when the JSON itself is valid */
        size_t pad = YK_TOKEN_JSON_MAX;
        char *big = malloc(strlen(VALID) + pad + 1);
        assert_non_null(big);
        memset(big, ' ', pad);
        strcpy(big + pad, VALID);
        assert_int_equal(parse(big, &t), -EBADMSG);
        assert_int_equal(parse(big + pad - (YK_TOKEN_JSON_MAX - strlen(VALID)), &t), 0); /* exactly the limit */
        free(big);
}

static void assert_same_token(const struct yk_token_info *a, const struct yk_token_info *b) {
        assert_int_equal(a->version, b->version);
        assert_int_equal(a->serial_known, b->serial_known);
        assert_int_equal(a->serial, b->serial);
        assert_int_equal(a->slot, b->slot);
        assert_int_equal(a->challenge_len, b->challenge_len);
        assert_memory_equal(a->challenge, b->challenge, a->challenge_len);
        assert_int_equal(a->touch, b->touch);
        assert_int_equal(a->pin, b->pin);
        assert_string_equal(a->created, b->created);
        assert_int_equal(a->keyslot, b->keyslot);
        assert_int_equal(a->pending_keyslot, b->pending_keyslot);
}

static void test_build_roundtrip(void **state) {
        struct yk_token_info t = { .version = 1, .serial_known = true, .serial = 4294967295u, .slot = 1,
                                   .challenge_len = 63, .touch = false, .pin = true, .created = "2026-01-02T03:04:05Z",
                                   .keyslot = 30, .pending_keyslot = -1 };
        for (size_t i = 0; i < t.challenge_len; i++)
                t.challenge[i] = (uint8_t) (0xf0 + i);
        char *json = NULL;
        assert_int_equal(token_json_build(&t, &json), 0);
        assert_non_null(strstr(json, "\"keyslots\":[\"30\"]"));
        assert_null(strstr(json, "\\/")); /* base64 slashes written plainly */
        struct yk_token_info back;
        assert_int_equal(parse(json, &back), 0);
        assert_same_token(&t, &back);
        free(json);

        /* pending, serial unknown */
        t.serial_known = false;
        t.serial = 0;
        t.keyslot = -1;
        t.pending_keyslot = 3;
        assert_int_equal(token_json_build(&t, &json), 0);
        assert_non_null(strstr(json, "\"serial\":null"));
        assert_non_null(strstr(json, "\"keyslots\":[]"));
        assert_int_equal(parse(json, &back), 0);
        assert_same_token(&t, &back);
        free(json);
}

static void test_build_refuses(void **state) {
        struct yk_token_info t = { .version = 1, .serial_known = true, .serial = 1, .slot = 2, .challenge_len = 32,
                                   .created = "2026-01-02T03:04:05Z", .keyslot = 1, .pending_keyslot = -1 };
        char *json = (char *) "untouched";
        struct yk_token_info bad = t;
        bad.slot = 3;
        assert_int_equal(token_json_build(&bad, &json), -EINVAL);
        bad = t;
        bad.challenge_len = 31;
        assert_int_equal(token_json_build(&bad, &json), -EINVAL);
        bad = t;
        bad.keyslot = 32;
        assert_int_equal(token_json_build(&bad, &json), -EINVAL);
        bad = t;
        bad.pending_keyslot = 2; /* pending and bound at once */
        assert_int_equal(token_json_build(&bad, &json), -EINVAL);
        bad = t;
        strcpy(bad.created, "2026-01-02 03:04:05Z");
        assert_int_equal(token_json_build(&bad, &json), -EINVAL);
        assert_string_equal(json, "untouched");
}

static void test_recovery(void **state) {
        struct yk_recovery_info r;
        const char *ok = "{\"type\":\"ykunlock-recovery\",\"keyslots\":[\"0\"],\"version\":1,\"created\":\"2026-11-27T07:13:06Z\"}";
        assert_int_equal(recovery_json_parse(ok, strlen(ok), &r), 0);
        assert_int_equal(r.keyslot, 0);
        const char *pending = "{\"type\":\"ykunlock-recovery\",\"keyslots\":[],\"version\":1,\"created\":\"2026-11-27T07:13:06Z\"}";
        assert_int_equal(recovery_json_parse(pending, strlen(pending), &r), -EBADMSG);
        const char *extra = "{\"type\":\"ykunlock-recovery\",\"keyslots\":[\"0\"],\"version\":1,\"created\":\"2026-11-27T07:13:06Z\",\"serial\":1}";
        assert_int_equal(recovery_json_parse(extra, strlen(extra), &r), -EBADMSG);
        assert_int_equal(recovery_json_parse(VALID, strlen(VALID), &r), -EMEDIUMTYPE);

        struct yk_recovery_info in = { .version = 1, .created = "2000-02-29T00:00:00Z", .keyslot = 5 };
        char *json = NULL;
        assert_int_equal(recovery_json_build(&in, &json), 0);
        assert_int_equal(recovery_json_parse(json, strlen(json), &r), 0);
        assert_int_equal(r.version, 1);
        assert_int_equal(r.keyslot, 5);
        assert_string_equal(r.created, in.created);
        free(json);
}

static void test_time(void **state) {
        char s[YK_TIME_LEN + 1];
        assert_int_equal(token_time_format(0, s), 0);
        assert_string_equal(s, "1970-01-01T00:00:00Z");
        assert_int_equal(token_time_format(951782400, s), 0); /* date -u -d @951782400 */
        assert_string_equal(s, "2000-02-29T00:00:00Z");
        assert_false(token_time_valid("1900-02-29T00:00:00Z", 20));
        assert_false(token_time_valid("2100-02-29T00:00:00Z", 20));
        assert_true(token_time_valid("2400-02-29T00:00:00Z", 20));
        assert_false(token_time_valid("2026-04-31T00:00:00Z", 20));
        assert_false(token_time_valid("2026-1-01T00:00:00Z ", 20));
}

static void test_type(void **state) {
        char type[16];
        assert_int_equal(token_json_type(VALID, strlen(VALID), type, sizeof(type)), 0);
        assert_string_equal(type, "ykunlock");
        const char *other = "{\"type\":\"a-very-long-type-name\"}";
        assert_int_equal(token_json_type(other, strlen(other), type, sizeof(type)), -ENOBUFS);
        assert_int_equal(token_json_type("{}", 2, type, sizeof(type)), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_valid_other_spelling),
                cmocka_unit_test(test_pending),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_other_type),
                cmocka_unit_test(test_lengths),
                cmocka_unit_test(test_build_roundtrip),
                cmocka_unit_test(test_build_refuses),
                cmocka_unit_test(test_recovery),
                cmocka_unit_test(test_time),
                cmocka_unit_test(test_type),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
