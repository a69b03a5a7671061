#include "crypto/kdf.h"

#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#define HKDF_SHA256_MAX_OUT (255 * 32) /* RFC 5869 §2.3: L <= 255*HashLen */
#define UUID_MAX 64

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_KDF *, EVP_KDF_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_KDF_CTX *, EVP_KDF_CTX_free)

int kdf_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
                    const uint8_t *info, size_t info_len, size_t out_len, struct secret *ret) {
        if (!ikm || ikm_len == 0 || out_len == 0 || out_len > HKDF_SHA256_MAX_OUT || !ret)
                return -EINVAL;

        _cleanup_(EVP_KDF_freep) EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
        if (!kdf)
                return -EIO;
        _cleanup_(EVP_KDF_CTX_freep) EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
        if (!ctx)
                return -ENOMEM;

        /* OSSL_PARAM wants non-const pointers; OpenSSL only reads them. */
        OSSL_PARAM params[5];
        size_t n = 0;
        params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *) "SHA256", 0);
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *) ikm, ikm_len);
        if (salt && salt_len > 0)
                params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *) salt, salt_len);
        if (info && info_len > 0)
                params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *) info, info_len);
        params[n] = OSSL_PARAM_construct_end();

        _cleanup_(secret_clearp) struct secret out = {};
        int r = secret_new(out_len, &out);
        if (r < 0)
                return r;
        if (EVP_KDF_derive(ctx, out.data, out.len, params) != 1)
                return -EIO;

        *ret = TAKE_STRUCT(out);
        return 0;
}

int kdf_keyslot_passphrase(const struct yk_response *response, const struct secret *pin,
                           const uint8_t *challenge, size_t challenge_len, const char *uuid,
                           struct secret *ret) {
        if (!response || !challenge || challenge_len < YK_CHALLENGE_MIN || challenge_len > YK_CHALLENGE_MAX ||
            !uuid || !ret)
                return -EINVAL;
        if (pin && (pin->len == 0 || pin->len > YK_PIN_MAX))
                return -EINVAL;
        size_t uuid_len = strnlen(uuid, UUID_MAX + 1);
        if (uuid_len == 0 || uuid_len > UUID_MAX)
                return -EINVAL;

        /* IKM = response || PIN: the response has a fixed length, so this is unambiguous. */
        _cleanup_(secret_clearp) struct secret ikm = {};
        int r = secret_new(sizeof(response->bytes) + (pin ? pin->len : 0), &ikm);
        if (r < 0)
                return r;
        memcpy(ikm.data, response->bytes, sizeof(response->bytes));
        if (pin)
                memcpy(ikm.data + sizeof(response->bytes), pin->data, pin->len);

        uint8_t info[sizeof(YK_KDF_INFO_PREFIX) - 1 + UUID_MAX];
        size_t prefix_len = sizeof(YK_KDF_INFO_PREFIX) - 1;
        memcpy(info, YK_KDF_INFO_PREFIX, prefix_len);
        memcpy(info + prefix_len, uuid, uuid_len);

        return kdf_hkdf_sha256(ikm.data, ikm.len, challenge, challenge_len, info, prefix_len + uuid_len,
                               YK_KDF_PASSPHRASE_SIZE, ret);
}
