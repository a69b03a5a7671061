/* The key derivation of docs/token-format.md: HKDF-SHA256 (RFC 5869) and the keyslot
 * passphrase of a ykunlock token, format version 1. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "shared/response.h"
#include "shared/secmem.h"
#include "shared/sizes.h"

#define YK_KDF_PASSPHRASE_SIZE 32
#define YK_KDF_INFO_PREFIX     "ykunlock-v1:"

/* HKDF-SHA256, extract then expand, `out_len` bytes (1..8160) into secure memory.
 * -EINVAL for a bad length, -EIO when OpenSSL fails. *ret is untouched on failure. */
int kdf_hkdf_sha256(const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
                    const uint8_t *info, size_t info_len, size_t out_len, struct secret *ret);

/* The keyslot passphrase: HKDF-SHA256(IKM = response [|| PIN], salt = challenge,
 * info = "ykunlock-v1:" UUID, 32 bytes). `pin` is NULL for a token without PIN; a PIN must
 * have 1..YK_PIN_MAX bytes. The challenge has YK_CHALLENGE_MIN..YK_CHALLENGE_MAX bytes. -EINVAL otherwise. */
int kdf_keyslot_passphrase(const struct yk_response *response, const struct secret *pin,
                           const uint8_t *challenge, size_t challenge_len, const char *uuid,
                           struct secret *ret);
