/* The one option table of the command line (src/cli/table.c), walked: every verb's help lists
 * exactly the options its parser accepts (long and short), names are unique per verb, help
 * lines are one line, and the exit-code mapping gives the codes docs/cli.md documents. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/exit-code.h"
#include "cli/table.h"
#include "shared/errors.h"

/* Runs fn(arg) with stdout captured into buf. */
static void capture(void (*fn)(const void *), const void *arg, char *buf, size_t len) {
        fflush(stdout);
        int saved = dup(STDOUT_FILENO), fd = memfd_create("help", 0);
        assert_true(saved >= 0 && fd >= 0);
        assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
        fn(arg);
        fflush(stdout);
        assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
        ssize_t n = pread(fd, buf, len - 1, 0);
        assert_true(n >= 0);
        buf[n] = '\0';
        close(fd);
        close(saved);
}

static void verb_help(const void *v) {
        cli_print_verb_help(v);
}

/* Whether the help text has a line listing --name. */
static bool help_lists(const char *help, const char *name) {
        char needle[80];
        snprintf(needle, sizeof(needle), "--%s", name);
        for (const char *p = strstr(help, needle); p; p = strstr(p + 1, needle)) {
                const char *line = p;
                while (line > help && line[-1] != '\n')
                        line--;
                char end = p[strlen(needle)];
                /* an option line starts with two spaces, and the name ends there */
                if (strncmp(line, "  ", 2) == 0 && (end == ' ' || end == '\n') && p - line < 12)
                        return true;
        }
        return false;
}

static int accept_all(int id, const char *arg, void *userdata) {
        (void) id, (void) arg, (void) userdata;
        return EXIT_OK;
}

/* Parses "VERB OPT [value] ARGS..." with as many arguments as the verb needs. */
static int try_parse(const struct cli_verb_def *v, const char *opt, const struct cli_option_def *o) {
        char *argv[8] = { (char *) v->name, (char *) opt };
        int argc = 2;
        if (o && o->metavar)
                argv[argc++] = (char *) (o->id == CLI_OPT_TRANSPORT ? "auto" : "1");
        for (int i = 0; i < v->min_args; i++)
                argv[argc++] = (char *) "ARG";
        struct cli_global g = { .verb = v };
        int first;
        bool done;
        return cli_parse_options(argc, argv, &g, accept_all, NULL, &first, &done);
}

/* "VERB --name [value] ARGS...". */
static int try_option(const struct cli_verb_def *v, const struct cli_option_def *o) {
        char opt[64];
        snprintf(opt, sizeof(opt), "--%s", o->long_name);
        return try_parse(v, opt, o);
}

/* Every long option: listed in v's help exactly when v's parser takes it. */
static void check_long_options(const struct cli_verb_def *v, const char *help) {
        for (size_t k = 0; k < cli_n_options; k++) {
                const struct cli_option_def *o = &cli_options[k];
                bool takes = cli_find_option(v, o->long_name, 0) != NULL;
                if (help_lists(help, o->long_name) != takes)
                        fail_msg("%s --help %s --%s, which it %s", v->name, takes ? "omits" : "lists", o->long_name,
                                 takes ? "accepts" : "refuses");
                if (o->id == CLI_OPT_HELP || o->id == CLI_OPT_VERSION)
                        continue; /* they print and end */
                int code = try_option(v, o);
                if ((code == EXIT_OK) != takes)
                        fail_msg("%s --%s: parser says %d, the table says %s", v->name, o->long_name, code,
                                 takes ? "taken" : "not taken");
        }
}

/* Whether the help text has an option line that starts with "-c,". */
static bool help_lists_short(const char *help, char c) {
        char needle[8];
        snprintf(needle, sizeof(needle), "\n  -%c,", c);
        return strstr(help, needle) != NULL;
}

/* Every letter and digit as a short option: taken exactly when v's help lists it, on the line
 * of the long option whose short form it is. */
static void check_short_options(const struct cli_verb_def *v, const char *help) {
        static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        for (const char *c = letters; *c; c++) {
                const struct cli_option_def *o = cli_find_option(v, NULL, *c);
                if (help_lists_short(help, *c) != (o != NULL))
                        fail_msg("%s --help %s -%c", v->name, o ? "omits" : "lists", *c);
                if (o && (o->id == CLI_OPT_HELP || o->id == CLI_OPT_VERSION))
                        continue;
                const char opt[3] = { '-', *c, '\0' };
                int code = try_parse(v, opt, o);
                if ((code == EXIT_OK) != (o != NULL))
                        fail_msg("%s -%c: parser says %d, the table says %s", v->name, *c, code,
                                 o ? "taken" : "not taken");
        }
}

static void test_help_lists_what_the_parser_accepts(void **state) {
        (void) state;
        static char help[16384];
        for (size_t i = 0; i < cli_n_verbs; i++) {
                const struct cli_verb_def *v = &cli_verbs[i];
                if (!v->run)
                        continue;
                capture(verb_help, v, help, sizeof(help));
                check_long_options(v, help);
                check_short_options(v, help);
        }
}

static void test_names_unique_per_verb(void **state) {
        (void) state;
        for (size_t i = 0; i < cli_n_verbs; i++) {
                const struct cli_verb_def *v = &cli_verbs[i];
                for (size_t j = i + 1; j < cli_n_verbs; j++)
                        assert_string_not_equal(v->name, cli_verbs[j].name);
                if (!v->run)
                        continue;
                for (size_t a = 0; a < cli_n_options; a++)
                        for (size_t b = a + 1; b < cli_n_options; b++) {
                                const struct cli_option_def *x = &cli_options[a], *y = &cli_options[b];
                                if (!cli_verb_takes(v, x) || !cli_verb_takes(v, y))
                                        continue;
                                if (strcmp(x->long_name, y->long_name) == 0 ||
                                    (x->short_name && x->short_name == y->short_name))
                                        fail_msg("%s takes --%s twice", v->name, x->long_name);
                        }
        }
}

static void test_rows_well_formed(void **state) {
        (void) state;
        for (size_t k = 0; k < cli_n_options; k++) {
                const struct cli_option_def *o = &cli_options[k];
                assert_non_null(o->help);
                assert_null(strchr(o->help, '\n'));
                assert_true(strlen(o->long_name) + (o->metavar ? strlen(o->metavar) : 0) < 24);
                /* same long name, same id (and the same kind of value) */
                for (size_t j = 0; j < cli_n_options; j++)
                        if (strcmp(o->long_name, cli_options[j].long_name) == 0) {
                                assert_int_equal(o->id, cli_options[j].id);
                                assert_int_equal(!o->metavar, !cli_options[j].metavar);
                        }
                bool used = o->verbs == CLI_V_GLOBAL;
                for (size_t i = 0; i < cli_n_verbs && !used; i++)
                        used = cli_verbs[i].run && (o->verbs & cli_verbs[i].bit);
                if (!used)
                        fail_msg("--%s: no verb takes it", o->long_name);
        }
        for (size_t i = 0; i < cli_n_verbs; i++) {
                const struct cli_verb_def *v = &cli_verbs[i];
                assert_null(strchr(v->summary, '\n'));
                assert_true(v->max_args < 0 || v->max_args >= v->min_args);
                assert_true(!v->run == !v->bit);
        }
}

static void test_verb_lookup(void **state) {
        (void) state;
        char *token_setup[] = { "token", "setup", "x" }, *open[] = { "open", "x" }, *token[] = { "token" },
             *hb[] = { "header", "backup" }, *reserved[] = { "backup" }, *nope[] = { "opne" };
        int words = 0;
        const struct cli_verb_def *v = cli_find_verb(3, token_setup, &words);
        assert_non_null(v);
        assert_string_equal(v->name, "token setup");
        assert_int_equal(words, 2);
        v = cli_find_verb(2, open, &words);
        assert_non_null(v);
        assert_int_equal(words, 1);
        assert_null(cli_find_verb(1, token, &words));
        assert_true(cli_is_group("token") && cli_is_group("header") && !cli_is_group("open"));
        v = cli_find_verb(2, hb, &words);
        assert_non_null(v);
        assert_string_equal(v->name, "header backup");
        assert_int_equal(words, 2);
        v = cli_find_verb(1, reserved, &words);
        assert_non_null(v);
        assert_non_null(v->run);
        assert_null(cli_find_verb(1, nope, &words));
}

static void test_repeated_value_refused(void **state) {
        (void) state;
        int words;
        char *name[] = { "list" };
        const struct cli_verb_def *v = cli_find_verb(1, name, &words);
        char *argv[] = { "list", "--serial", "1", "--serial", "2", "IMG" };
        struct cli_global g = { .verb = v };
        int first;
        bool done;
        assert_int_equal(cli_parse_options(6, argv, &g, accept_all, NULL, &first, &done), EXIT_USAGE);
        char *flags[] = { "list", "-v", "--verbose", "IMG" };
        g = (struct cli_global) { .verb = v };
        assert_int_equal(cli_parse_options(4, flags, &g, accept_all, NULL, &first, &done), EXIT_OK);
        assert_true(g.verbose);
        /* getopt_long would take a prefix: --pin for open's --pin-file */
        char *open_name[] = { "open" };
        g = (struct cli_global) { .verb = cli_find_verb(1, open_name, &words) };
        char *prefix[] = { "open", "--pin", "x", "IMG" };
        assert_int_equal(cli_parse_options(4, prefix, &g, accept_all, NULL, &first, &done), EXIT_USAGE);
        g = (struct cli_global) { .verb = v };
        char *too_many[] = { "list", "A", "B" };
        assert_int_equal(cli_parse_options(3, too_many, &g, accept_all, NULL, &first, &done), EXIT_USAGE);
}

static void test_exit_codes(void **state) {
        (void) state;
        assert_int_equal(exit_code_from_errno(0), EXIT_OK);
        assert_int_equal(exit_code_from_errno(-ENOENT), EXIT_USAGE);    /* create in a missing directory */
        assert_int_equal(exit_code_from_errno(-EEXIST), EXIT_REFUSED);  /* open: the name is open already */
        assert_int_equal(exit_code_from_errno(-ENOTTY), EXIT_REFUSED);  /* a question and no terminal */
        assert_int_equal(exit_code_from_file_errno(-EACCES), EXIT_PERMISSION);
        assert_int_equal(exit_code_from_file_errno(-EPERM), EXIT_PERMISSION);
        assert_int_equal(exit_code_from_file_errno(-ENOENT), EXIT_USAGE);
        assert_int_equal(exit_code_from_errno(-YK_ERR_NO_SERVICE), EXIT_NO_SERVICE);
        assert_int_equal(exit_code_from_errno(-ENOMEM), EXIT_INTERNAL);
        /* the rows that --help and the man page print */
        assert_string_equal(exit_code_rows[EXIT_PERMISSION].code, "11");
        assert_string_equal(exit_code_rows[EXIT_PERMISSION].meaning, "permission denied on a file or device");
        assert_string_equal(exit_code_rows[EXIT_PARTIAL].code, "12");
        assert_string_equal(exit_code_rows[EXIT_PARTIAL].meaning, "the work was done only in part");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_help_lists_what_the_parser_accepts),
                cmocka_unit_test(test_names_unique_per_verb),
                cmocka_unit_test(test_rows_well_formed),
                cmocka_unit_test(test_verb_lookup),
                cmocka_unit_test(test_repeated_value_refused),
                cmocka_unit_test(test_exit_codes),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
