/* OTP commands framed as ISO 7816 APDUs (CCID), over any raw APDU exchanger: the PC/SC
 * backend gives it SCardTransmit, tests give it the emulator in-process. */
#pragma once

#include "transport/transport.h"

/* One raw exchange: a command APDU in, response data plus SW1 SW2 out (at most 258 bytes; cap
 * is at least that). Errors: those of transport.h, and -ECONNRESET when the card was reset
 * (another program, a power glitch) and the raw layer reconnected without sending the command:
 * apdu.c then selects the OTP application again and sends the command once more. */
struct yk_apdu_io {
        int (*transceive)(void *userdata, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
                          size_t *ret_len);
        void (*close)(void *userdata); /* may be NULL */
        void *userdata;
};

/* A connection whose select_otp/otp_call speak APDUs through io. Takes ownership of
 * io->userdata (closed with io->close, also when this fails). */
int yk_apdu_conn_new(const struct yk_device *dev, const struct yk_apdu_io *io, struct yk_conn **ret);

/* The AIDs of docs/protocol.md §1. */
extern const uint8_t YK_AID_OTP[7];
extern const uint8_t YK_AID_MGMT[8];
