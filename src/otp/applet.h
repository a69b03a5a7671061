/* The OTP application, one command each: select, serial, device information, HMAC-SHA1
 * challenge-response, configuration writes. Works over any connection (otp/conn.h).
 * Errors are those of conn.h, except that a key which does not know a command
 * (-EBADRQC there) answers -EPROTO here, and the ones named below. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otp/config.h"
#include "otp/conn.h"
#include "otp/status.h"
#include "shared/response.h"

/* Slot commands (P1 of INS 01 over CCID; the slot byte of a HID frame). */
#define YK_CMD_CONFIG_1     0x01
#define YK_CMD_CONFIG_2     0x03
#define YK_CMD_UPDATE_1     0x04
#define YK_CMD_UPDATE_2     0x05
#define YK_CMD_SWAP         0x06
#define YK_CMD_SERIAL       0x10
#define YK_CMD_DEVICE_INFO  0x13
#define YK_CMD_CHAL_OTP_1   0x20
#define YK_CMD_CHAL_OTP_2   0x28
#define YK_CMD_CHAL_HMAC_1  0x30
#define YK_CMD_CHAL_HMAC_2  0x38

#define YK_ACCESS_CODE_SIZE   6

int yk_otp_select(struct yk_conn *c, struct yk_otp_status *ret);

/* A serial the key does not show (SERIAL_API_VISIBLE unset, other applets)
 * answers -ENOENT. */
int yk_otp_read_serial(struct yk_conn *c, uint32_t *ret_serial);

/* HMAC-SHA1 challenge-response on `slot` (1 or 2). `st` is the status from select, used to
 * refuse an empty slot before challenging. The challenge is padded the yubikit way (padding.h).
 * -ENOKEY slot not programmed (no valid bit, or an empty answer); -ETIMEDOUT touch not received.
 * `prompt` (may be NULL) is told when a touch may be needed. */
int yk_otp_challenge_hmac(struct yk_conn *c, const struct yk_otp_status *st, int slot,
                          const uint8_t *challenge, size_t len, const struct yk_prompt *prompt,
                          struct yk_response *ret_response);

/* Writes a slot configuration (config.h) with the slot's current access code (NULL:
 * none) and checks that the key took it by the program sequence (with yubikit's exceptions,
 * docs/protocol.md §1). -EPERM when the key refused it (wrong access code). */
int yk_otp_write_config(struct yk_conn *c, const struct yk_otp_status *before, int slot,
                        const struct yk_slot_config *config, const uint8_t *access_code,
                        struct yk_otp_status *ret_after);

/* Deletes a slot: 52 zero bytes and the current access code. */
int yk_otp_delete_slot(struct yk_conn *c, const struct yk_otp_status *before, int slot,
                       const uint8_t *access_code, struct yk_otp_status *ret_after);
