/* The data of the command line: every option and every verb, once. Parsing (cli/options.c),
 * help (cli/help.c) and the tests walk these arrays; nothing else lists options. */
#include "cli/table.h"

#include <string.h>

#include "shared/macros.h"

#define V_ENROLLING (CLI_V_CREATE | CLI_V_ENROLL)

const struct cli_option_def cli_options[] = {
        /* Global options, accepted by every verb, before or after its arguments. */
        { CLI_OPT_HELP, "help", 'h', NULL, "show this help and exit", CLI_V_GLOBAL },
        { CLI_OPT_VERSION, "version", 'V', NULL, "print the version and exit", CLI_V_GLOBAL },
        { CLI_OPT_BATCH, "batch-mode", 'q', NULL, "never ask a question (fail instead of prompting)", CLI_V_GLOBAL },
        { CLI_OPT_VERBOSE, "verbose", 'v', NULL, "say more about what happens", CLI_V_GLOBAL },
        { CLI_OPT_DEBUG, "debug", 0, NULL, "also print libcryptsetup's debug log (never a secret)", CLI_V_GLOBAL },
        { CLI_OPT_READER, "reader", 0, "NAME", "only the PC/SC reader whose name contains NAME", CLI_V_GLOBAL },
        { CLI_OPT_SERIAL, "serial", 0, "N", "only the token with this serial number", CLI_V_GLOBAL },
        { CLI_OPT_TRANSPORT, "transport", 0, "pcsc|hid|auto", "how to reach tokens (default auto)", CLI_V_GLOBAL },
        { CLI_OPT_HEADER, "header", 0, "FILE", "the detached LUKS2 header of the DEVICE or IMAGE", CLI_V_GLOBAL },
        { CLI_OPT_SSH_COMMAND, "ssh-command", 0, "CMD", "the SSH client for ssh:// vaults: ssh (default) or dbclient",
          CLI_V_GLOBAL },

        { CLI_OPT_JSON, "json", 0, NULL, "print JSON (schema in docs/cli.md), errors too",
          CLI_V_TOKEN_LIST | CLI_V_LIST | CLI_V_STATUS },

        /* token setup */
        { CLI_OPT_SLOT, "slot", 0, "1|2", "the YubiKey slot to program (default 2)", CLI_V_TOKEN_SETUP },
        { CLI_OPT_TOUCH, "touch", 0, NULL, "require a touch for each challenge", CLI_V_TOKEN_SETUP },
        { CLI_OPT_GENERATE, "generate", 0, NULL, "generate a random secret (the default)", CLI_V_TOKEN_SETUP },
        { CLI_OPT_SECRET_FILE, "secret-file", 0, "F|-", "the 20-byte secret in hex, from a file or stdin",
          CLI_V_TOKEN_SETUP },
        { CLI_OPT_SHOW_SECRET, "show-secret", 0, NULL, "print the secret once, to program a backup token",
          CLI_V_TOKEN_SETUP },
        { CLI_OPT_FORCE, "force", 0, NULL, "overwrite a slot that is programmed already", CLI_V_TOKEN_SETUP },
        { CLI_OPT_ACCESS_CODE_FILE, "access-code-file", 0, "F|-", "the slot's current access code (6 bytes hex)",
          CLI_V_TOKEN_SETUP },
        { CLI_OPT_NEW_ACCESS_CODE_FILE, "new-access-code-file", 0, "F|-", "protect the slot with this access code",
          CLI_V_TOKEN_SETUP },

        /* create */
        { CLI_OPT_SIZE, "size", 0, "SIZE", "the image size, such as 64M, 500G, 2T (powers of 1024) or 100MB (of 1000)", CLI_V_CREATE },
        { CLI_OPT_FILL, "fill", 0, "zero|random", "write the whole image now (random hides which blocks are used)",
          CLI_V_CREATE },
        { CLI_OPT_FS, "fs", 0, "ext4|none", "make an ext4 file system (default; needs device-mapper and root)",
          CLI_V_CREATE },
        { CLI_OPT_LABEL, "label", 0, "L", "the LUKS2 label and default mapping name (default: the file name)",
          CLI_V_CREATE },
        { CLI_OPT_NO_ENROLL, "no-enroll", 0, NULL, "enroll no token", CLI_V_CREATE },

        /* the new enrollment: create and enroll */
        { CLI_OPT_SLOT, "slot", 0, "1|2", "the YubiKey slot to use (default 2)", V_ENROLLING },
        { CLI_OPT_PIN, "pin", 0, NULL, "ask for a PIN (twice) that becomes part of the key", V_ENROLLING },
        { CLI_OPT_PIN_FILE, "pin-file", 0, "F|-", "read the new PIN from a file (one trailing newline stripped)",
          V_ENROLLING },
        { CLI_OPT_TOUCH, "touch", 0, NULL, "record that the slot needs a touch (a key does not tell)", V_ENROLLING },
        { CLI_OPT_ALLOW_HIDDEN_SERIAL, "allow-hidden-serial", 0, NULL, "enroll a token that does not show its serial",
          V_ENROLLING },
        { CLI_OPT_PBKDF_MEMORY, "pbkdf-memory", 0, "KiB", "argon2id memory of a PIN keyslot (default: cryptsetup's)",
          V_ENROLLING },
        { CLI_OPT_ITER_TIME, "iter-time", 0, "MS", "argon2id time of a PIN keyslot (default: cryptsetup's)",
          V_ENROLLING },
        { CLI_OPT_REPLACE, "replace", 0, NULL, "enroll an enrolled serial anew (its old keyslot goes)", CLI_V_ENROLL },
        { CLI_OPT_SHARE_CHALLENGE_WITH, "share-challenge-with", 0, "DEV",
          "join vault DEV's group: its challenge, one touch for both", CLI_V_ENROLL },

        /* secrets that authorise: enroll and open */
        { CLI_OPT_RECOVERY_KEY_FILE, "recovery-key-file", 0, "F|-", "the recovery key as create printed it",
          CLI_V_ENROLL | CLI_V_OPEN | CLI_V_RECOVERY_KEY },
        { CLI_OPT_PASSPHRASE_FILE, "passphrase-file", 0, "F|-", "a passphrase, raw bytes like cryptsetup's --key-file",
          CLI_V_ENROLL | CLI_V_OPEN | CLI_V_RECOVERY_KEY },

        /* unenroll */
        { CLI_OPT_TOKEN_ID, "token-id", 0, "N", "remove the LUKS2 token N and its keyslot", CLI_V_UNENROLL },
        { CLI_OPT_KEYSLOT, "keyslot", 0, "N", "remove keyslot N left behind by an interrupted enroll",
          CLI_V_UNENROLL },

        /* open */
        { CLI_OPT_MOUNT, "mount", 0, "DIR", "mount the opened vault on DIR", CLI_V_OPEN },
        { CLI_OPT_TEST, "test", 0, NULL, "only check that it opens (no mapping, no device-mapper needed)",
          CLI_V_OPEN },
        { CLI_OPT_READONLY, "readonly", 0, NULL, "open the mapping read-only", CLI_V_OPEN },
        { CLI_OPT_TIMEOUT, "timeout", 0, "S", "wait up to S seconds for an enrolled token (default 30, 0: now)",
          CLI_V_OPEN },
        { CLI_OPT_PIN_FILE, "pin-file", 0, "F|-", "the PIN of the enrolled token, from a file or stdin", CLI_V_OPEN },

        /* grow */
        { CLI_OPT_SIZE, "size", 0, "NEW|+DELTA", "the new size of the image (2G), or how much to add (+512M)",
          CLI_V_GROW },
        { CLI_OPT_TIMEOUT, "timeout", 0, "S", "wait up to S seconds for an enrolled token (default 30, 0: now)",
          CLI_V_GROW },
        { CLI_OPT_PIN_FILE, "pin-file", 0, "F|-", "the PIN of the enrolled token, from a file or stdin", CLI_V_GROW },

        /* backup */
        { CLI_OPT_DELETE, "delete", 0, NULL, "delete files in the vault that are gone from the SOURCEs (rsync --delete)",
          CLI_V_BACKUP },
        { CLI_OPT_EXCLUDE, "exclude", 0, "PATTERN", "skip files matching PATTERN (rsync --exclude; may be repeated)",
          CLI_V_BACKUP },
        { CLI_OPT_TIMEOUT, "timeout", 0, "S", "wait up to S seconds for an enrolled token (default 30, 0: now)",
          CLI_V_BACKUP },
        { CLI_OPT_PIN_FILE, "pin-file", 0, "F|-", "the PIN of the enrolled token, from a file or stdin",
          CLI_V_BACKUP },

        /* close */
        { CLI_OPT_UNMOUNT, "unmount", 0, NULL, "unmount the mapping first", CLI_V_CLOSE },

        /* passphrase: for boot scripts */
        { CLI_OPT_TIMEOUT, "timeout", 0, "S", "wait up to S seconds for an enrolled token (default 30)",
          CLI_V_PASSPHRASE },
        { CLI_OPT_PIN_FILE, "pin-file", 0, "F|-", "the PIN of the enrolled token, from a file or stdin",
          CLI_V_PASSPHRASE },
        { CLI_OPT_SECRET_FILE, "secret-file", 0, "F|-", "no token: check this typed recovery key or passphrase",
          CLI_V_PASSPHRASE },
        { CLI_OPT_OUTPUT, "output", 0, "FILE", "write to FILE (e.g. a FIFO), opened once the passphrase is checked",
          CLI_V_PASSPHRASE },

        /* status and plug-event: the configured vaults */
        { CLI_OPT_CONFIG, "config", 0, "FILE", "the list of vaults (default /etc/ykunlock/vaults)",
          CLI_V_STATUS | CLI_V_PLUG_EVENT },
        { CLI_OPT_WAIT, "wait", 0, "S", "add: wait up to S seconds for the first token (default 10)",
          CLI_V_PLUG_EVENT },
};
const size_t cli_n_options = ELEMENTSOF(cli_options);

const struct cli_verb_def cli_verbs[] = {
        { "token list", CLI_V_TOKEN_LIST, "", 0, 0,
          "List the tokens seen on every transport: transport, reader, serial, firmware, slot 1/2 state.",
          "--reader and --serial show only what matches (nothing matching: exit 3).", verb_token_list },
        { "token setup", CLI_V_TOKEN_SETUP, "", 0, 0,
          "Program a YubiKey slot for HMAC-SHA1 challenge-response (replaces ykman otp chalresp).",
          "The answer to a test challenge is checked against the HMAC computed here. Several tokens\n"
          "present: --serial or --reader picks the one to program.",
          verb_token_setup },
        { "create", CLI_V_CREATE, "IMAGE", 1, 1,
          "Create a LUKS2 vault, print its recovery key once (stdout), enroll the token present.",
          "The image is sparse unless --fill. The recovery key is the only thing on stdout when stdout\n"
          "is not a terminal. The one token present is enrolled right away (several: --serial picks\n"
          "one; --no-enroll: none). --size is required for an image. A block device is formatted\n"
          "whole, without --size, after typing YES at a terminal (-q: no question; no terminal and\n"
          "no -q: refused, exit 5).",
          verb_create },
        { "enroll", CLI_V_ENROLL, "DEVICE", 1, 1,
          "Enroll a YubiKey in a keyslot of its own (authorised by an enrolled token or a secret).",
          "Authorised by an enrolled token that is present, the recovery key (--recovery-key-file), a\n"
          "passphrase (--passphrase-file), or by asking at the terminal. Several tokens present:\n"
          "--serial picks the one to enroll. --share-challenge-with DEV copies the challenge of the\n"
          "same key and slot in vault DEV once the key's response opens DEV (docs/token-format.md).",
          verb_enroll },
        { "unenroll", CLI_V_UNENROLL, "DEVICE", 1, 1,
          "Remove enrolled tokens with their keyslots (never the last way in).",
          "Exactly one of --serial N (every token of that serial), --token-id N, or --keyslot N (a\n"
          "keyslot left behind by an interrupted enroll).",
          verb_unenroll },
        { "list", CLI_V_LIST, "DEVICE", 1, 1,
          "List the keyslots of a vault: enrolled tokens, recovery key, leftovers.",
          "One row per keyslot (and per token without one): serial, slot, touch, PIN, created.", verb_list },
        { "open", CLI_V_OPEN, "DEVICE [NAME]", 1, 2,
          "Open a vault with a present enrolled token (one keyslot tried), else the recovery key.",
          "Opens it as /dev/mapper/NAME (default NAME: its label); one keyslot is tried, the one bound to\n"
          "the token. No token present: waits --timeout seconds, then asks for the recovery key or a\n"
          "passphrase when standard input is a terminal and there is no -q (exit 3 otherwise).",
          verb_open },
        { "close", CLI_V_CLOSE, "NAME", 1, 1, "Close an open vault (unmounting it first with --unmount).", NULL,
          verb_close },
        { "passphrase", CLI_V_PASSPHRASE, "DEVICE", 1, 1,
          "Write a present token's keyslot passphrase (checked, 32 raw bytes) to a pipe, for boot scripts.",
          "Checked against its keyslot first (nothing is activated); a terminal on standard output is\n"
          "refused. A token whose response opens nothing writes nothing and exits 2. --secret-file: no\n"
          "token; checks what was typed at a boot prompt and writes the bytes its keyslot takes.",
          verb_passphrase },
        { "status", CLI_V_STATUS, "", 0, 0,
          "Show the vaults of /etc/ykunlock/vaults: open, suspended or closed, which token opens each.",
          "Or those of --config FILE. --json: the schema of docs/cli.md.", verb_status },
        { "plug-event", CLI_V_PLUG_EVENT, "add|remove", 1, 1,
          "Open or lock the configured vaults when a token arrives or leaves (run by udev's units).",
          "add opens (and mounts) the configured vaults a present token is enrolled in and resumes\n"
          "suspended ones; remove closes or suspends those whose tokens are gone. One line per vault.",
          verb_plug_event },

        /* Growing a vault and backing up into it (docs/cli.md). */
        { "grow", CLI_V_GROW, "VAULT", 1, 1,
          "Grow a vault: the image, then its open mapping, then its ext4 file system (online when mounted).",
          "--size NEW (an absolute size) or +DELTA (an increment) for an image, which never shrinks; a block\n"
          "device grows with its partition (grow the partition first, no --size). An open vault's mapping\n"
          "is resized (a touch when its key is in the kernel keyring) and its ext4 grown online when\n"
          "mounted, after e2fsck -f when not. A closed vault is opened under a name of ours for e2fsck\n"
          "and resize2fs, then closed. A step that fails after the image grew: exit 12, the vault still\n"
          "opens, and the same command again finishes the rest.",
          verb_grow },
        { "backup", CLI_V_BACKUP, "VAULT SOURCE...", 2, -1,
          "Copy SOURCEs into a vault: open (one touch), mount, rsync -a, sync, unmount, close.",
          "The vault is mounted on a private directory under /run/ykunlock; rsync -a copies each SOURCE\n"
          "into it as rsync would (a trailing / copies a directory's contents), with its progress at a\n"
          "terminal. Unmounted and closed also after a failure, SIGINT or SIGTERM (rsync is stopped\n"
          "first). Exit 0 only for a complete copy; 12 when rsync could not copy everything (its exit\n"
          "status 23, 24, or another failure). A vault that is open already is refused (exit 5).",
          verb_backup },
        { "header backup", CLI_V_HEADER_BACKUP, "VAULT FILE", 2, 2,
          "Save a vault's LUKS2 header (every keyslot and token) into a new file.",
          "FILE must not exist; it is created with mode 0400. Keep it apart from the image: restored, it\n"
          "brings back every keyslot it holds, also of tokens removed since and of an old recovery key.",
          verb_header_backup },
        { "header restore", CLI_V_HEADER_RESTORE, "VAULT FILE", 2, 2,
          "Write a saved LUKS2 header back, after showing the keyslots and tokens it gains and loses.",
          "A backup of another vault (another UUID) is refused. Asks for YES at a terminal; -q does not ask;\n"
          "with no terminal and no -q it is refused (exit 5). A header too damaged to read is replaced\n"
          "after the same question.",
          verb_header_restore },
        { "recovery-key", CLI_V_RECOVERY_KEY, "VAULT", 1, 1,
          "Make a new recovery key, shown once (stdout); the old one goes once the new one opens the vault.",
          "Authorised like enroll: --recovery-key-file (the current key), --passphrase-file, an enrolled\n"
          "token that is present, or asking at the terminal. A vault without a recovery key (made by\n"
          "stock cryptsetup) gets one; its passphrase keyslots stay. If the key cannot be shown, it is\n"
          "removed again and nothing changes.",
          verb_recovery_key },
};
const size_t cli_n_verbs = ELEMENTSOF(cli_verbs);

bool cli_is_group(const char *word) {
        size_t n = strlen(word);
        for (size_t i = 0; i < cli_n_verbs; i++)
                if (strncmp(cli_verbs[i].name, word, n) == 0 && cli_verbs[i].name[n] == ' ')
                        return true;
        return false;
}

const struct cli_verb_def *cli_find_verb(int n, char *const *words, int *ret_words) {
        if (n < 1)
                return NULL;
        bool group = cli_is_group(words[0]);
        if (group && n < 2)
                return NULL;
        for (size_t i = 0; i < cli_n_verbs; i++) {
                const char *name = cli_verbs[i].name, *space = strchr(name, ' ');
                if (!group && !space && strcmp(words[0], name) == 0) {
                        *ret_words = 1;
                        return &cli_verbs[i];
                }
                if (group && space && strncmp(words[0], name, (size_t) (space - name)) == 0 &&
                    words[0][space - name] == '\0' && strcmp(words[1], space + 1) == 0) {
                        *ret_words = 2;
                        return &cli_verbs[i];
                }
        }
        return NULL;
}

bool cli_verb_takes(const struct cli_verb_def *v, const struct cli_option_def *o) {
        return o->verbs == CLI_V_GLOBAL || (o->verbs & v->bit) != 0;
}

const struct cli_option_def *cli_find_option(const struct cli_verb_def *v, const char *long_name, char short_name) {
        for (size_t i = 0; i < cli_n_options; i++) {
                const struct cli_option_def *o = &cli_options[i];
                if (!cli_verb_takes(v, o))
                        continue;
                if ((long_name && strcmp(o->long_name, long_name) == 0) || (short_name && o->short_name == short_name))
                        return o;
        }
        return NULL;
}
