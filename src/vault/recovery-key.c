/* The recovery key's two written forms (docs/token-format.md, "The recovery key"): the text
 * form ykunlock makes, whose characters are the keyslot passphrase, and the base64 of a
 * version-1 key, whose 32 decoded bytes are. */
#include <ctype.h>
#include <errno.h>

#include "crypto/random.h"
#include "shared/base64.h"
#include "shared/modhex.h"
#include "vault/internal.h"

#define GROUP_LEN 8 /* modhex letters between two dashes */

int vault_recovery_key_new(struct secret *ret) {
        if (!ret)
                return -EINVAL;
        uint8_t raw[VAULT_RECOVERY_KEY_SIZE];
        CLEANUP_ERASE(raw);
        char letters[2 * VAULT_RECOVERY_KEY_SIZE];
        CLEANUP_ERASE(letters);
        int r = crypto_random(raw, sizeof(raw));
        if (r < 0)
                return r;
        _cleanup_(secret_clearp) struct secret key = {};
        r = secret_new(VAULT_RECOVERY_TEXT_LEN, &key);
        if (r < 0)
                return r;
        modhex_encode(raw, sizeof(raw), letters);
        for (size_t i = 0, j = 0; i < sizeof(letters); i++) {
                if (i > 0 && i % GROUP_LEN == 0)
                        key.data[j++] = '-';
                key.data[j++] = (uint8_t) letters[i];
        }
        *ret = TAKE_STRUCT(key);
        return 0;
}

/* The text form in its canonical spelling (lowercase, a dash after every 8 letters) from one
 * typed in either case, with its dashes or without any. */
static bool text_form(const char *s, size_t len, struct secret *ret) {
        bool dashed = len == VAULT_RECOVERY_TEXT_LEN;
        if (!dashed && len != 2 * VAULT_RECOVERY_KEY_SIZE)
                return false;
        _cleanup_(secret_clearp) struct secret key = {};
        if (secret_new(VAULT_RECOVERY_TEXT_LEN, &key) < 0)
                return false;
        size_t j = 0;
        for (size_t i = 0; i < len; i++) {
                if (dashed && i % (GROUP_LEN + 1) == GROUP_LEN) {
                        if (s[i] != '-')
                                return false;
                        continue;
                }
                int v = modhex_value(s[i]);
                if (v < 0)
                        return false;
                if (j > 0 && j % (GROUP_LEN + 1) == GROUP_LEN)
                        key.data[j++] = '-';
                key.data[j++] = (uint8_t) tolower((unsigned char) s[i]);
        }
        *ret = TAKE_STRUCT(key);
        return true;
}

/* A version-1 key: exactly the 44 characters of base64 of 32 bytes. */
static bool base64_form(const char *s, size_t len, struct secret *ret) {
        if (len != VAULT_RECOVERY_BASE64_LEN)
                return false;
        _cleanup_(secret_clearp) struct secret key = {};
        if (secret_new(VAULT_RECOVERY_KEY_SIZE, &key) < 0)
                return false;
        size_t n = 0;
        if (base64_decode(s, len, key.data, key.len, &n) < 0 || n != VAULT_RECOVERY_KEY_SIZE)
                return false;
        *ret = TAKE_STRUCT(key);
        return true;
}

bool vault_recovery_key_decode(const struct secret *text, struct secret *ret) {
        if (!text || !text->data || !ret)
                return false;
        const char *s = (const char *) text->data;
        size_t start = 0, end = text->len;
        while (start < end && isspace((unsigned char) s[start]))
                start++;
        while (end > start && isspace((unsigned char) s[end - 1]))
                end--;
        return text_form(s + start, end - start, ret) || base64_form(s + start, end - start, ret);
}
