/* Sizes and limits that several layers check, defined once: the OTP application's HMAC-SHA1
 * challenge-response (docs/token-format.md), the token PIN, and the default wait for a token. */
#pragma once

#define YK_HMAC_RESPONSE_SIZE 20  /* an HMAC-SHA1 response */
#define YK_CHALLENGE_MIN      32  /* what ykunlock writes and accepts (docs/token-format.md) */
#define YK_CHALLENGE_MAX      63  /* the longest challenge the key takes unpadded (HMAC_LT64) */
#define YK_PIN_MAX            256 /* bytes of a token PIN, part of the key derivation's input */
#define YK_TIMEOUT_DEFAULT_S  30  /* how long to wait for a token when nobody says otherwise */
