/* The HMAC-SHA1 response of a challenge-response slot (docs/token-format.md): key material, the
 * input of the keyslot passphrase's derivation. Its own type, so that a response is never taken
 * for an ordinary byte array: on the stack it is declared with CLEANUP_ERASE() (shared/macros.h),
 * held longer in secure memory (shared/secmem.h). */
#pragma once

#include <stdint.h>

#include "shared/sizes.h"

struct yk_response {
        uint8_t bytes[YK_HMAC_RESPONSE_SIZE];
};
