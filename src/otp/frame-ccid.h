/* OTP commands framed as ISO 7816 APDUs (CCID), over any APDU exchanger: a PC/SC transport
 * gives it SCardTransmit (through yk_conn_open), tests give it a mock or the emulator
 * in-process. */
#pragma once

#include "otp/conn.h"

/* The injected functions: the transmit and close of a PC/SC-kind yk_backend have this shape.
 * transmit: a command APDU in, response data plus SW1 SW2 out (at most 258 bytes; cap is at
 * least that). Errors: those of transport.h, and -ECONNRESET when the card was reset (another
 * program, a power glitch) and the raw layer reconnected without sending the command: the
 * framing then selects the OTP application again and sends the command once more. */
struct yk_ccid_io {
        int (*transmit)(void *userdata, const struct yk_deadline *dl, const uint8_t *apdu, size_t len, uint8_t *resp,
                        size_t cap, size_t *ret_len);
        void (*close)(void *userdata); /* may be NULL */
        void *userdata;
};

/* A connection whose select_otp/otp_call speak APDUs through io. Takes ownership of
 * io->userdata (closed with io->close, also when this fails). */
int yk_ccid_conn_new(const struct yk_device *dev, const struct yk_ccid_io *io, struct yk_conn **ret);

/* The AIDs of the OTP and management applications (docs/architecture.md, OTP protocol). */
extern const uint8_t YK_AID_OTP[7];
extern const uint8_t YK_AID_MGMT[8];
