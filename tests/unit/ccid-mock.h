/* An APDU exchanger for tests that replays a script: each step checks the command the host
 * sent (hex, spaces ignored; NULL: any) and gives back a scripted answer or error. Steps are
 * written by hand from docs/protocol.md §1, never produced by the code under test. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otp/conn.h"

struct mock_step {
        const char *expect; /* the command APDU in hex, or NULL to accept any */
        const char *answer; /* response data and SW1 SW2 in hex */
        int error;          /* when non-zero, transceive returns it instead of an answer */
};

struct mock_card {
        const struct mock_step *steps;
        size_t n;
        size_t pos;         /* steps used so far */
        unsigned closed;    /* io->close calls */
        size_t touch_at;    /* pos when the prompt's touch was last called, or SIZE_MAX */
        unsigned touches;
};

#define MOCK_CARD(script) ((struct mock_card) { .steps = (script), .n = sizeof(script) / sizeof((script)[0]), \
                                                .touch_at = SIZE_MAX })

/* A connection (otp/frame-ccid.c) over the script. The card must outlive the connection. */
struct yk_conn *mock_conn(struct mock_card *card);

/* The script as the transmit and close of a PC/SC-kind backend whose handle is the card. */
int mock_transmit(void *card, const struct yk_deadline *dl, const uint8_t *apdu, size_t len, uint8_t *resp,
                  size_t cap, size_t *ret_len);
void mock_close(void *card);

/* A prompt whose touch callback records in card->touches / card->touch_at. */
struct yk_prompt mock_prompt(struct mock_card *card);

/* Asserts that every step of the script was used. */
void mock_assert_done(const struct mock_card *card);

/* Hex (spaces ignored) to bytes; fails the test on bad hex or overflow. Returns the length. */
size_t mock_hex(const char *hex, uint8_t *out, size_t cap);
