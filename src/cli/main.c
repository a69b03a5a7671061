/* ykunlock: the verb table and dispatch. Each verb lives in its own verb-*.c file. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "cli/exit-code.h"

static const struct verb verbs[] = {
        { "token list", "[--json]",
          "List the tokens seen on every transport: transport, reader, serial, firmware, slot 1/2 state.",
          verb_token_list },
        { "token setup",
          "[--slot 1|2] [--touch] [--generate | --secret-file F|-] [--show-secret] [--force]\n"
          "                      [--access-code-file F|-] [--new-access-code-file F|-]",
          "Program a YubiKey slot for HMAC-SHA1 challenge-response (replaces ykman otp chalresp).",
          verb_token_setup },
        { "create",
          "IMAGE --size SIZE [--fill zero|random] [--fs ext4|none] [--header FILE]\n"
          "                      [--label L] [--no-enroll] [--slot 1|2] [--pin | --pin-file F|-]",
          "Create a LUKS2 vault, print its recovery key once (stdout), enroll the token present.\n"
          "      --fill random hides which blocks are used; --fs ext4 (default) needs device-mapper.",
          verb_create },
        { "enroll",
          "DEVICE [--slot 1|2] [--pin | --pin-file F|-] [--replace] [--touch]\n"
          "                      [--recovery-key-file F|- | --passphrase-file F|-]",
          "Enroll a YubiKey in a keyslot of its own (authorised by an enrolled token or a secret).",
          verb_enroll },
        { "unenroll", "DEVICE (--serial N | --token-id N | --keyslot N)",
          "Remove enrolled tokens with their keyslots (never the last way in).", verb_unenroll },
        { "list", "DEVICE [--json]", "List the keyslots of a vault: enrolled tokens, recovery key, leftovers.",
          verb_list },
        { "open",
          "DEVICE [NAME] [--mount DIR] [--test] [--readonly] [--timeout S]\n"
          "                      [--pin-file F|-] [--recovery-key-file F|- | --passphrase-file F|-]",
          "Open a vault with a present enrolled token (one keyslot tried), else the recovery key.",
          verb_open },
        { "close", "NAME [--unmount]", "Close an open vault (unmounting it first with --unmount).", verb_close },
        { "status", "[--config FILE] [--json]",
          "Show the vaults of /etc/ykunlock/vaults: open, suspended or closed, which token opens each.",
          verb_status },
        { "plug-event", "add|remove [--config FILE] [--wait S]",
          "Open or lock the configured vaults when a token arrives or leaves (run by udev's units).",
          verb_plug_event },
        { "passphrase", "DEVICE [--timeout S] [--pin-file F|- | --secret-file F|-] [--output FILE]",
          "Write a present token's keyslot passphrase (checked, 32 raw bytes) to a pipe, for boot scripts.",
          verb_passphrase },
};

static void print_help(void) {
        printf("Usage: ykunlock VERB [OPTIONS]\n\n"
               "Unlock LUKS2 vaults with the HMAC-SHA1 challenge-response slot of a YubiKey.\n\n"
               "Verbs:\n");
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                printf("  ykunlock %s %s\n      %s\n", verbs[i].name, verbs[i].usage, verbs[i].summary);
        printf("\nGlobal options (before or after the verb's arguments):\n"
               "  --reader NAME                 a PC/SC reader whose name contains NAME\n"
               "  --serial N                    the token with this serial number\n"
               "  --transport pcsc|hid|auto     how to reach tokens (default auto)\n"
               "  --header FILE                 a detached LUKS2 header\n"
               "  --verbose                     say more about what happens\n\n"
               "--slot is always the YubiKey slot (1 or 2, default 2), never a LUKS keyslot.\n\n%s",
               exit_code_help);
}

/* Finds the verb named by argv[1] (and argv[2] for "token ..."): returns how many words it
 * took, or 0. */
static size_t find_verb(int argc, char **argv, const struct verb **ret) {
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
                const char *name = verbs[i].name, *space = strchr(name, ' ');
                if (!space) {
                        if (strcmp(argv[1], name) == 0) {
                                *ret = &verbs[i];
                                return 1;
                        }
                        continue;
                }
                if (argc > 2 && strncmp(argv[1], name, (size_t) (space - name)) == 0 &&
                    argv[1][space - name] == '\0' && strcmp(argv[2], space + 1) == 0) {
                        *ret = &verbs[i];
                        return 2;
                }
        }
        return 0;
}

/* Secrets may sit in this process's memory: no core dumps of it. (Only the CLI does this; the
 * plugin lives in someone else's process and marks its pages MADV_DONTDUMP instead.) */
static void forbid_core_dumps(void) {
        struct rlimit none = { 0, 0 };
        (void) setrlimit(RLIMIT_CORE, &none);
        (void) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Global options may also come before the verb ("ykunlock --reader X token list"): moves the
 * verb's words to the front so that the verb's own parser sees every option. Returns the index
 * of the first word of the verb, or argc. */
static int hoist_verb(int argc, char **argv) {
        static const char *const with_value[] = { "--reader", "--serial", "--transport", "--header" };
        int i = 1;
        while (i < argc && strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i], "--help") != 0 &&
               strcmp(argv[i], "--version") != 0) {
                bool takes_value = false;
                for (size_t k = 0; k < sizeof(with_value) / sizeof(with_value[0]); k++)
                        if (strcmp(argv[i], with_value[k]) == 0)
                                takes_value = true;
                i += takes_value ? 2 : 1;
        }
        if (i == 1 || i >= argc)
                return i == 1 ? 1 : argc;
        /* Rotate argv[1..i) behind the verb's words (one, or two for "token ..."). */
        int words = strcmp(argv[i], "token") == 0 && i + 1 < argc ? 2 : 1;
        char *lead[2];
        for (int k = 0; k < words; k++)
                lead[k] = argv[i + k];
        memmove(argv + 1 + words, argv + 1, (size_t) (i - 1) * sizeof(char *));
        for (int k = 0; k < words; k++)
                argv[1 + k] = lead[k];
        return 1;
}

int main(int argc, char **argv) {
        forbid_core_dumps();

        if (hoist_verb(argc, argv) >= argc)
                return cli_usage_error("no verb given (see ykunlock --help)");

        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                print_help();
                return argc < 2 ? EXIT_USAGE : EXIT_OK;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("ykunlock %s\n", YKUNLOCK_VERSION);
                return EXIT_OK;
        }

        const struct verb *verb = NULL;
        size_t words = find_verb(argc, argv, &verb);
        if (words == 0)
                return cli_usage_error("unknown verb '%s%s%s' (see ykunlock --help)", argv[1],
                                       argc > 2 && strcmp(argv[1], "token") == 0 ? " " : "",
                                       argc > 2 && strcmp(argv[1], "token") == 0 ? argv[2] : "");

        struct cli_global g = {};
        /* The verb sees its own name as argv[0]. */
        return verb->run(argc - (int) words, argv + words, &g);
}
