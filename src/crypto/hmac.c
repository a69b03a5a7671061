/* HMAC-SHA1 through OpenSSL's one-shot HMAC(). */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/hmac.h"

int crypto_hmac_sha1(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t len,
                     uint8_t out[YK_HMAC_RESPONSE_SIZE]) {
        static const uint8_t empty[1];
        unsigned out_len = 0;

        if (!out || (key_len > 0 && !key) || (len > 0 && !msg) || key_len > INT_MAX)
                return -EINVAL;
        /* OpenSSL treats a NULL key as "reuse the previous one": give it a real pointer. */
        if (!HMAC(EVP_sha1(), key_len ? key : empty, (int) key_len, len ? msg : empty, len, out, &out_len))
                return -EIO;
        return out_len == YK_HMAC_RESPONSE_SIZE ? 0 : -EIO;
}
