/* The one table of the command line: every verb and every option, from which option parsing,
 * the options each verb accepts, argument counts and all help text are produced (and later the
 * man page and shell completion). The data is in cli/table.c; walk it with the arrays below. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"

/* One id per option meaning. The same long name may appear in several rows (for different verbs,
 * with a help line of their own) and then shares its id. Ids start above every short option. */
enum cli_opt_id {
        /* global: accepted by every verb */
        CLI_OPT_HELP = 0x100,
        CLI_OPT_VERSION,
        CLI_OPT_BATCH,
        CLI_OPT_VERBOSE,
        CLI_OPT_DEBUG,
        CLI_OPT_READER,
        CLI_OPT_SERIAL,
        CLI_OPT_TRANSPORT,
        CLI_OPT_HEADER,
        CLI_OPT_SSH_COMMAND,
        /* the verbs' own */
        CLI_OPT_JSON,
        CLI_OPT_SLOT,
        CLI_OPT_TOUCH,
        CLI_OPT_GENERATE,
        CLI_OPT_SECRET_FILE,
        CLI_OPT_SHOW_SECRET,
        CLI_OPT_FORCE,
        CLI_OPT_ACCESS_CODE_FILE,
        CLI_OPT_NEW_ACCESS_CODE_FILE,
        CLI_OPT_SIZE,
        CLI_OPT_FILL,
        CLI_OPT_FS,
        CLI_OPT_LABEL,
        CLI_OPT_NO_ENROLL,
        CLI_OPT_PIN,
        CLI_OPT_PIN_FILE,
        CLI_OPT_ALLOW_HIDDEN_SERIAL,
        CLI_OPT_PBKDF_MEMORY,
        CLI_OPT_ITER_TIME,
        CLI_OPT_REPLACE,
        CLI_OPT_SHARE_CHALLENGE_WITH,
        CLI_OPT_RECOVERY_KEY_FILE,
        CLI_OPT_PASSPHRASE_FILE,
        CLI_OPT_TOKEN_ID,
        CLI_OPT_KEYSLOT,
        CLI_OPT_MOUNT,
        CLI_OPT_TEST,
        CLI_OPT_READONLY,
        CLI_OPT_TIMEOUT,
        CLI_OPT_UNMOUNT,
        CLI_OPT_CONFIG,
        CLI_OPT_WAIT,
        CLI_OPT_OUTPUT,
        CLI_OPT_DELETE,
        CLI_OPT_EXCLUDE,
};

/* One bit per verb, for the options' `verbs` masks. */
enum cli_verb_bit {
        CLI_V_TOKEN_LIST = 1u << 0,
        CLI_V_TOKEN_SETUP = 1u << 1,
        CLI_V_CREATE = 1u << 2,
        CLI_V_ENROLL = 1u << 3,
        CLI_V_UNENROLL = 1u << 4,
        CLI_V_LIST = 1u << 5,
        CLI_V_OPEN = 1u << 6,
        CLI_V_CLOSE = 1u << 7,
        CLI_V_STATUS = 1u << 8,
        CLI_V_PLUG_EVENT = 1u << 9,
        CLI_V_PASSPHRASE = 1u << 10,
        CLI_V_HEADER_BACKUP = 1u << 11,
        CLI_V_HEADER_RESTORE = 1u << 12,
        CLI_V_RECOVERY_KEY = 1u << 13,
        CLI_V_GROW = 1u << 14,
        CLI_V_BACKUP = 1u << 15,
        CLI_V_GLOBAL = ~0u, /* every verb */
};

struct cli_option_def {
        enum cli_opt_id id;
        const char *long_name; /* without the dashes */
        char short_name;       /* 0: none */
        const char *metavar;   /* NULL: the option takes no value */
        const char *help;      /* one line */
        unsigned verbs;        /* CLI_V_* bits of the verbs that take it; CLI_V_GLOBAL: all */
};

struct cli_verb_def {
        const char *name;    /* "create", "token list", ... */
        unsigned bit;        /* CLI_V_*; 0 for a reserved name */
        const char *args;    /* the positional arguments, for the usage line ("" for none) */
        int min_args, max_args;
        const char *summary; /* one line, for `ykunlock --help` */
        const char *details; /* more paragraphs for `ykunlock VERB --help`, or NULL */
        int (*run)(int argc, char **argv, struct cli_global *g); /* NULL: not implemented yet */
};

extern const struct cli_option_def cli_options[];
extern const size_t cli_n_options;
extern const struct cli_verb_def cli_verbs[];
extern const size_t cli_n_verbs;

/* Verbs of two words start with a group word ("token", "header"). */
bool cli_is_group(const char *word);

/* The verb named by words[0] (and words[1] for a group), or NULL; *ret_words: how many words. */
const struct cli_verb_def *cli_find_verb(int n, char *const *words, int *ret_words);

/* Whether the verb takes the option (globals: every verb). */
bool cli_verb_takes(const struct cli_verb_def *v, const struct cli_option_def *o);

/* The option row whose long name or short letter this is, for that verb; NULL if it takes none. */
const struct cli_option_def *cli_find_option(const struct cli_verb_def *v, const char *long_name, char short_name);

/* Help, from the table, on stdout. */
void cli_print_main_help(void);
void cli_print_verb_help(const struct cli_verb_def *v);
/* The verbs of a group ("token"): returns false if `group` is none. */
bool cli_print_group_help(const char *group);
