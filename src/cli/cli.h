/* What every verb shares: the global options, the verb table entry, option parsing and the
 * one way to report an error. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "otp/discover.h"

struct cli_global {
        const char *reader;    /* --reader: PC/SC reader substring */
        bool serial_set;       /* --serial */
        uint32_t serial;
        const char *transport; /* --transport pcsc|hid|auto */
        bool verbose;          /* --verbose */
        const char *header;    /* --header FILE: detached LUKS2 header */
        const struct yk_backend *const *backends; /* from --transport */
};

struct verb {
        const char *name;  /* "create", "token list", ... */
        const char *usage; /* the arguments, for --help */
        const char *summary;
        int (*run)(int argc, char **argv, struct cli_global *g); /* returns an exit code */
};

/* Parses argv with the verb's own options plus the global ones, accepted before or after the
 * verb's arguments. For each verb option, calls on_option(id, optarg, userdata), which returns
 * EXIT_OK or an exit code (after printing the error). On success, argv[*ret_first]...
 * are the positional arguments. Returns 0, or an exit code (usage error, or 0 after --help
 * with *ret_done set). */
typedef int (*cli_option_cb)(int id, const char *arg, void *userdata);
int cli_parse_options(int argc, char **argv, const struct verb *verb, const struct option *verb_options,
                      cli_option_cb on_option, void *userdata, struct cli_global *g,
                      int *ret_first, bool *ret_done);

/* Prints "ykunlock: MESSAGE" on stderr and returns the exit code for r (cli/exit-code.c). */
int cli_error(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "ykunlock: MESSAGE" on stderr (advice, progress). */
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like cli_info, only with --verbose. */
void cli_debug(const struct cli_global *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What our shared errnos mean to a person, for messages: "the PC/SC service (pcscd) is not
 * running", "another program, such as scdaemon or gpg-agent, holds the card", ... */
const char *cli_strerror(int r);

/* Usage errors: one line, exit code 1. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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
