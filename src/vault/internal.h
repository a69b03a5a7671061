/* What the files of src/vault share; not for other layers. */
#pragma once

#include <libcryptsetup.h>

#include "shared/response.h"
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
        /* Every keyslot the token is bound to, bit k for keyslot k: its "keyslots" (as
         * libcryptsetup reads them, whatever the type) and a recovery marker's. Not a pending
         * token's pending-keyslot: a claim, which such a binding overrides (the pending token
         * is then stale). A keyslot another token names is never removed with a token. */
        uint32_t names;
        /* VT_YKUNLOCK, pending: its keyslot is not there, or is not one ykunlock made (another
         * tool took the number after a crash). A stale token claims no keyslot. */
        bool stale;
        /* VT_MALFORMED only because another token names its keyslot too (its JSON is valid, in
         * info): nobody can tell which of the two is genuine without the key, so it is still
         * tried for unlocking (an exact keyslot try: the wrong one just does not open), and
         * the keyslot is never removed with it. */
        bool shared;
};

/* A token the unlock chain tries: a bound ykunlock token (or one that shares its keyslot). */
static inline bool vault_token_usable(const struct vault_token_slot *t) {
        return (t->kind == VT_YKUNLOCK || (t->kind == VT_MALFORMED && t->shared)) && t->info.keyslot >= 0;
}

struct vault_header {
        struct vault_token_slot tokens[YK_LUKS2_KEYSLOTS];  /* LUKS2 has 32 token ids */
        bool keyslot_active[YK_LUKS2_KEYSLOTS];
        /* The keyslot's PBKDF is one ykunlock gives a token's keyslot (vault_keyslot_is_ours,
         * with or without PIN): only such a keyslot is ever removed with a malformed token. */
        bool keyslot_ours[YK_LUKS2_KEYSLOTS];
        char uuid[40];
        char label[VAULT_LABEL_MAX + 1];
};

int vault_header_read(struct crypt_device *cd, struct vault_header *ret);
/* vault_load() and vault_header_read() together: what every verb starts with. */
int vault_load_header(const struct vault_location *loc, struct crypt_device **ret_cd, struct vault_header *ret);
/* The token bound to `keyslot` (any kind but NONE), or -1. When several tokens name it, a
 * recovery marker or a valid ykunlock token wins over another tool's token, and that over a
 * malformed one: a hostile token does not hide what a keyslot is. */
int vault_header_token_of_keyslot(const struct vault_header *h, int keyslot);
/* Does a token other than `id` name `keyslot`? */
bool vault_header_keyslot_named_by_other(const struct vault_header *h, int keyslot, int id);
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
 * secure memory (free it with secure_free()): from ctx->responses when it holds it, else asked of
 * the key (and kept there). */
int vault_token_response(const struct vault_tokens_ctx *ctx, const struct yk_token *t, int slot,
                         const uint8_t *challenge, size_t len, struct yk_response **ret);
/* response-cache.c: a copy (in secure memory) of the cached response of `t` (its serial) to
 * `challenge` on `slot`, or -ENOENT. */
int vault_response_cache_get(struct vault_response_cache *c, const struct yk_token *t, int slot,
                             const uint8_t *challenge, size_t len, struct yk_response **ret);
/* Keeps a copy of `response`; -ENOSPC when the table is full, -EINVAL for a key without serial. */
int vault_response_cache_put(struct vault_response_cache *c, const struct yk_token *t, int slot,
                             const uint8_t *challenge, size_t len, const struct yk_response *response);
/* The keyslot passphrase of token `info` for this vault. */
int vault_derive(struct crypt_device *cd, const struct yk_token_info *info, const struct yk_response *response,
                 const struct secret *pin, struct secret *ret);
/* Finds the first present token that matches an enrolled, bound token. Polls up to timeout_s.
 * ret_matches: token ids (up to YK_LUKS2_KEYSLOTS) of the enrolled tokens of that key. */
int vault_find_present(const struct vault_tokens_ctx *ctx, const struct vault_header *h, unsigned timeout_s,
                       struct yk_token *ret_token, int *ret_matches, size_t *ret_n_matches);

/* vault.c: a loaded vault (vault.h). */
struct vault {
        struct crypt_device *cd;
        struct vault_header h;
        bool detached;
};

/* unlock.c: the unlock chain (vault.h, struct vault_ask). The method files (unlock-token.c,
 * unlock-secret.c) never prompt; they call ctx->ask. */
enum vault_use {
        VAULT_USE_CHECK,      /* the passphrase opens the keyslot: no mapping, no volume key */
        VAULT_USE_ACTIVATE,   /* activate req->name (NULL: check, as cryptsetup --test-passphrase) */
        VAULT_USE_VOLUME_KEY, /* get the volume key (to add a keyslot) */
        VAULT_USE_DERIVE,     /* only derive a token's passphrase: the host (libcryptsetup) tries it */
};

struct vault_unlock_req {
        enum vault_use use;
        const char *name;              /* ACTIVATE */
        uint32_t flags;                /* ACTIVATE: CRYPT_ACTIVATE_* */
        unsigned timeout_s;            /* wait for an enrolled token */
        const struct secret *pin;      /* given; NULL: ctx->ask->pin */
        const struct vault_auth *auth; /* a given secret; NULL (or kind TOKEN): the chain */
        int only_token_id;             /* the plugin's one token; -1: any */
        bool no_fallback;              /* a token only: ctx->ask->secret is not used */
};

struct vault_unlocked {
        enum vault_auth_kind kind;
        int token_id; /* -1 by a secret */
        int keyslot;
        struct yk_token_info token; /* kind TOKEN */
        unsigned attempts;          /* KDF runs */
        struct secret passphrase;   /* the keyslot passphrase that opened it */
        struct secret volume_key;   /* VAULT_USE_VOLUME_KEY */
};
void vault_unlocked_clear(struct vault_unlocked *u);

int vault_unlock(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                 const struct vault_unlock_req *req, struct vault_unlocked *ret);
/* open.c: what an open reports of the unlock that did it (which token, keyslot, KDF runs). */
struct vault_open_result vault_open_result_of(const struct vault_unlocked *u);
/* The volume key of a header change (enroll, recovery-key): `auth` given, else a present
 * enrolled token, else what ctx->ask gets typed. */
int vault_unlock_volume_key(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_auth *auth,
                            struct vault_unlocked *ret);
/* Uses `pass` on `keyslot` as req->use says: 0, -EPERM (it does not open it), or another error.
 * Counts the attempt; VOLUME_KEY fills out->volume_key. */
int vault_unlock_try(struct crypt_device *cd, const struct vault_unlock_req *req, int keyslot,
                     const struct secret *pass, struct vault_unlocked *out);
unsigned vault_ask_tries(const struct vault_tokens_ctx *ctx);

/* unlock-token.c: a present enrolled token. -ENODEV when none came, -ENOANO when its PIN is
 * needed and cannot be asked (or was wrong `tries` times). */
int vault_unlock_by_token(struct crypt_device *cd, const struct vault_header *h, const struct vault_tokens_ctx *ctx,
                          const struct vault_unlock_req *req, struct vault_unlocked *out);
/* unlock-secret.c: the recovery key (32 raw bytes) or a passphrase, on the keyslots that may
 * hold it (the recovery marker's first; never a keyslot bound to a YubiKey or pending). */
int vault_unlock_by_secret(struct crypt_device *cd, const struct vault_header *h, const struct vault_unlock_req *req,
                           enum vault_auth_kind kind, const struct secret *secret, struct vault_unlocked *out);
/* A typed text: the recovery key when it decodes as one, else a passphrase. */
int vault_unlock_by_typed(struct crypt_device *cd, const struct vault_header *h, const struct vault_unlock_req *req,
                          const struct secret *text, struct vault_unlocked *out);

/* txn.c: header transactions. */
int vault_txn_bind_new(struct crypt_device *cd, const struct yk_token_info *tmpl, const struct secret *vk,
                       const struct secret *passphrase, int *ret_token_id, int *ret_keyslot);
int vault_txn_remove(struct crypt_device *cd, int token_id, const struct yk_token_info *info);
int vault_txn_remove_pending(struct crypt_device *cd, int token_id, const struct yk_token_info *info);
