/* Talking to the person at the terminal: touch prompts, and secrets typed with echo off. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "shared/secmem.h"
#include "otp/conn.h"

struct touch_prompt_ctx {
        bool serial_known;
        uint32_t serial;
        bool said; /* once per operation */
};

/* A struct yk_prompt whose touch callback says "Touch your YubiKey (serial N)…" on stderr. */
struct yk_prompt touch_prompt(struct touch_prompt_ctx *ctx);

bool stdin_is_terminal(void);

/* Reads one line from the terminal with echo off, into secure memory, without its newline.
 * -ENOTTY when stdin is not a terminal. */
int prompt_secret(const char *question, struct secret *ret);

/* Asks `question` at the terminal (echo on) and reads one line: 1 when it is exactly "YES",
 * 0 for anything else (also the end of the input). -ENOTTY when stdin is not a terminal,
 * -EINTR when a signal came. */
int prompt_yes(const char *question);
