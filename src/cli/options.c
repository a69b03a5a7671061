#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/prompt.h"
#include "cli/table.h"
#include "shared/errors.h"
#include "shared/macros.h"
#include "shared/parse.h"

/* With --json, the first error is also given as JSON on stdout (cli_json_error_finish). */
static bool json_errors;
static char first_error[1024];

static int parse_global(int id, const char *arg, struct cli_global *g) {
        uint64_t v;
        switch (id) {
        case CLI_OPT_BATCH:
                g->batch = true;
                return EXIT_OK;
        case CLI_OPT_VERBOSE:
                g->verbose = true;
                return EXIT_OK;
        case CLI_OPT_DEBUG:
                g->debug = true;
                return EXIT_OK;
        case CLI_OPT_READER:
                g->reader = arg;
                return EXIT_OK;
        case CLI_OPT_SERIAL:
                if (parse_uint64(arg, UINT32_MAX, &v) < 0)
                        return cli_usage_error("--serial takes a decimal serial number, not '%s'", arg);
                g->serial_set = true;
                g->serial = (uint32_t) v;
                return EXIT_OK;
        case CLI_OPT_TRANSPORT:
                if (strcmp(arg, "pcsc") != 0 && strcmp(arg, "hid") != 0 && strcmp(arg, "auto") != 0)
                        return cli_usage_error("--transport takes pcsc, hid or auto, not '%s'", arg);
                g->transport = arg;
                return EXIT_OK;
        case CLI_OPT_HEADER:
                g->header = arg;
                return EXIT_OK;
        case CLI_OPT_SSH_COMMAND:
                g->ssh_command = arg;
                return EXIT_OK;
        }
        return cli_error(-EINVAL, "internal: global option %d has no parser", id);
}

_Static_assert(CLI_OPT_OUTPUT - CLI_OPT_HELP < 64, "one bit per option id in cli_parse_options");

/* The getopt_long table and short-option string of the options the verb takes. */
static int build_getopt(const struct cli_verb_def *v, struct option **ret_long, char **ret_short) {
        _cleanup_(freep) struct option *all = calloc(cli_n_options + 1, sizeof(*all));
        _cleanup_(freep) char *shorts = calloc(2 * cli_n_options + 1, 1);
        if (!all || !shorts)
                return -ENOMEM;
        size_t n = 0, k = 0;
        for (size_t i = 0; i < cli_n_options; i++) {
                const struct cli_option_def *o = &cli_options[i];
                if (!cli_verb_takes(v, o))
                        continue;
                all[n++] = (struct option) { o->long_name, o->metavar ? required_argument : no_argument, NULL,
                                             (int) o->id };
                if (o->short_name) {
                        shorts[k++] = o->short_name;
                        if (o->metavar)
                                shorts[k++] = ':';
                }
        }
        *ret_long = TAKE_PTR(all);
        *ret_short = TAKE_PTR(shorts);
        return 0;
}

static const char *option_name(int id) {
        for (size_t i = 0; i < cli_n_options; i++)
                if ((int) cli_options[i].id == id)
                        return cli_options[i].long_name;
        return "?";
}

/* One option parsed: help and version end the command; a value given twice is refused (but
 * --exclude, which takes one pattern each time). */
static int one_option(struct cli_global *g, int id, const char *arg, uint64_t *seen, cli_option_cb on_option,
                      void *userdata, bool *ret_done) {
        if (id == CLI_OPT_HELP) {
                cli_print_verb_help(g->verb);
                *ret_done = true;
                return EXIT_OK;
        }
        if (id == CLI_OPT_VERSION) {
                printf("ykunlock %s\n", YKUNLOCK_VERSION);
                *ret_done = true;
                return EXIT_OK;
        }
        uint64_t bit = UINT64_C(1) << ((unsigned) (id - CLI_OPT_HELP) & 63);
        if (arg && (*seen & bit) && id != CLI_OPT_EXCLUDE) /* --exclude: one per pattern */
                return cli_usage_error("--%s was given twice; give it once", option_name(id));
        *seen |= bit;
        return id <= CLI_OPT_SSH_COMMAND ? parse_global(id, arg, g) : on_option(id, arg, userdata);
}

/* getopt_long takes any unambiguous prefix (--pin for --pin-file): only full names are
 * accepted, so that a verb takes exactly the options its help lists. */
static int check_long_names(int argc, char **argv, const struct cli_verb_def *v) {
        for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
                if (strncmp(argv[i], "--", 2) != 0)
                        continue;
                char name[64];
                snprintf(name, sizeof(name), "%.*s", (int) strcspn(argv[i] + 2, "="), argv[i] + 2);
                const struct cli_option_def *o = cli_find_option(v, name, 0);
                if (!o)
                        return cli_usage_error("unknown or incomplete option '%s' for '%s' (see ykunlock %s --help)",
                                               argv[i], v->name, v->name);
                if (o->metavar && !strchr(argv[i], '='))
                        i++; /* its value, whatever it looks like */
        }
        return EXIT_OK;
}

static int check_arg_count(const struct cli_verb_def *v, int n) {
        if (n >= v->min_args && (v->max_args < 0 || n <= v->max_args))
                return EXIT_OK;
        if (v->max_args == 0)
                return cli_usage_error("%s takes no arguments (see ykunlock %s --help)", v->name, v->name);
        return cli_usage_error("%s takes %s (see ykunlock %s --help)", v->name, v->args, v->name);
}

int cli_parse_options(int argc, char **argv, struct cli_global *g, cli_option_cb on_option, void *userdata,
                      int *ret_first, bool *ret_done) {
        const struct cli_verb_def *v = g->verb;
        _cleanup_(freep) struct option *longs = NULL;
        _cleanup_(freep) char *shorts = NULL;
        if (build_getopt(v, &longs, &shorts) < 0)
                return cli_error(-ENOMEM, "out of memory");

        int code = check_long_names(argc, argv, v);
        if (code != EXIT_OK)
                return code;
        if (cli_find_option(v, "json", 0))
                for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                        json_errors = json_errors || strcmp(argv[i], "--json") == 0;
        *ret_done = false;
        optind = 0; /* glibc: 0 also resets the state a previous parse that ended early left behind */
        opterr = 0;
        uint64_t seen = 0;
        for (;;) {
                /* GNU getopt permutes: options may come before or after the positional
                 * arguments, which end up at argv[optind...]. */
                int id = getopt_long(argc, argv, shorts, longs, NULL);
                if (id == -1)
                        break;
                if (id == '?' || id == ':')
                        return cli_usage_error("unknown or incomplete option '%s' for '%s' (see ykunlock %s --help)",
                                               argv[optind - 1], v->name, v->name);
                if (id < CLI_OPT_HELP) { /* a short option: its row's id */
                        const struct cli_option_def *o = cli_find_option(v, NULL, (char) id);
                        id = o ? (int) o->id : id;
                }
                code = one_option(g, id, optarg, &seen, on_option, userdata, ret_done);
                if (code != EXIT_OK || *ret_done)
                        return code;
        }
        code = check_arg_count(v, argc - optind);
        if (code != EXIT_OK)
                return code;

        int r = yk_token_backends(g->transport ? g->transport : "auto", &g->backends);
        if (r < 0)
                return cli_error(r, "transport '%s' is not available in this build", g->transport);

        *ret_first = optind;
        return EXIT_OK;
}

bool cli_may_ask(const struct cli_global *g) {
        return !g->batch && stdin_is_terminal();
}

/* A message goes out as one write(2): plug-event's children share stderr, and a line
 * written in three pieces interleaves with a sibling's ("ykunlock: ykunlock: v1: …v2: …"). */
__attribute__((format(printf, 1, 0))) static void vmessage(const char *fmt, va_list ap) {
        /* On failure the *asprintf pointers are undefined: reset them before the cleanup sees them. */
        _cleanup_(freep) char *text = NULL;
        _cleanup_(freep) char *line = NULL;
        if (vasprintf(&text, fmt, ap) < 0)
                text = NULL;
        if (!text || asprintf(&line, "ykunlock: %s\n", text) < 0) {
                line = NULL;
                fputs("ykunlock: out of memory while writing a message\n", stderr);
                return;
        }
        fflush(stderr);
        for (size_t done = 0, len = strlen(line); done < len;) {
                ssize_t w = write(STDERR_FILENO, line + done, len - done);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;
                done += (size_t) w;
        }
}


__attribute__((format(printf, 1, 0))) static void verror(const char *fmt, va_list ap) {
        va_list copy;
        va_copy(copy, ap);
        if (!first_error[0])
                vsnprintf(first_error, sizeof(first_error), fmt, copy);
        va_end(copy);
        vmessage(fmt, ap);
}

int cli_json_error_finish(int code) {
        if (!json_errors || code == EXIT_OK)
                return code;
        json_object *root = json_object_new_object(), *error = json_object_new_object();
        json_object_object_add(error, "message", json_object_new_string(first_error[0] ? first_error : "error"));
        json_object_object_add(error, "exit_code", json_object_new_int(code));
        json_object_object_add(root, "version", json_object_new_int(1));
        json_object_object_add(root, "error", error);
        printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        fflush(stdout);
        json_object_put(root);
        return code;
}

int cli_error(int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        verror(fmt, ap);
        va_end(ap);
        int code = exit_code_from_errno(r);
        return code == EXIT_OK ? EXIT_INTERNAL : code;
}

int cli_file_error(int r, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        verror(fmt, ap);
        va_end(ap);
        int code = exit_code_from_file_errno(r);
        return code == EXIT_OK ? EXIT_INTERNAL : code;
}

int cli_parse_timeout(const char *arg, unsigned *ret) {
        uint64_t v;
        if (parse_uint64(arg, 86400, &v) < 0)
                return cli_usage_error("--timeout takes seconds from 0 to 86400, not '%s'", arg);
        *ret = (unsigned) v;
        return EXIT_OK;
}

int cli_usage_error(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        verror(fmt, ap);
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
        if (!g->verbose && !g->debug)
                return;
        va_list ap;
        va_start(ap, fmt);
        vmessage(fmt, ap);
        va_end(ap);
}

const char *cli_strerror(int r) {
        switch (-r) {
        case YK_ERR_NO_SERVICE:
                return "the PC/SC service (pcscd) is not running (systemctl start pcscd.socket starts it)";
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
        case EINTR:
                return "interrupted";
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

/* A control character: C0, DEL, or (at s[0..1]) a C1 one encoded in UTF-8, which some terminals
 * take as CSI. Returns how many bytes it has, or 0. */
static size_t control_len(const unsigned char *s) {
        if (s[0] < 0x20 || s[0] == 0x7f)
                return 1;
        if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
                return 2;
        return 0;
}

bool cli_has_control(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (control_len(p) > 0)
                        return true;
        return false;
}

const char *cli_escape(const char *s, char *buf, size_t len) {
        size_t o = 0;
        for (const unsigned char *p = (const unsigned char *) s; *p && len > 0;) {
                size_t n = control_len(p);
                if (n == 0 && *p != '\\') {
                        if (o + 1 >= len)
                                break;
                        buf[o++] = (char) *p++;
                        continue;
                }
                n = n ? n : 1;
                if (o + 4 * n >= len)
                        break;
                for (size_t i = 0; i < n; i++, p++)
                        o += (size_t) snprintf(buf + o, len - o, "\\x%02x", *p);
        }
        if (len > 0)
                buf[o] = '\0';
        return buf;
}
