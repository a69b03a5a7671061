#include "cli/vault-args.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/prompt.h"
#include "cli/secret-input.h"
#include "shared/file.h"
#include "vault/vault.h"

/* The longest file that can hold a key: its text form and a newline. */
#define RECOVERY_KEY_FILE_MAX (VAULT_RECOVERY_TEXT_LEN + 1)

static int read_error(const char *option, const char *path, int r) {
        if (r == -EFBIG)
                return cli_usage_error("%s %s: the file is too long", option, path);
        return cli_secret_file_error(option, path, r);
}

bool cli_decode_recovery_key(const struct secret *text, struct secret *ret) {
        /* Exactly the key: whitespace around it, which vault_recovery_key_decode forgives a typed
         * line, is refused in a file. */
        if (text->len == 0 || isspace(text->data[0]) || isspace(text->data[text->len - 1]))
                return false;
        return vault_recovery_key_decode(text, ret);
}

int cli_read_recovery_key(const char *path, struct secret *ret) {
        _cleanup_(secret_clearp) struct secret text = {};
        int r = read_secret_input(path, RECOVERY_KEY_FILE_MAX, &text);
        if (r < 0 && r != -EFBIG)
                return read_error("--recovery-key-file", path, r);
        if (r == 0)
                secret_strip_one_newline(&text);
        if (r == -EFBIG || !cli_decode_recovery_key(&text, ret))
                return cli_usage_error("--recovery-key-file %s: must hold the recovery key as it was printed (8 "
                                       "groups of 8 letters, or 44 characters of base64 for an older key), with at "
                                       "most one trailing newline",
                                       path);
        return EXIT_OK;
}

int cli_read_passphrase(const char *path, struct secret *ret) {
        _cleanup_(secret_clearp) struct secret s = {};
        int r = read_secret_input(path, CLI_PASSPHRASE_MAX, &s);
        if (r < 0)
                return read_error("--passphrase-file", path, r);
        if (s.len == 0)
                return cli_usage_error("--passphrase-file %s: the passphrase is empty", path);
        *ret = TAKE_STRUCT(s);
        return EXIT_OK;
}

int cli_read_pin(const char *path, struct secret *ret) {
        _cleanup_(secret_clearp) struct secret s = {};
        /* One byte more for the newline that is stripped. */
        int r = read_secret_input(path, YK_PIN_MAX + 1, &s);
        if (r < 0 && r != -EFBIG)
                return read_error("--pin-file", path, r);
        if (r == 0)
                secret_strip_one_newline(&s);
        if (r == -EFBIG || s.len > YK_PIN_MAX)
                return cli_usage_error("--pin-file %s: the PIN is longer than %d bytes", path, YK_PIN_MAX);
        if (s.len == 0)
                return cli_usage_error("--pin-file %s: the PIN is empty", path);
        *ret = TAKE_STRUCT(s);
        return EXIT_OK;
}

static int ask(const char *question, struct secret *ret) {
        int r = prompt_secret(question, ret);
        if (r == -E2BIG)
                return cli_usage_error("that is too long");
        if (r < 0)
                return cli_error(r, "cannot read from the terminal: %s", cli_strerror(r));
        return EXIT_OK;
}

int cli_prompt_pin(struct secret *ret) {
        _cleanup_(secret_clearp) struct secret pin = {};
        int code = ask("Enter token PIN: ", &pin);
        if (code != EXIT_OK)
                return code;
        if (pin.len == 0 || pin.len > YK_PIN_MAX)
                return cli_usage_error("a PIN has 1 to %d bytes", YK_PIN_MAX);
        *ret = TAKE_STRUCT(pin);
        return EXIT_OK;
}

int cli_prompt_new_pin(struct secret *ret) {
        if (!stdin_is_terminal())
                return cli_error(-ENOTTY, "--pin asks for the PIN at a terminal, and standard input is not one; "
                                          "give --pin-file F|- instead");
        _cleanup_(secret_clearp) struct secret pin = {}, again = {};
        int code = ask("New token PIN: ", &pin);
        if (code == EXIT_OK && (pin.len == 0 || pin.len > YK_PIN_MAX))
                code = cli_usage_error("a PIN has 1 to %d bytes", YK_PIN_MAX);
        if (code == EXIT_OK)
                code = ask("Enter it again: ", &again);
        if (code != EXIT_OK)
                return code;
        if (pin.len != again.len || secure_memcmp(pin.data, again.data, pin.len) != 0)
                return cli_usage_error("the two PINs differ");
        *ret = TAKE_STRUCT(pin);
        return EXIT_OK;
}
