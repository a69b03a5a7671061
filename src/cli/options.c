#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "shared/errors.h"
#include "shared/macros.h"
#include "shared/parse.h"

enum {
        OPT_READER = 0x1000,
        OPT_SERIAL,
        OPT_TRANSPORT,
        OPT_VERBOSE,
        OPT_HEADER,
        OPT_HELP,
};

static const struct option global_options[] = {
        { "reader", required_argument, NULL, OPT_READER },
        { "serial", required_argument, NULL, OPT_SERIAL },
        { "transport", required_argument, NULL, OPT_TRANSPORT },
        { "verbose", no_argument, NULL, OPT_VERBOSE },
        { "header", required_argument, NULL, OPT_HEADER },
        { "help", no_argument, NULL, OPT_HELP },
};

static int parse_global(int id, const char *arg, struct cli_global *g) {
        uint64_t v;
        switch (id) {
        case OPT_READER:
                g->reader = arg;
                return 0;
        case OPT_SERIAL:
                if (parse_uint64(arg, UINT32_MAX, &v) < 0)
                        return cli_usage_error("--serial takes a decimal serial number, not '%s'", arg);
                g->serial_set = true;
                g->serial = (uint32_t) v;
                return 0;
        case OPT_TRANSPORT:
                if (strcmp(arg, "pcsc") != 0 && strcmp(arg, "hid") != 0 && strcmp(arg, "auto") != 0)
                        return cli_usage_error("--transport takes pcsc, hid or auto, not '%s'", arg);
                g->transport = arg;
                return 0;
        case OPT_VERBOSE:
                g->verbose = true;
                return 0;
        case OPT_HEADER:
                g->header = arg;
                return 0;
        }
        return cli_usage_error("internal: unknown global option");
}

static void print_verb_help(const struct verb *verb) {
        printf("Usage: ykunlock %s %s\n\n%s\n\nGlobal options: --reader NAME, --serial N, "
               "--transport pcsc|hid|auto, --verbose, --header FILE\n",
               verb->name, verb->usage, verb->summary);
}

int cli_parse_options(int argc, char **argv, const struct verb *verb, const struct option *verb_options,
                      cli_option_cb on_option, void *userdata, struct cli_global *g,
                      int *ret_first, bool *ret_done) {
        size_t n_verb = 0;
        while (verb_options && verb_options[n_verb].name)
                n_verb++;

        /* One table: the verb's options, then the global ones, then the terminator. */
        _cleanup_(freep) struct option *all = calloc(n_verb + ELEMENTSOF(global_options) + 1, sizeof(*all));
        if (!all)
                return cli_error(-ENOMEM, "out of memory");
        if (n_verb > 0)
                memcpy(all, verb_options, n_verb * sizeof(*all));
        memcpy(all + n_verb, global_options, sizeof(global_options));

        *ret_done = false;
        optind = 1;
        opterr = 0;
        for (;;) {
                /* GNU getopt permutes: options may come before or after the positional
                 * arguments, which end up at argv[optind...]. */
                int id = getopt_long(argc, argv, "h", all, NULL);
                if (id == -1)
                        break;
                if (id == '?' || id == ':')
                        return cli_usage_error("unknown or incomplete option '%s' for '%s' (see ykunlock %s --help)",
                                               argv[optind - 1], verb->name, verb->name);
                if (id == OPT_HELP || id == 'h') {
                        print_verb_help(verb);
                        *ret_done = true;
                        return EXIT_OK;
                }
                int r = id >= OPT_READER ? parse_global(id, optarg, g) : on_option(id, optarg, userdata);
                if (r != EXIT_OK)
                        return r;
        }

        int r = yk_token_backends(g->transport ? g->transport : "auto", &g->backends);
        if (r < 0)
                return cli_error(r, "transport '%s' is not available in this build", g->transport);

        *ret_first = optind;
        return EXIT_OK;
}

__attribute__((format(printf, 1, 0))) static void vmessage(const char *fmt, va_list ap) {
        fputs("ykunlock: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
}

int cli_error(int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vmessage(fmt, ap);
        va_end(ap);
        int code = exit_code_from_errno(r);
        return code == EXIT_OK ? EXIT_INTERNAL : code;
}

int cli_usage_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vmessage(fmt, ap);
        va_end(ap);
        return EXIT_USAGE;
}

void cli_info(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vmessage(fmt, ap);
        va_end(ap);
}

void cli_debug(const struct cli_global *g, const char *fmt, ...) {
        if (!g->verbose)
                return;
        va_list ap;
        va_start(ap, fmt);
        vmessage(fmt, ap);
        va_end(ap);
}

const char *cli_strerror(int r) {
        switch (-r) {
        case YK_ERR_NO_SERVICE:
                return "the PC/SC service (pcscd) is not running";
        case YK_ERR_NO_ANSWER:
                return "the PC/SC service does not answer";
        case YK_ERR_CARD_IN_USE:
                return "another program, such as scdaemon or gpg-agent, holds the card";
        case YK_ERR_REMOVED:
                return "the token was removed";
        case YK_ERR_NOT_OTP:
                return "the card has no OTP application";
        case YK_ERR_GARBAGE:
                return "the token's answer is not the OTP protocol";
        case YK_ERR_NO_TOUCH:
                return "touch was not received";
        case YK_ERR_SLOT_EMPTY:
                return "the slot is not programmed";
        case YK_ERR_NO_TRANSPORT:
                return "the transport is not available";
        default:
                return strerror(-r);
        }
}

int cli_check_one_stdin(const char *const *paths, const char *const *names, int n) {
        int first = -1;
        for (int i = 0; i < n; i++) {
                if (!paths[i] || strcmp(paths[i], "-") != 0)
                        continue;
                if (first >= 0)
                        return cli_usage_error("%s and %s cannot both read standard input", names[first], names[i]);
                first = i;
        }
        return EXIT_OK;
}
