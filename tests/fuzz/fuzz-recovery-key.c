/* The recovery key as typed or read from a file (vault_recovery_key_decode): any text is either
 * refused, or gives a version-1 key's 32 bytes, or the canonical text form (71 characters:
 * 8 groups of 8 lowercase modhex letters joined by dashes), which decodes to itself again. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/modhex.h"
#include "shared/secmem.h"
#include "vault/vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text_form(const struct secret *k) {
        for (size_t i = 0; i < k->len; i++) {
                char c = (char) k->data[i];
                bool dash = i % 9 == 8;
                if (dash ? c != '-' : (modhex_value(c) < 0 || c < 'a' || c > 'z'))
                        abort(); /* not the canonical form */
        }
        struct secret again = {};
        if (!vault_recovery_key_decode(k, &again) || again.len != k->len || memcmp(again.data, k->data, k->len) != 0)
                abort(); /* the canonical form does not decode to itself */
        secret_clear(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 4096)
                return 0;
        struct secret text = {}, key = {};
        if (secret_new(size ? size : 1, &text) < 0)
                return 0;
        memcpy(text.data, data, size);
        text.len = size;
        if (vault_recovery_key_decode(&text, &key)) {
                if (key.len == VAULT_RECOVERY_TEXT_LEN)
                        check_text_form(&key);
                else if (key.len != 32)
                        abort(); /* neither form */
        }
        secret_clear(&key);
        secret_clear(&text);
        return 0;
}
