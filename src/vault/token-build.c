/* Building the token JSON, and the RFC 3339 time it carries. */
#include "vault/token-json.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "shared/base64.h"
#include "shared/macros.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

static int add(json_object *obj, const char *key, json_object *val) {
        if (!val)
                return -ENOMEM;
        if (json_object_object_add(obj, key, val) < 0) {
                json_object_put(val);
                return -ENOMEM;
        }
        return 0;
}

static int add_keyslots(json_object *obj, int keyslot) {
        json_object *arr = json_object_new_array();
        int r = add(obj, "keyslots", arr);
        if (r < 0 || keyslot < 0)
                return r;
        char num[12];
        snprintf(num, sizeof(num), "%d", keyslot);
        json_object *s = json_object_new_string(num);
        if (!s)
                return -ENOMEM;
        if (json_object_array_add(arr, s) < 0) {
                json_object_put(s);
                return -ENOMEM;
        }
        return 0;
}

static int to_string(json_object *obj, char **ret_json) {
        const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
                return -ENOMEM;
        char *copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret_json = copy;
        return 0;
}

static bool keyslot_ok(int k) {
        return k >= 0 && k < YK_LUKS2_KEYSLOTS;
}

static bool token_fields_ok(const struct yk_token_info *t) {
        bool pending = t->pending_keyslot >= 0;
        return t->version == YK_TOKEN_VERSION && (t->slot == 1 || t->slot == 2) &&
               t->challenge_len >= YK_CHALLENGE_MIN && t->challenge_len <= YK_CHALLENGE_MAX &&
               token_time_valid(t->created, strnlen(t->created, sizeof(t->created))) &&
               (pending ? keyslot_ok(t->pending_keyslot) && t->keyslot < 0 : keyslot_ok(t->keyslot));
}

int token_json_build(const struct yk_token_info *t, char **ret_json) {
        if (!t || !ret_json || !token_fields_ok(t))
                return -EINVAL;
        char b64[(YK_CHALLENGE_MAX + 2) / 3 * 4 + 1];
        base64_encode(t->challenge, t->challenge_len, b64);

        _cleanup_(json_object_putp) json_object *obj = json_object_new_object();
        if (!obj)
                return -ENOMEM;
        bool pending = t->pending_keyslot >= 0;
        int r;
        if ((r = add(obj, "type", json_object_new_string(YK_TOKEN_TYPE))) < 0 ||
            (r = add_keyslots(obj, pending ? -1 : t->keyslot)) < 0 ||
            (r = add(obj, "version", json_object_new_int(YK_TOKEN_VERSION))) < 0)
                return r;
        /* A NULL value is JSON null: the serial is not known. A known serial that could not be
         * allocated must not become null. */
        if (t->serial_known)
                r = add(obj, "serial", json_object_new_int64(t->serial));
        else
                r = json_object_object_add(obj, "serial", NULL) < 0 ? -ENOMEM : 0;
        if (r < 0)
                return r;
        if ((r = add(obj, "slot", json_object_new_int(t->slot))) < 0 ||
            (r = add(obj, "challenge", json_object_new_string(b64))) < 0 ||
            (r = add(obj, "touch", json_object_new_boolean(t->touch))) < 0 ||
            (r = add(obj, "pin", json_object_new_boolean(t->pin))) < 0 ||
            (r = add(obj, "created", json_object_new_string(t->created))) < 0)
                return r;
        if (pending && (r = add(obj, "pending-keyslot", json_object_new_int(t->pending_keyslot))) < 0)
                return r;
        return to_string(obj, ret_json);
}

int recovery_json_build(const struct yk_recovery_info *t, char **ret_json) {
        if (!t || !ret_json || t->version != YK_TOKEN_VERSION || !keyslot_ok(t->keyslot) ||
            !token_time_valid(t->created, strnlen(t->created, sizeof(t->created))))
                return -EINVAL;
        _cleanup_(json_object_putp) json_object *obj = json_object_new_object();
        if (!obj)
                return -ENOMEM;
        int r;
        if ((r = add(obj, "type", json_object_new_string(YK_RECOVERY_TOKEN_TYPE))) < 0 ||
            (r = add_keyslots(obj, t->keyslot)) < 0 ||
            (r = add(obj, "version", json_object_new_int(YK_TOKEN_VERSION))) < 0 ||
            (r = add(obj, "created", json_object_new_string(t->created))) < 0)
                return r;
        return to_string(obj, ret_json);
}

int token_time_format(time_t t, char out[YK_TIME_LEN + 1]) {
        struct tm tm;
        if (!gmtime_r(&t, &tm))
                return -ERANGE;
        if (strftime(out, YK_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != YK_TIME_LEN)
                return -ERANGE;
        return 0;
}

static int digits(const char *s, size_t n) {
        int v = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

static int days_in_month(int year, int month) {
        static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        return month == 2 && leap ? 29 : days[month - 1];
}

bool token_time_valid(const char *s, size_t len) {
        /* YYYY-MM-DDTHH:MM:SSZ */
        if (!s || len != YK_TIME_LEN || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
            s[16] != ':' || s[19] != 'Z')
                return false;
        int year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
        int hour = digits(s + 11, 2), min = digits(s + 14, 2), sec = digits(s + 17, 2);
        if (year < 1970 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || min < 0 ||
            min > 59 || sec < 0 || sec > 60)
                return false;
        return day <= days_in_month(year, month);
}
