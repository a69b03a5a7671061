#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "crypto/random.h"
#include "vault/recovery.h"

int vault_add_recovery_key(struct crypt_device *cd, struct secret *ret) {
        _cleanup_(secret_clearp) struct secret key = {};
        int r = secret_new(VAULT_RECOVERY_KEY_SIZE, &key);
        if (r == 0)
                r = crypto_random(key.data, key.len);
        if (r == 0)
                r = vault_pbkdf_minimal(cd);
        if (r < 0)
                return r;
        int keyslot = crypt_keyslot_add_by_volume_key(cd, CRYPT_ANY_SLOT, NULL, 0, (const char *) key.data, key.len);
        if (keyslot < 0)
                return keyslot;

        struct yk_recovery_info marker = { .version = YK_TOKEN_VERSION, .keyslot = keyslot };
        r = token_time_format(time(NULL), marker.created);
        if (r < 0)
                return r;
        _cleanup_(freep) char *json = NULL;
        r = recovery_json_build(&marker, &json);
        if (r < 0)
                return r;
        r = crypt_token_json_set(cd, CRYPT_ANY_TOKEN, json);
        if (r < 0)
                return r;
        *ret = TAKE_STRUCT(key);
        return 0;
}
