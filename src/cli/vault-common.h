/* What the vault verbs share: where the vault is, how its load errors read, the touch and
 * insert prompts, and --verbose. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"
#include "vault/vault.h"

struct vault_location cli_vault_location(const char *device, const struct cli_global *g);

/* vault_list() with every error of reading the header explained (exit 1 for a missing or
 * unusable path, 4 for not LUKS2 / LUKS1 / malformed / truncated, ...). Returns an exit code. */
int cli_vault_inspect(const struct vault_location *loc, struct vault_info *ret);

/* The same, keeping the loaded vault for the verb (one header read per command). */
int cli_vault_load(const struct vault_location *loc, struct vault **ret_v, struct vault_info *ret_info);

/* "--header X is IMAGE itself": exit 1. */
int cli_same_file_error(const struct vault_location *loc);

/* The message for an error of loading the header (-EBADMSG, -ENOENT, ...), or 0 when r is not
 * one: then the caller explains r itself. */
int cli_vault_load_error(int r, const struct vault_location *loc);

/* "serials 1, 2" / "serial 1" / "a token that does not show its serial" for the tokens
 * enrolled in `info` (bound ones), into buf. Returns the number of enrolled tokens. */
size_t cli_enrolled_serials(const struct vault_info *info, char *buf, size_t len);

/* The name of the vault in messages: its label, else the path. */
const char *cli_vault_name(const struct vault_info *info, const struct vault_location *loc);

/* "Touch your YubiKey…" on stderr each time a token waits for a touch. */
extern const struct yk_prompt cli_touch;

/* The context to reach tokens: backends and --reader from the global options (`with_serial`:
 * --serial narrows it too). `touch`: say "Touch your YubiKey…" before each challenge (PC/SC
 * can't tell whether a key waits, so only when a token involved is known to need it). */
struct vault_tokens_ctx cli_tokens_ctx(const struct cli_global *g, bool with_serial, bool touch);

/* True when a token enrolled in `info` was recorded as needing a touch. */
bool cli_vault_any_touch(const struct vault_info *info);

/* --verbose: libcryptsetup's messages, and each keyslot it tries, as cli_debug lines. */
void cli_vault_verbose(const struct cli_global *g);

/* The mapping's device node: "/dev/mapper/NAME". */
int cli_mapper_path(const char *name, char *buf, size_t len);
