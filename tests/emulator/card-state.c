/* The card's flash as a small JSON file, written atomically after every change. The reader is
 * strict: exactly the keys below, of the right types and sizes, and the derived fields (secret,
 * access code, flags) must agree with the configuration they come from.
 *
 *   { "format": 1, "serial": 10000001, "firmware": "5.4.3", "program_sequence": 2,
 *     "slot1": SLOT, "slot2": SLOT }
 *   SLOT = { "programmed": true, "config": HEX52, "last_write": HEX52, "secret": HEX20,
 *            "access_code": HEX6, "ext_flags": 36, "tkt_flags": 64, "cfg_flags": 38 }
 *
 * "config" is the effective configuration, "last_write" the 52 bytes the client last wrote to
 * the slot (what tests compare with their golden files). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "card-internal.h"
#include "file-atomic.h"
#include "shared/file.h"
#include "shared/hex.h"
#include "shared/macros.h"
#include "shared/secmem.h"

#define STATE_FORMAT 1
#define STATE_MAX_SIZE 65536

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);

static void slot_secret(const uint8_t *cfg, uint8_t out[20]) {
        memcpy(out, cfg + CFG_OFF_KEY, 16);
        memcpy(out + 16, cfg + CFG_OFF_UID, 4);
}

static int add_hex(json_object *o, const char *key, const uint8_t *data, size_t len) {
        char text[2 * YKEMU_CONFIG_SIZE + 1];
        hex_encode(data, len, text);
        int r = json_object_object_add(o, key, json_object_new_string(text));
        secure_wipe(text, sizeof(text));
        return r < 0 ? -ENOMEM : 0;
}

static json_object *slot_to_json(const struct ykemu_slot *s) {
        json_object *o = json_object_new_object();
        uint8_t secret[20];
        slot_secret(s->config, secret);
        if (!o || json_object_object_add(o, "programmed", json_object_new_boolean(s->programmed)) < 0 ||
            add_hex(o, "config", s->config, YKEMU_CONFIG_SIZE) < 0 ||
            add_hex(o, "last_write", s->last_write, YKEMU_CONFIG_SIZE) < 0 ||
            add_hex(o, "secret", secret, sizeof(secret)) < 0 ||
            add_hex(o, "access_code", s->config + CFG_OFF_ACC_CODE, YKEMU_ACC_CODE_SIZE) < 0 ||
            json_object_object_add(o, "ext_flags", json_object_new_int(s->config[CFG_OFF_EXT])) < 0 ||
            json_object_object_add(o, "tkt_flags", json_object_new_int(s->config[CFG_OFF_TKT])) < 0 ||
            json_object_object_add(o, "cfg_flags", json_object_new_int(s->config[CFG_OFF_CFG])) < 0) {
                secure_wipe(secret, sizeof(secret));
                json_object_put(o);
                return NULL;
        }
        secure_wipe(secret, sizeof(secret));
        return o;
}

int ykemu_state_save(const char *path, const struct ykemu_state *st) {
        _cleanup_(json_object_putp) json_object *o = json_object_new_object();
        char fw[16];
        snprintf(fw, sizeof(fw), "%u.%u.%u", st->firmware[0], st->firmware[1], st->firmware[2]);
        json_object *s1 = slot_to_json(&st->slot[0]);
        json_object *s2 = slot_to_json(&st->slot[1]);
        if (!o || json_object_object_add(o, "format", json_object_new_int(STATE_FORMAT)) < 0 ||
            json_object_object_add(o, "serial", json_object_new_int64(st->serial)) < 0 ||
            json_object_object_add(o, "firmware", json_object_new_string(fw)) < 0 ||
            json_object_object_add(o, "program_sequence", json_object_new_int(st->pgm_seq)) < 0 ||
            json_object_object_add(o, "slot1", s1) < 0 || (s1 = NULL, false) ||
            json_object_object_add(o, "slot2", s2) < 0 || (s2 = NULL, false)) {
                json_object_put(s1);
                json_object_put(s2);
                return -ENOMEM;
        }
        size_t len;
        const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PRETTY, &len);
        if (!text)
                return -ENOMEM;
        int r = write_file_atomic(path, text, len, 0600);
        secure_wipe((char *) text, len); /* json-c owns it until the object is freed */
        return r;
}

/* The member `key` of `o`, of the given type; NULL when absent or of another type. */
static json_object *member(json_object *o, const char *key, json_type type) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
                return NULL;
        return v;
}

static int get_hex(json_object *o, const char *key, uint8_t *out, size_t len) {
        json_object *v = member(o, key, json_type_string);
        size_t n;
        if (!v || hex_decode(json_object_get_string(v), (size_t) json_object_get_string_len(v), out, len, &n) < 0 ||
            n != len)
                return -EBADMSG;
        return 0;
}

static int get_uint(json_object *o, const char *key, uint64_t max, uint64_t *ret) {
        json_object *v = member(o, key, json_type_int);
        if (!v)
                return -EBADMSG;
        int64_t x = json_object_get_int64(v);
        if (x < 0 || (uint64_t) x > max)
                return -EBADMSG;
        *ret = (uint64_t) x;
        return 0;
}

/* The derived fields must say what the configuration says. */
static int check_derived(json_object *o, const struct ykemu_slot *s) {
        static const struct { const char *key; size_t off; } flags[] = {
                { "ext_flags", CFG_OFF_EXT }, { "tkt_flags", CFG_OFF_TKT }, { "cfg_flags", CFG_OFF_CFG }
        };
        uint8_t secret[20], want[20], code[YKEMU_ACC_CODE_SIZE];
        int r = get_hex(o, "secret", secret, sizeof(secret));
        if (r >= 0)
                r = get_hex(o, "access_code", code, sizeof(code));
        slot_secret(s->config, want);
        if (r >= 0 && (secure_memcmp(secret, want, sizeof(want)) != 0 ||
                       memcmp(code, s->config + CFG_OFF_ACC_CODE, sizeof(code)) != 0))
                r = -EBADMSG;
        secure_wipe(secret, sizeof(secret));
        secure_wipe(want, sizeof(want));
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(flags); i++) {
                uint64_t v;
                r = get_uint(o, flags[i].key, 0xff, &v);
                if (r >= 0 && v != s->config[flags[i].off])
                        r = -EBADMSG;
        }
        return r;
}

static int slot_from_json(json_object *o, struct ykemu_slot *s) {
        json_object *p = member(o, "programmed", json_type_boolean);
        if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) != 8 || !p)
                return -EBADMSG;
        s->programmed = json_object_get_boolean(p);
        int r = get_hex(o, "config", s->config, YKEMU_CONFIG_SIZE);
        if (r >= 0)
                r = get_hex(o, "last_write", s->last_write, YKEMU_CONFIG_SIZE);
        if (r >= 0)
                r = check_derived(o, s);
        return r;
}

static int parse_firmware(json_object *o, uint8_t fw[3]) {
        json_object *v = member(o, "firmware", json_type_string);
        unsigned a, b, c;
        int end = 0;
        if (!v || sscanf(json_object_get_string(v), "%3u.%3u.%3u%n", &a, &b, &c, &end) != 3 ||
            (size_t) end != (size_t) json_object_get_string_len(v) || a > 255 || b > 255 || c > 255)
                return -EBADMSG;
        fw[0] = a, fw[1] = b, fw[2] = c;
        return 0;
}

static int state_from_json(json_object *o, struct ykemu_state *st) {
        uint64_t format, serial, seq;
        if (!json_object_is_type(o, json_type_object) || json_object_object_length(o) != 6)
                return -EBADMSG;
        if (get_uint(o, "format", 255, &format) < 0 || format != STATE_FORMAT ||
            get_uint(o, "serial", UINT32_MAX, &serial) < 0 || get_uint(o, "program_sequence", 255, &seq) < 0 ||
            parse_firmware(o, st->firmware) < 0)
                return -EBADMSG;
        st->serial = (uint32_t) serial;
        st->pgm_seq = (uint8_t) seq;
        json_object *s1 = member(o, "slot1", json_type_object), *s2 = member(o, "slot2", json_type_object);
        if (!s1 || !s2 || slot_from_json(s1, &st->slot[0]) < 0 || slot_from_json(s2, &st->slot[1]) < 0)
                return -EBADMSG;
        return 0;
}

int ykemu_state_parse(const char *text, size_t len, struct ykemu_state *ret) {
        if (len > STATE_MAX_SIZE || memchr(text, 0, len))
                return -EBADMSG;
        json_tokener *tok = json_tokener_new();
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        _cleanup_(json_object_putp) json_object *o = json_tokener_parse_ex(tok, text, (int) len);
        bool whole = o && json_tokener_get_error(tok) == json_tokener_success &&
                     json_tokener_get_parse_end(tok) == len;
        json_tokener_free(tok);
        if (!whole)
                return -EBADMSG;
        struct ykemu_state st = {};
        int r = state_from_json(o, &st);
        if (r >= 0)
                *ret = st;
        secure_wipe(&st, sizeof(st));
        return r;
}

int ykemu_state_load(const char *path, struct ykemu_state *ret) {
        _cleanup_(freep) char *text = NULL;
        size_t len;
        int r = read_small_file(path, STATE_MAX_SIZE, &text, &len);
        if (r == -EFBIG)
                return -EBADMSG;
        if (r < 0)
                return r;
        r = ykemu_state_parse(text, len, ret);
        secure_wipe(text, len);
        return r;
}
