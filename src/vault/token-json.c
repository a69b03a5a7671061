#include "vault/token-json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "shared/base64.h"
#include "shared/macros.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free)

/* The type of any token, ours or not, however long: the whole LUKS2 JSON area at most. */
#define ANY_TOKEN_JSON_MAX (4u << 20)

/* Parses a whole JSON object, strictly: nothing after it, at most `max` bytes. */
static int parse_object(const char *json, size_t len, size_t max, json_object **ret) {
        if (!json || len == 0 || len > max || memchr(json, '\0', len))
                return -EBADMSG;
        _cleanup_(json_tokener_freep) struct json_tokener *tok = json_tokener_new_ex(16);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        _cleanup_(json_object_putp) json_object *o = json_tokener_parse_ex(tok, json, (int) len);
        if (!o || json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        *ret = TAKE_PTR(o);
        return 0;
}

static bool string_equals(json_object *o, const char *want) {
        return json_object_is_type(o, json_type_string) &&
               (size_t) json_object_get_string_len(o) == strlen(want) &&
               memcmp(json_object_get_string(o), want, strlen(want)) == 0;
}

static int get_int(json_object *obj, const char *key, int64_t min, int64_t max, int64_t *ret) {
        json_object *v;
        if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
                return -EBADMSG;
        /* json-c keeps integers above INT64_MAX as uint64: get_int64 clamps them. */
        errno = 0;
        int64_t n = json_object_get_int64(v);
        if (errno != 0 || n < min || n > max)
                return -EBADMSG;
        *ret = n;
        return 0;
}

static int get_bool(json_object *obj, const char *key, bool *ret) {
        json_object *v;
        if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_boolean))
                return -EBADMSG;
        *ret = json_object_get_boolean(v);
        return 0;
}

/* Only the fields a version-1 token may have. */
static int check_fields(json_object *obj, const char *const *allowed) {
        json_object_object_foreach(obj, key, val) {
                (void) val;
                bool ok = false;
                for (size_t i = 0; allowed[i] && !ok; i++)
                        ok = strcmp(key, allowed[i]) == 0;
                if (!ok)
                        return -EBADMSG;
        }
        return 0;
}

/* A keyslot number as LUKS2 writes it: "0".."31", no sign, no leading zero. */
static int parse_keyslot_string(json_object *v) {
        if (!json_object_is_type(v, json_type_string))
                return -EBADMSG;
        const char *s = json_object_get_string(v);
        size_t n = (size_t) json_object_get_string_len(v);
        if (n == 0 || n > 2 || (n == 2 && s[0] == '0'))
                return -EBADMSG;
        int k = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EBADMSG;
                k = k * 10 + (s[i] - '0');
        }
        return k < YK_LUKS2_KEYSLOTS ? k : -EBADMSG;
}

/* "keyslots": one keyslot (returned), or an empty array (returns -1) when allowed. */
static int get_keyslots(json_object *obj, bool allow_empty, int *ret) {
        json_object *v;
        if (!json_object_object_get_ex(obj, "keyslots", &v) || !json_object_is_type(v, json_type_array))
                return -EBADMSG;
        size_t n = json_object_array_length(v);
        if (n == 0 && allow_empty) {
                *ret = -1;
                return 0;
        }
        if (n != 1)
                return -EBADMSG;
        int k = parse_keyslot_string(json_object_array_get_idx(v, 0));
        if (k < 0)
                return k;
        *ret = k;
        return 0;
}

static int get_created(json_object *obj, char out[YK_TIME_LEN + 1]) {
        json_object *v;
        if (!json_object_object_get_ex(obj, "created", &v) || !json_object_is_type(v, json_type_string))
                return -EBADMSG;
        size_t n = (size_t) json_object_get_string_len(v);
        if (!token_time_valid(json_object_get_string(v), n))
                return -EBADMSG;
        memcpy(out, json_object_get_string(v), YK_TIME_LEN);
        out[YK_TIME_LEN] = '\0';
        return 0;
}

static int get_type_and_version(json_object *obj, const char *type) {
        json_object *v;
        if (!json_object_object_get_ex(obj, "type", &v) || !json_object_is_type(v, json_type_string))
                return -EBADMSG;
        if (!string_equals(v, type))
                return -EMEDIUMTYPE;
        int64_t version;
        if (get_int(obj, "version", YK_TOKEN_VERSION, YK_TOKEN_VERSION, &version) < 0)
                return -EBADMSG;
        return 0;
}

static int get_serial(json_object *obj, struct yk_token_info *t) {
        json_object *v;
        if (!json_object_object_get_ex(obj, "serial", &v))
                return -EBADMSG;
        if (!v) { /* JSON null: the key does not show its serial */
                t->serial_known = false;
                t->serial = 0;
                return 0;
        }
        int64_t n;
        int r = get_int(obj, "serial", 0, UINT32_MAX, &n);
        if (r < 0)
                return r;
        t->serial_known = true;
        t->serial = (uint32_t) n;
        return 0;
}

static int get_challenge(json_object *obj, struct yk_token_info *t) {
        json_object *v;
        if (!json_object_object_get_ex(obj, "challenge", &v) || !json_object_is_type(v, json_type_string))
                return -EBADMSG;
        size_t n = (size_t) json_object_get_string_len(v);
        if (n > base64_encoded_len(YK_CHALLENGE_MAX))
                return -EBADMSG;
        size_t got;
        if (base64_decode(json_object_get_string(v), n, t->challenge, sizeof(t->challenge), &got) < 0 ||
            got < YK_CHALLENGE_MIN)
                return -EBADMSG;
        t->challenge_len = got;
        return 0;
}

/* The pending state: "pending-keyslot" present exactly when "keyslots" is empty. */
static int get_binding(json_object *obj, struct yk_token_info *t) {
        int r = get_keyslots(obj, /* allow_empty= */ true, &t->keyslot);
        if (r < 0)
                return r;
        json_object *v;
        bool has_pending = json_object_object_get_ex(obj, "pending-keyslot", &v);
        if (has_pending != (t->keyslot < 0))
                return -EBADMSG;
        t->pending_keyslot = -1;
        if (has_pending) {
                int64_t k;
                r = get_int(obj, "pending-keyslot", 0, YK_LUKS2_KEYSLOTS - 1, &k);
                if (r < 0)
                        return r;
                t->pending_keyslot = (int) k;
        }
        return 0;
}

int token_json_parse(const char *json, size_t len, struct yk_token_info *ret) {
        static const char *const allowed[] = { "type", "keyslots", "version", "serial", "slot", "challenge",
                                               "touch", "pin", "created", "pending-keyslot", NULL };
        _cleanup_(json_object_putp) json_object *obj = NULL;
        int r = parse_object(json, len, YK_TOKEN_JSON_MAX, &obj);
        if (r < 0)
                return r;
        r = get_type_and_version(obj, YK_TOKEN_TYPE);
        if (r < 0)
                return r;
        if (check_fields(obj, allowed) < 0)
                return -EBADMSG;

        struct yk_token_info t = { .version = YK_TOKEN_VERSION };
        int64_t slot;
        if (get_serial(obj, &t) < 0 ||
            get_int(obj, "slot", 1, 2, &slot) < 0 ||
            get_challenge(obj, &t) < 0 ||
            get_bool(obj, "touch", &t.touch) < 0 ||
            get_bool(obj, "pin", &t.pin) < 0 ||
            get_created(obj, t.created) < 0 ||
            get_binding(obj, &t) < 0)
                return -EBADMSG;
        t.slot = (int) slot;
        *ret = t;
        return 0;
}

int recovery_json_parse(const char *json, size_t len, struct yk_recovery_info *ret) {
        static const char *const allowed[] = { "type", "keyslots", "version", "created", NULL };
        _cleanup_(json_object_putp) json_object *obj = NULL;
        int r = parse_object(json, len, YK_TOKEN_JSON_MAX, &obj);
        if (r < 0)
                return r;
        r = get_type_and_version(obj, YK_RECOVERY_TOKEN_TYPE);
        if (r < 0)
                return r;
        struct yk_recovery_info t = { .version = YK_TOKEN_VERSION };
        if (check_fields(obj, allowed) < 0 ||
            get_keyslots(obj, /* allow_empty= */ false, &t.keyslot) < 0 ||
            get_created(obj, t.created) < 0)
                return -EBADMSG;
        *ret = t;
        return 0;
}

int token_json_type(const char *json, size_t len, char *out, size_t cap) {
        _cleanup_(json_object_putp) json_object *obj = NULL;
        int r = parse_object(json, len, ANY_TOKEN_JSON_MAX, &obj);
        if (r < 0)
                return r;
        json_object *v;
        if (!json_object_object_get_ex(obj, "type", &v) || !json_object_is_type(v, json_type_string))
                return -EBADMSG;
        size_t n = (size_t) json_object_get_string_len(v);
        if (n + 1 > cap)
                return -ENOBUFS;
        memcpy(out, json_object_get_string(v), n);
        out[n] = '\0';
        return 0;
}
