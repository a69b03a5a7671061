/* Secrets given to the CLI in files or on stdin ("-"). */
#pragma once

#include <stddef.h>

#include "shared/secmem.h"

/* Prints why the secret file `path` given to `option` could not be read (read_secret_input()'s
 * error r; a FIFO or device is "not a regular file"); returns the exit code. */
int cli_secret_file_error(const char *option, const char *path, int r);

/* Reads `path` ("-" = stdin) holding exactly 2*n hexadecimal characters and at most one
 * trailing newline; decodes into *ret (n bytes, secure memory). `what` names the option in
 * messages ("--secret-file"). Prints its own error; returns an exit code. */
int cli_read_hex_secret(const char *path, size_t n, const char *what, struct secret *ret);

/* Prints a secret's text and a newline on stdout with write(2), so that no copy stays behind in
 * stdio's buffer. 0, or a negative errno (a closed stdout). */
int cli_print_secret_line(const char *text);

/* Shows a new recovery key: its text form (vault_recovery_key_new) on a line of stdout, with SIGPIPE ignored for the write,
 * so that a closed pipe cannot kill the caller before it removes the key nobody saw. On -EPIPE
 * the signal is noted to be raised again after that cleanup (cli_signal_note). 0, or a negative
 * errno. */
int cli_show_recovery_key(const struct secret *key);
