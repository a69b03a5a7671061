/* The LUKS2 token JSON of docs/token-format.md: parse with strict validation, and build.
 *
 * These functions see only the JSON text; they know nothing of the header it came from. The
 * checks that need the header (the keyslot exists, no other token names it) are in
 * vault/header.c. The libcryptsetup token plugin's `validate` calls token_json_parse(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "shared/sizes.h"

#define YK_TOKEN_TYPE          "ykunlock"
#define YK_RECOVERY_TOKEN_TYPE "ykunlock-recovery"
#define YK_TOKEN_VERSION       1
#define YK_TOKEN_JSON_MAX      4096
#define YK_TOKEN_CHALLENGE_NEW 32 /* what version 1 writes */
#define YK_LUKS2_KEYSLOTS      32 /* keyslot numbers 0..31 */
#define YK_TIME_LEN            20 /* "YYYY-MM-DDTHH:MM:SSZ" */

struct yk_token_info {
        unsigned version;
        bool serial_known;           /* false: "serial": null */
        uint32_t serial;
        int slot;                    /* YubiKey slot, 1 or 2 */
        uint8_t challenge[YK_CHALLENGE_MAX];
        size_t challenge_len;
        bool touch;
        bool pin;
        char created[YK_TIME_LEN + 1];
        int keyslot;                 /* the bound keyslot, or -1 when pending */
        int pending_keyslot;         /* the keyslot being added or removed, or -1 */
};

struct yk_recovery_info {
        unsigned version;
        char created[YK_TIME_LEN + 1];
        int keyslot;
};

/* Parses a `ykunlock` token. `len` bytes of `json` (no NUL needed). Every rule of
 * docs/token-format.md: -EBADMSG for anything malformed (including an unknown version or
 * field, a wrong type, an oversized value, non-canonical base64), -EMEDIUMTYPE when it is
 * valid JSON with another "type". *ret is untouched on failure. */
int token_json_parse(const char *json, size_t len, struct yk_token_info *ret);

/* The same for a `ykunlock-recovery` marker token. */
int recovery_json_parse(const char *json, size_t len, struct yk_recovery_info *ret);

/* Builds the JSON text (malloc'd, NUL-terminated) of a token. A pending token
 * (pending_keyslot >= 0) has "keyslots": [] and "pending-keyslot"; a bound one names
 * `keyslot`. -EINVAL when the fields break the rules the parser checks. */
int token_json_build(const struct yk_token_info *t, char **ret_json);
int recovery_json_build(const struct yk_recovery_info *t, char **ret_json);

/* "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339, UTC) for `t`. */
int token_time_format(time_t t, char out[YK_TIME_LEN + 1]);
/* True when `s` is exactly such a time, with valid ranges. */
bool token_time_valid(const char *s, size_t len);

/* The "type" of any LUKS2 token JSON, copied into `out` (-EBADMSG if none, -ENOBUFS). */
int token_json_type(const char *json, size_t len, char *out, size_t cap);
