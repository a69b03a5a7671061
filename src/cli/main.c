/* ykunlock: dispatch through the one table (cli/table.c). Each verb lives in its own verb-*.c. */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/signals.h"
#include "cli/table.h"

/* Secrets may sit in this process's memory: no core dumps of it. (Only the CLI does this; the
 * plugin lives in someone else's process and marks its pages MADV_DONTDUMP instead.) */
static void forbid_core_dumps(void) {
        struct rlimit none = { 0, 0 };
        (void) setrlimit(RLIMIT_CORE, &none);
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* How many words argv[i] takes as a global option before the verb (2 with a separate value). */
static int global_option_words(const char *arg) {
        if (arg[0] != '-' || arg[1] == '\0')
                return 0;
        for (size_t k = 0; k < cli_n_options; k++) {
                const struct cli_option_def *o = &cli_options[k];
                if (o->verbs != CLI_V_GLOBAL)
                        continue;
                if (arg[1] != '-')
                        return 1; /* -q, -v, ... (no global short option takes a value) */
                if (strcmp(arg + 2, o->long_name) == 0)
                        return o->metavar ? 2 : 1;
        }
        return 1; /* unknown, or --opt=value: the verb's parser judges it */
}

/* Global options may also come before the verb ("ykunlock --reader X token list"): moves the
 * verb's words to the front so that the verb's own parser sees every option. Returns the number
 * of leading option words (0 when argv[1] is the verb), or -1 when there is no verb. */
static int hoist_verb(int argc, char **argv) {
        int i = 1;
        for (int w; i < argc && (w = global_option_words(argv[i])) > 0;)
                i += w;
        if (i >= argc)
                return -1;
        if (i == 1)
                return 0;
        /* Rotate argv[1..i) behind the verb's words (one, or two for a group such as "token"). */
        int words = cli_is_group(argv[i]) && i + 1 < argc ? 2 : 1;
        char *lead[2];
        for (int k = 0; k < words; k++)
                lead[k] = argv[i + k];
        memmove(argv + 1 + words, argv + 1, (size_t) (i - 1) * sizeof(char *));
        for (int k = 0; k < words; k++)
                argv[1 + k] = lead[k];
        return i - 1;
}

static bool is_help(const char *arg) {
        return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static bool is_version(const char *arg) {
        return strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0;
}

/* Only options and no verb: --help, --version, or a usage error. */
static int no_verb(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                if (is_help(argv[i])) {
                        cli_print_main_help();
                        return EXIT_OK;
                }
                if (is_version(argv[i])) {
                        printf("ykunlock %s\n", YKUNLOCK_VERSION);
                        return EXIT_OK;
                }
        }
        if (argc < 2)
                cli_print_main_help();
        return cli_usage_error("no verb given (see ykunlock --help)");
}

/* ykunlock help [VERB...] */
static int help(int n, char **words) {
        int used;
        if (n == 0)
                cli_print_main_help();
        else if (n == 1 && cli_print_group_help(words[0]))
                ;
        else {
                const struct cli_verb_def *v = cli_find_verb(n, words, &used);
                if (!v || used != n)
                        return cli_usage_error("no verb '%s%s%s' to help with (see ykunlock --help)", words[0],
                                               n > 1 ? " " : "", n > 1 ? words[1] : "");
                cli_print_verb_help(v);
        }
        return EXIT_OK;
}

/* No such verb: a group word alone ("ykunlock token --help"), or a usage error. */
static int unknown_verb(int argc, char **argv) {
        if (cli_is_group(argv[1])) {
                if (argc > 2 && is_help(argv[2])) {
                        cli_print_group_help(argv[1]);
                        return EXIT_OK;
                }
                if (argc < 3 || argv[2][0] == '-')
                        return cli_usage_error("'%s' needs a verb (see ykunlock %s --help)", argv[1], argv[1]);
                return cli_usage_error("unknown verb '%s %s' (see ykunlock %s --help)", argv[1], argv[2], argv[1]);
        }
        return cli_usage_error("unknown verb '%s' (see ykunlock --help)", argv[1]);
}

static int run(int argc, char **argv) {
        if (hoist_verb(argc, argv) < 0)
                return no_verb(argc, argv);
        if (strcmp(argv[1], "help") == 0)
                return help(argc - 2, argv + 2);

        int words;
        const struct cli_verb_def *v = cli_find_verb(argc - 1, argv + 1, &words);
        if (!v)
                return unknown_verb(argc, argv);
        if (!v->run) {
                for (int i = 1 + words; i < argc; i++)
                        if (is_help(argv[i])) {
                                cli_print_verb_help(v);
                                return EXIT_OK;
                        }
                return cli_usage_error("'%s' is not implemented yet: the name is reserved for a later release", v->name);
        }
        struct cli_global g = { .verb = v };
        /* The verb sees its own name as argv[0]. */
        return v->run(argc - words, argv + words, &g);
}

int main(int argc, char **argv) {
        forbid_core_dumps();
        int code = cli_json_error_finish(run(argc, argv));
        /* Stopped by SIGINT/SIGTERM/SIGHUP: the verb has cleaned up; now die of the signal. */
        cli_signals_reraise();
        return code;
}
