/* What the files of src/vault share; not for other layers. */
#pragma once

#include <libcryptsetup.h>

#include "vault/vault.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct crypt_device *, crypt_free)

/* device.c: the header loaded from `loc`, LUKS2 only. -EBADMSG for anything else. */
int vault_load(const struct vault_location *loc, struct crypt_device **ret);
/* Sends libcryptsetup's messages to the log hook (vault_set_log_hook), not to stderr. */
void vault_quiet_libcryptsetup(void);
/* Maps what libcryptsetup returned from a header read or write. */
int vault_map_load_error(int r);
/* An activation's error: -EPERM wrong passphrase, -ENOSYS no device-mapper, ... */
int vault_map_activate_error(int r, const char *name);

/* header.c: every token of the header, parsed and checked against the header. */
enum vault_token_kind {
        VT_NONE,      /* no token with this id */
        VT_YKUNLOCK,  /* a valid ykunlock token (bound or pending) */
        VT_RECOVERY,  /* a valid recovery marker */
        VT_OTHER,     /* another tool's token */
        VT_MALFORMED, /* a ykunlock or ykunlock-recovery token that breaks the format */
};

struct vault_token_slot {
        enum vault_token_kind kind;
        struct yk_token_info info;         /* VT_YKUNLOCK */
        struct yk_recovery_info recovery;  /* VT_RECOVERY */
        char type[64];                     /* VT_OTHER, VT_MALFORMED */
        int keyslot;                       /* VT_OTHER / MALFORMED: the first keyslot it names, or -1 */
        /* VT_YKUNLOCK, pending: its keyslot is not there, or is not one ykunlock made (another
         * tool took the number after a crash). A stale token claims no keyslot. */
        bool stale;
};

struct vault_header {
        struct vault_token_slot tokens[YK_LUKS2_KEYSLOTS];  /* LUKS2 has 32 token ids */
        bool keyslot_active[YK_LUKS2_KEYSLOTS];
        char uuid[40];
        char label[VAULT_LABEL_MAX + 1];
};

int vault_header_read(struct crypt_device *cd, struct vault_header *ret);
/* vault_load() and vault_header_read() together: what every verb starts with. */
int vault_load_header(const struct vault_location *loc, struct crypt_device **ret_cd, struct vault_header *ret);
/* The token bound to `keyslot` (any kind but NONE), or -1. */
int vault_header_token_of_keyslot(const struct vault_header *h, int keyslot);
/* Keyslots that are a way in: active and not pending. */
unsigned vault_header_ways_in(const struct vault_header *h);
/* The state of a keyslot for list/unenroll. */
bool vault_header_keyslot_pending(const struct vault_header *h, int keyslot, int *ret_token_id);

/* keyslots.c */
int vault_free_keyslot(struct crypt_device *cd);
/* Could keyslot k be the one ykunlock adds for a token (with or without PIN)? By its PBKDF:
 * pbkdf2-sha512 with 1000 iterations without PIN, argon2id with one. */
bool vault_keyslot_is_ours(struct crypt_device *cd, int k, bool pin);
int vault_pbkdf_minimal(struct crypt_device *cd);
int vault_pbkdf_for_pin(struct crypt_device *cd, const struct vault_pbkdf *p);
/* -ENOSPC when `extra` more bytes of JSON (a token and a keyslot) would not fit. */
int vault_check_json_room(struct crypt_device *cd, size_t extra);

/* present.c: the YubiKey side. */
/* The response of token `t` (re-opened, checked to be the same) to `challenge` on `slot`, in
 * secure memory. */
int vault_token_response(const struct vault_tokens_ctx *ctx, const struct yk_token *t, int slot,
                         const uint8_t *challenge, size_t len, struct secret *ret);
/* The keyslot passphrase of token `info` for this vault. */
int vault_derive(struct crypt_device *cd, const struct yk_token_info *info, const struct secret *response,
                 const struct secret *pin, struct secret *ret);
/* Finds the first present token that matches an enrolled, bound token. Polls up to timeout_s.
 * ret_matches: token ids (up to YK_LUKS2_KEYSLOTS) of the enrolled tokens of that key. */
int vault_find_present(const struct vault_tokens_ctx *ctx, const struct vault_header *h, unsigned timeout_s,
                       struct yk_token *ret_token, int *ret_matches, size_t *ret_n_matches);

/* volume-key.c: authorisation. */
int vault_unlock_volume_key(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                            const struct vault_auth *auth, struct secret *ret_vk, int *ret_keyslot,
                            unsigned *ret_attempts);

/* txn.c: header transactions. */
int vault_txn_bind_new(struct crypt_device *cd, const struct yk_token_info *tmpl, const struct secret *vk,
                       const struct secret *passphrase, int *ret_token_id, int *ret_keyslot);
int vault_txn_remove(struct crypt_device *cd, int token_id, const struct yk_token_info *info);
int vault_txn_remove_pending(struct crypt_device *cd, int token_id, const struct yk_token_info *info);
