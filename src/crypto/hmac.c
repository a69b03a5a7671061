/* HMAC-SHA1 through OpenSSL's one-shot HMAC(). */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/hmac.h"
#include "shared/macros.h"

int crypto_hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
                     struct yk_response *ret) {
        static const uint8_t empty[1];
        struct yk_response out;
        CLEANUP_ERASE(out);
        unsigned out_len = 0;

        if (!ret || (key_len > 0 && !key) || (len > 0 && !msg) || key_len > INT_MAX)
                return -EINVAL;
        /* OpenSSL treats a NULL key as "reuse the previous one": give it a real pointer. */
        if (!HMAC(EVP_sha1(), key_len ? key : empty, (int) key_len, len ? msg : empty, len, out.bytes, &out_len))
                return -EIO;
        if (out_len != sizeof(out.bytes))
                return -EIO;
        *ret = out;
        return 0;
}
