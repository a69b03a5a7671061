/* The secrets the vault verbs take: --pin / --pin-file, --recovery-key-file, --passphrase-file,
 * read from files or stdin ("-") or asked at the terminal, always before a token is touched. */
#pragma once

#include <stdbool.h>

#include "shared/secmem.h"
#include "shared/sizes.h"

#define CLI_PASSPHRASE_MAX 8192 /* bytes of a --passphrase-file (cryptsetup's default limit) */

/* Each reads the option's file, prints its own one-line error and returns an exit code. */

/* The recovery key as `create` printed it (its text form, or the base64 of a version-1 key),
 * one trailing newline ignored; *ret gets what its keyslot takes (vault_recovery_key_decode). */
int cli_read_recovery_key(const char *path, struct secret *ret);
/* Raw bytes, like cryptsetup's --key-file (nothing stripped). */
int cli_read_passphrase(const char *path, struct secret *ret);
/* A PIN: exactly one trailing newline is stripped; 1..YK_PIN_MAX bytes. */
int cli_read_pin(const char *path, struct secret *ret);

/* --pin: asks twice with echo off (only at a terminal). */
int cli_prompt_new_pin(struct secret *ret);
/* The PIN of an enrolled token, asked once ("Enter token PIN: ", as cryptsetup asks). */
int cli_prompt_pin(struct secret *ret);

/* What a line typed at the terminal (or a --recovery-key-file) means: the recovery key's
 * keyslot passphrase when it is one of vault_recovery_key_decode's forms with nothing around
 * it, else false. */
bool cli_decode_recovery_key(const struct secret *text, struct secret *ret);
