/* HMAC_LT64 padding (docs/protocol.md §3). With HMAC_LT64 the key hashes the 64 bytes it receives
 * minus the last byte and every equal byte just before it. Padding with a byte that differs
 * from the challenge's last byte makes that rule give back exactly the challenge: 0x00, or
 * 0x01 when the challenge ends in 0x00 (as yubikit does). */
#include <errno.h>
#include <string.h>

#include "otp/padding.h"

int yk_pad_challenge(const uint8_t *challenge, size_t len, uint8_t out[64]) {
        if (!out || len > 63 || (len > 0 && !challenge))
                return -EINVAL;
        uint8_t pad = len > 0 && challenge[len - 1] == 0x00 ? 0x01 : 0x00;
        if (len > 0)
                memcpy(out, challenge, len);
        memset(out + len, pad, 64 - len);
        return 0;
}
