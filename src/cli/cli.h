/* What every verb shares: the global options, the verb table entry, option parsing and the
 * one way to report an error. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otp/discover.h"

struct cli_verb_def;

struct cli_global {
        const struct cli_verb_def *verb; /* the verb being run (cli/table.h) */
        bool batch;            /* -q/--batch-mode: never ask a question */
        bool debug;            /* --debug: libcryptsetup's debug log too */
        const char *reader;    /* --reader: PC/SC reader substring */
        bool serial_set;       /* --serial */
        uint32_t serial;
        const char *transport; /* --transport pcsc|hid|auto */
        bool verbose;          /* -v/--verbose */
        const char *header;    /* --header FILE: detached LUKS2 header */
        const char *ssh_command; /* --ssh-command CMD: the SSH client of ssh:// vaults */
        const struct yk_backend *const *backends; /* from --transport */
};

/* Parses argv (argv[0] is the verb's name) with the options the table (cli/table.h) gives
 * g->verb, global ones included, accepted before or after the verb's arguments. An option that
 * takes a value may be given once. For each of the verb's own options, calls
 * on_option(id, optarg, userdata), which returns EXIT_OK or an exit code (after printing the
 * error). Checks the number of positional arguments against the table; on success they are
 * argv[*ret_first]... Returns EXIT_OK, or an exit code (usage error, or EXIT_OK after --help or
 * --version with *ret_done set). */
typedef int (*cli_option_cb)(int id, const char *arg, void *userdata);
int cli_parse_options(int argc, char **argv, struct cli_global *g, cli_option_cb on_option, void *userdata,
                      int *ret_first, bool *ret_done);

/* When the verb was given --json: prints {"version": 1, "error": {"message", "exit_code"}} on
 * stdout for a failed command (code != 0), with the first error message. Returns code. */
int cli_json_error_finish(int code);

/* Whether a question may be asked: stdin is a terminal and there is no -q/--batch-mode. */
bool cli_may_ask(const struct cli_global *g);

/* Prints "ykunlock: MESSAGE" on stderr and returns the exit code for r (cli/exit-code.c). */
int cli_error(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like cli_error, for an error on a file named on the command line: there EACCES and EPERM
 * mean permission denied (exit 11), not a token's refusal or a need for root. */
int cli_file_error(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "ykunlock: MESSAGE" on stderr (advice, progress). */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like cli_info, only with --verbose or --debug. */
void cli_debug(const struct cli_global *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What our shared errnos mean to a person, for messages: "the PC/SC service (pcscd) is not
 * running", "another program, such as scdaemon or gpg-agent, holds the card", ... */
const char *cli_strerror(int r);

/* A string from a header (label, token type, dates) made safe for the terminal: control
 * characters (C0, DEL, and C1 as UTF-8) and the backslash become \xNN; cut to fit len.
 * Returns buf. */
const char *cli_escape(const char *s, char *buf, size_t len);
/* Whether s has a character cli_escape would change (other than the backslash). */
bool cli_has_control(const char *s);

/* Usage errors: one line, exit code 1. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --timeout S: seconds from 0 to 86400 into *ret; EXIT_OK, or the usage error. */
int cli_parse_timeout(const char *arg, unsigned *ret);

/* Options that read a file or "-" (stdin): refuse two that both read stdin. */
int cli_check_one_stdin(const char *const *paths, const char *const *names, int n);

/* The verbs. */
int verb_token_list(int argc, char **argv, struct cli_global *g);
int verb_token_setup(int argc, char **argv, struct cli_global *g);
int verb_create(int argc, char **argv, struct cli_global *g);
int verb_enroll(int argc, char **argv, struct cli_global *g);
int verb_unenroll(int argc, char **argv, struct cli_global *g);
int verb_list(int argc, char **argv, struct cli_global *g);
int verb_open(int argc, char **argv, struct cli_global *g);
int verb_close(int argc, char **argv, struct cli_global *g);
int verb_status(int argc, char **argv, struct cli_global *g);
int verb_plug_event(int argc, char **argv, struct cli_global *g);
int verb_passphrase(int argc, char **argv, struct cli_global *g);
int verb_header_backup(int argc, char **argv, struct cli_global *g);
int verb_header_restore(int argc, char **argv, struct cli_global *g);
int verb_recovery_key(int argc, char **argv, struct cli_global *g);
int verb_grow(int argc, char **argv, struct cli_global *g);
int verb_backup(int argc, char **argv, struct cli_global *g);
