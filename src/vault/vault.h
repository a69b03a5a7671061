/* Vaults: LUKS2 images (or disks) that open with the HMAC-SHA1 challenge-response slot of a
 * YubiKey. This is the API the command line (src/cli/verb-*.c) and the token plugin build on.
 *
 * Formats are in docs/token-format.md. Every function returns 0 (or a count) or a negative
 * errno and never prints; ret_* outputs are untouched on failure. The errnos that carry a
 * meaning (shared/errors.h):
 *   -EBADMSG   (YK_ERR_BAD_VAULT)   not LUKS2 (also LUKS1), truncated, malformed header or
 *                                   ykunlock token, a detached header whose data device
 *                                   carries a LUKS header of its own
 *   -EPERM     (YK_ERR_AUTH)        wrong recovery key, passphrase or token secret
 *   -ENOANO    (YK_ERR_PIN)         the token needs a PIN and none was given, or it was wrong
 *   -ENODEV    (YK_ERR_NO_TOKEN)    no enrolled token present (within the timeout)
 *   -EEXIST    (YK_ERR_REFUSED)     the serial is enrolled already (without `replace`), the
 *                                   file to create exists and is not empty
 *   -ENOSPC                         no free keyslot, or the LUKS2 JSON area is full
 *   -EMLINK    (YK_ERR_LAST_WAY_IN) removing this would leave no way into the vault
 *   -ENOSYS    (YK_ERR_NEEDS_DM)    activation or close without device-mapper
 *   token errors from src/otp and src/transport as they come (-ENOMEDIUM, -ETIMEDOUT no touch,
 *   -ENOKEY slot not programmed, -EHOSTDOWN no pcscd, ...).
 * Every function that changes the header leaves it unchanged when it fails, and each change is
 * crash-safe in the way docs/token-format.md describes (pending tokens).
 *
 * How the verbs use it (the edge prompts, prints, and maps errnos to exit codes):
 *   create    vault_create(), print the recovery key (its text form, as it is), then, unless
 *             --no-enroll, pick the one present token and vault_enroll() it authorised by
 *             VAULT_AUTH_RECOVERY_KEY with the key just made; --fs ext4 needs
 *             vault_have_device_mapper() (check before vault_create) and vault_open() by name.
 *   enroll    pick the token to enroll (yk_tokens_discover, --serial), build a vault_auth from
 *             --recovery-key-file (vault_recovery_key_decode), --passphrase-file (raw) or a present token,
 *             vault_enroll(); -EEXIST: name ret->existing_token_id.
 *   open      vault_open() (-ENOANO: prompt for the PIN and call again; -ENODEV after the
 *             wait: fall back to vault_open_with_secret() when stdin is a terminal).
 *             --verbose: vault_set_log_hook() and result.keyslot_attempts.
 *   close     vault_close().
 *   list      vault_list(), one row per entry (vault_entry_kind_name() for --json).
 *   unenroll  vault_unenroll().
 * Tokens are reached through the backends in vault_tokens_ctx: the CLI passes
 * yk_token_backends(--transport), tests pass the in-process emulator (tests/lib/emu-transport.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "otp/discover.h"
#include "shared/secmem.h"
#include "shared/sizes.h"
#include "vault/token-json.h"

#define VAULT_RECOVERY_KEY_SIZE   32 /* random bytes in a recovery key */
#define VAULT_RECOVERY_TEXT_LEN   71 /* its text form: 8 groups of 8 modhex letters, 7 dashes */
#define VAULT_RECOVERY_BASE64_LEN 44 /* a version-1 key as create printed it (base64) */
#define VAULT_METADATA_SIZE     (64 * 1024)
#define VAULT_SECTOR_SIZE       4096
#define VAULT_LABEL_MAX         47 /* LUKS2 label field: 48 bytes with its NUL */
#define VAULT_MIN_SIZE          (32u << 20) /* 16 MiB of header and keyslots, and some data */
#define VAULT_MIN_SIZE_DETACHED (1u << 20)

/* Where the vault is. */
struct vault_location {
        const char *device; /* image file or block device (the data) */
        const char *header; /* detached LUKS2 header file, or NULL: the header is on `device` */
};

/* True when loc->header names the same file as loc->device (same device and inode, or the
 * same path): every function that takes a location refuses that with -EINVAL, changing
 * nothing. */
bool vault_location_same_file(const struct vault_location *loc);

/* "Insert a token enrolled in LABEL (serials ...)": called once when open starts to wait. */
struct vault_insert_prompt {
        void (*insert)(void *userdata, const char *label, const uint32_t *serials, size_t n_serials,
                       bool unknown_serial_enrolled);
        void *userdata;
};

/* What the unlock chain may ask a person for. The chain (vault_open, vault_enroll, the plugin,
 * vault_boot_passphrase) never prompts by itself: each entry point says how to ask, or leaves
 * a callback NULL, and then the chain returns the error that would have asked (-ENOANO for a
 * PIN, -ENODEV / -EHOSTDOWN when no enrolled token came). The chain owns the retry rules: a
 * wrong PIN, recovery key or passphrase is asked again, up to `tries` asks of each (like
 * cryptsetup's --tries). A callback returns 0 with *ret filled, or a negative errno that ends
 * the chain with that error (-ECANCELED: the person gave up). `attempt` is 0 for the first ask
 * and counts the wrong answers before this one. */
struct vault_ask {
        /* The PIN of `enrolled`, the enrolled token whose key is present. */
        int (*pin)(void *userdata, const struct yk_token_info *enrolled, unsigned attempt, struct secret *ret);
        /* The recovery key (as create printed it: vault_recovery_key_decode's forms) or a
         * passphrase (raw bytes), typed. `why`: -ENODEV no enrolled token came, -EHOSTDOWN no
         * PC/SC service, -EBADMSG the ykunlock tokens are malformed. */
        int (*secret)(void *userdata, const char *label, int why, unsigned attempt, struct secret *ret);
        unsigned tries; /* asks of each kind; 0: VAULT_DEFAULT_TRIES */
        void *userdata;
};
#define VAULT_DEFAULT_TRIES 3

/* The responses of one run, so that vaults enrolled as a group (the same key, slot and
 * challenge: `enroll --share-challenge-with`) ask the key once: keyed by (serial, slot,
 * challenge), held in the secure allocator, wiped by vault_response_cache_free(), never written
 * anywhere. Only keys that show their serial are cached. One process, one event. */
struct vault_response_cache;
int vault_response_cache_new(struct vault_response_cache **ret);
void vault_response_cache_free(struct vault_response_cache *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct vault_response_cache *, vault_response_cache_free)

/* How to reach the YubiKeys, and how to ask a person to act. */
struct vault_tokens_ctx {
        const struct yk_backend *const *backends; /* NULL-terminated; tests pass emu_backend */
        struct yk_token_filter filter;            /* --reader, --serial */
        const struct yk_prompt *touch;            /* may be NULL; used for tokens enrolled with touch */
        const struct vault_insert_prompt *insert; /* may be NULL */
        const struct vault_ask *ask;              /* may be NULL: nothing is asked */
        struct vault_response_cache *responses;   /* may be NULL: every challenge goes to the key */
        /* May be NULL: each look for a token discovers them anew. Else the tokens the caller
         * discovered once for several vaults (plug-event): they are matched without asking the
         * backends again, and there is no waiting for one to come. */
        const struct yk_token_list *present;
};

/* A vault whose header is loaded: a command loads it once (vault_load_vault) and passes it to
 * vault_get_info, vault_open_loaded, vault_enroll_loaded. The functions that take a
 * vault_location load it themselves. */
struct vault;
int vault_load_vault(const struct vault_location *loc, struct vault **ret);
void vault_unref(struct vault *v);
static inline void vault_unrefp(struct vault **v) {
        if (*v)
                vault_unref(*v);
}

/* libcryptsetup's messages, for --verbose (by default they are dropped: lower layers never
 * print). The hook is process-wide. */
void vault_set_log_hook(void (*hook)(int level, const char *msg, void *userdata), void *userdata);

/* ---- create ------------------------------------------------------------------------------ */

enum vault_fill {
        VAULT_FILL_SPARSE, /* ftruncate: blocks are allocated as they are written */
        VAULT_FILL_ZERO,   /* write zeros (allocates the space, like dd if=/dev/zero) */
        VAULT_FILL_RANDOM, /* write random data: used and free blocks look alike */
};

struct vault_create_params {
        uint64_t size;              /* of the image: a multiple of 4096, at least VAULT_MIN_SIZE
                                       (VAULT_MIN_SIZE_DETACHED with a detached header) */
        enum vault_fill fill;
        /* loc->device is a block device, formatted whole (size 0; no detached header): the
         * caller has asked for confirmation. Opened with O_EXCL: -EBUSY when in use, -EFBIG
         * when smaller than VAULT_MIN_SIZE; on failure its header area is zeroed again. */
        bool block_device;
        const char *label;          /* NULL: none; at most VAULT_LABEL_MAX bytes */
        /* Called now and then while filling (not for sparse); a negative return cancels
         * (the created files are removed) and is returned. */
        int (*progress)(void *userdata, uint64_t done, uint64_t total);
        void *progress_userdata;
};

/* Creates a new vault: the image (and the detached header, when loc->header is set, with the
 * data at offset 0 of the image), LUKS2 with 64 KiB of metadata, aes-xts-plain64, 512-bit key,
 * 4096-byte sectors, and the recovery key (vault_recovery_key_new, keyslot with pbkdf2-sha512/1000)
 * with its `ykunlock-recovery` marker. Refuses (-EEXIST) a file that exists and is not empty,
 * (-ENOTSUP) anything but a regular file, (-EACCES) an empty file of another owner, (-EINVAL)
 * a header that is the image itself. An empty file that was there becomes 0600, like the
 * files it creates. On failure the files it created are removed again.
 * *ret_recovery_key gets the key's text form (print it as it is). */
int vault_create(const struct vault_location *loc, const struct vault_create_params *p,
                 struct secret *ret_recovery_key);
/* After vault_create on a block device whose recovery key could not be shown: zeroes the
 * LUKS2 header area (the first 16 MiB) again. */
int vault_wipe_created(const struct vault_location *loc);
/* The size of a block device in bytes. */
int vault_device_size(const char *path, uint64_t *ret);

/* ---- authorising a change: a secret, or an enrolled token ------------------------------- */

enum vault_auth_kind {
        VAULT_AUTH_TOKEN,        /* an enrolled token that is present (see ctx) */
        VAULT_AUTH_RECOVERY_KEY, /* the recovery key as its keyslot takes it (vault_recovery_key_decode) */
        VAULT_AUTH_PASSPHRASE,   /* raw bytes, like cryptsetup --key-file */
};

struct vault_auth {
        enum vault_auth_kind kind;
        const struct secret *secret; /* RECOVERY_KEY, PASSPHRASE */
        const struct secret *pin;    /* TOKEN: for a token enrolled with a PIN, else NULL */
};

/* PBKDF of a keyslot with PIN (argon2id at libcryptsetup's default): lower it explicitly. */
struct vault_pbkdf {
        uint32_t memory_kb;    /* 0: default */
        uint32_t iter_time_ms; /* 0: default */
};

/* ---- enroll ------------------------------------------------------------------------------ */

/* With VAULT_AUTH_TOKEN, the authorising token is looked for through ctx (ctx->filter applies
 * to it, not to params->token: the edge picks the token to enroll itself). */
struct vault_enroll_params {
        const struct yk_token *token;  /* the token to enroll, from yk_tokens_discover() */
        int slot;                      /* YubiKey slot, 1 or 2 */
        bool touch;                    /* the slot needs a touch: recorded in the token */
        const struct secret *pin;      /* NULL: no PIN; else 1..YK_PIN_MAX bytes, part of the key */
        struct vault_pbkdf pbkdf;      /* for a PIN keyslot */
        bool replace;                  /* remove the serial's earlier tokens after enrolling */
        bool allow_unknown_serial;     /* a token that shows no serial (else -EINVAL) */
        /* Join the group of this vault (docs/token-format.md, "One touch for several vaults"):
         * take the challenge of its token of the same serial and slot instead of a fresh one,
         * once the key's response to it has opened that token's keyslot. NULL: a fresh one. */
        const struct vault *share_with;
};

struct vault_enroll_result {
        int token_id;
        int keyslot;
        int existing_token_id;  /* with -EEXIST: the token that has this serial already */
        unsigned replaced;      /* how many earlier tokens `replace` removed */
};

/* Enrolls params->token (challenge-response with a new random 32-byte challenge) in a new
 * keyslot, authorised by `auth`, as one transaction (docs/token-format.md). -EEXIST when the
 * serial is enrolled already and !replace (ret->existing_token_id says which: `ret` is filled
 * in for this error too). With p->share_with, before anything is written: -ESRCH when that
 * vault has no bound token of this serial and slot (with a PIN exactly when p->pin is set;
 * checked before anything is asked), -EKEYREJECTED when the key's response to its challenge
 * (with p->pin) does not open that token's keyslot. */
int vault_enroll(const struct vault_location *loc, const struct vault_tokens_ctx *ctx,
                 const struct vault_auth *auth, const struct vault_enroll_params *p,
                 struct vault_enroll_result *ret);
/* vault_enroll() on a loaded vault. `auth` NULL or VAULT_AUTH_TOKEN: the unlock chain (a
 * present enrolled token, its PIN from auth->pin or ctx->ask, else ctx->ask->secret). */
int vault_enroll_loaded(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_auth *auth,
                        const struct vault_enroll_params *p, struct vault_enroll_result *ret);

/* ---- open and close ---------------------------------------------------------------------- */

struct vault_open_params {
        const char *name;         /* device-mapper name; NULL: only check (--test) */
        bool readonly;
        unsigned timeout_s;       /* wait this long for an enrolled token; 0: don't wait */
        const struct secret *pin; /* for a token enrolled with a PIN, else NULL (ctx->ask->pin) */
        /* A secret given up front (--recovery-key-file, --passphrase-file): no token is looked
         * for and nothing is asked. NULL: the chain. */
        const struct vault_auth *auth;
};

struct vault_open_result {
        int token_id;          /* -1 when opened by a recovery key or passphrase */
        int keyslot;
        enum vault_auth_kind kind; /* what opened it (a typed secret: what it turned out to be) */
        bool serial_known;
        uint32_t serial;
        unsigned keyslot_attempts; /* passphrase checks run (KDF runs): 1 with a token */
};

/* Opens with a present enrolled token (ctx->filter narrows which ones): find the tokens present, keep those whose serial is
 * enrolled (a token without serial only matches a token enrolled as such), challenge, derive
 * and try ONLY the keyslot bound to that token. No enrolled token present: calls
 * ctx->insert once and polls until timeout_s, then -ENODEV. A matching token enrolled with a
 * PIN and no PIN given: -ENOANO before anything is asked of the token. A vault with no token
 * enrolled at all also gives -ENODEV (vault_list tells the two apart); one whose only ykunlock
 * tokens are malformed gives -EBADMSG. */
int vault_open(const struct vault_location *loc, const struct vault_tokens_ctx *ctx,
               const struct vault_open_params *p, struct vault_open_result *ret);

/* vault_open() on a loaded vault. When no enrolled token comes (or the tokens are malformed)
 * and ctx->ask->secret is set, the typed text is tried as the recovery key (one of
 * vault_recovery_key_decode's forms) and then as a passphrase; a wrong one is asked again. -EPERM when none
 * opened it. ctx->ask->pin is asked for a token enrolled with a PIN when p->pin is NULL. */
int vault_open_loaded(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_open_params *p,
                      struct vault_open_result *ret);

/* vault_open() in two steps, for several vaults at once (plug-event): vault_open_prepare()
 * loads the vault and gets its volume key from a present enrolled token (the token chain of
 * vault_open_loaded, without the typed fallback: -ENODEV when no token opens it), kept in secure
 * memory; vault_open_activate() loads the device-mapper table p->name (required) with it. The
 * token steps of several vaults run one after the other (one key, one touch per group); the
 * activations may run at the same time, each in a process of its own: libdevmapper, under
 * libcryptsetup, is not thread-safe (docs/protocol.md). Without device-mapper the token is
 * asked all the same and vault_open_activate() answers -ENOSYS, as vault_open() does.
 * vault_prepared_free() wipes the key. */
struct vault_prepared;
int vault_open_prepare(const struct vault_location *loc, const struct vault_tokens_ctx *ctx,
                       const struct vault_open_params *p, struct vault_prepared **ret,
                       struct vault_open_result *ret_result);
int vault_open_activate(const struct vault_prepared *p);
void vault_prepared_free(struct vault_prepared *p);
/* Wipes the volume key and nothing else (the header stays loaded): a process forked to open one
 * vault drops the keys of the others it inherited. vault_open_activate() then fails. */
void vault_prepared_wipe_key(struct vault_prepared *p);
static inline void vault_prepared_freep(struct vault_prepared **p) {
        vault_prepared_free(*p);
}

/* The keyslot passphrase of a present enrolled token, derived and checked against its keyslot
 * (no mapping, no volume key): what a boot script hands to cryptsetup. The same chain as
 * vault_open for the token (wait up to timeout_s, the PIN given or asked, retries); no
 * recovery key or passphrase fallback (the caller's own prompt does that). *ret_keyslot (may
 * be NULL) gets the keyslot it opens. */
int vault_boot_passphrase(struct vault *v, const struct vault_tokens_ctx *ctx, unsigned timeout_s,
                          const struct secret *pin, struct secret *ret, int *ret_keyslot);

/* Opens with the recovery key (tries the keyslot its marker names, else every keyslot not
 * bound to a YubiKey) or a passphrase (every keyslot not bound to a YubiKey). */
int vault_open_with_secret(const struct vault_location *loc, const struct vault_auth *auth,
                           const struct vault_open_params *p, struct vault_open_result *ret);

/* Removes the mapping `name`. -ENOSYS without device-mapper, -ENODEV when it is not active. */
int vault_close(const char *name);

/* True when the kernel has device-mapper (activation is possible). */
bool vault_have_device_mapper(void);

/* ---- grow (grow.c) ---------------------------------------------------------------------- */

/* Extends the image file `path` to new_size bytes: fallocate (the blocks reserved), or a sparse
 * extension where the file system has no fallocate (sshfs). -ERANGE when the file is larger
 * (never shrinks; nothing is changed), -ENOTSUP for anything but a regular file. */
int vault_grow_file(const char *path, uint64_t new_size);
/* The open mapping of the vault with this UUID: its name, its loop device ("/dev/loopN", or ""
 * on a block device), and whether its data is `device` (the image file through the loop
 * device's backing file, or the block device itself). A mapping on `device` is preferred; one
 * with the UUID on another device (a copy of the image, or the image reached through another
 * mount) is returned with same_device false. -ENOENT when none is open. */
struct vault_mapping {
        char name[128];
        char loop[80];                 /* "/dev/" and a block device name of up to 63 bytes */
        bool same_device;
};
int vault_find_mapping(const char *uuid, const char *device, struct vault_mapping *ret);
/* Tells the loop device `loop` that its file grew (LOOP_SET_CAPACITY). */
int vault_loop_refresh(const char *loop);
/* The file the loop device `loop` ("/dev/loopN") reads, as the kernel names it. Growing that
 * path, rather than another path to the same file, changes the size the loop device sees at
 * once: through a network file system (sshfs) another mount's change shows here only when the
 * attribute caches expire. */
int vault_loop_backing_file(const char *loop, char *ret, size_t len);
/* Resizes the open mapping `name` to the whole of its data device (crypt_resize). When its
 * volume key is in the kernel keyring, the unlock chain (a present enrolled token, waiting up
 * to timeout_s, its PIN given or asked; else ctx->ask->secret) loads it first: *ret_key_asked
 * (may be NULL) says so. -ENODEV when `name` is not active, -ENOSYS without device-mapper. */
int vault_resize_mapping(const char *name, const char *header, const struct vault_tokens_ctx *ctx, unsigned timeout_s,
                         const struct secret *pin, bool *ret_key_asked);

/* ---- list -------------------------------------------------------------------------------- */

enum vault_entry_kind {
        VAULT_ENTRY_TOKEN,          /* keyslot bound to a valid ykunlock token */
        VAULT_ENTRY_RECOVERY,       /* keyslot marked as the recovery key */
        VAULT_ENTRY_PASSPHRASE,     /* keyslot bound to no token: a passphrase or key */
        VAULT_ENTRY_OTHER_TOKEN,    /* keyslot bound to another tool's token (systemd-fido2...) */
        VAULT_ENTRY_PENDING,        /* keyslot left by an interrupted enroll/unenroll */
        VAULT_ENTRY_STALE_PENDING,  /* pending token whose keyslot does not exist (harmless) */
        VAULT_ENTRY_MALFORMED,      /* a ykunlock token that breaks the format */
};

const char *vault_entry_kind_name(enum vault_entry_kind k); /* "token", "recovery", ... */

struct vault_entry {
        enum vault_entry_kind kind;
        int keyslot;               /* -1 for STALE_PENDING and MALFORMED without keyslot */
        int token_id;              /* -1 for PASSPHRASE */
        struct yk_token_info token; /* TOKEN, PENDING, STALE_PENDING */
        char created[YK_TIME_LEN + 1]; /* RECOVERY */
        char other_type[64];       /* OTHER_TOKEN, MALFORMED (the token's type) */
};

struct vault_info {
        char uuid[40];
        char label[VAULT_LABEL_MAX + 1];
        bool detached_header;
        struct vault_entry *entries; /* sorted by keyslot, then tokens without keyslot */
        size_t n_entries;
};

int vault_list(const struct vault_location *loc, struct vault_info *ret);
/* vault_list() of a loaded vault. */
int vault_get_info(const struct vault *v, struct vault_info *ret);
/* The recovery key as typed or read, turned into what its keyslot takes (docs/token-format.md):
 * the text form, in either case and with or without its dashes, gives its canonical spelling
 * (VAULT_RECOVERY_TEXT_LEN characters: lowercase, dashed); the base64 of a version-1 key gives
 * its 32 bytes. Whitespace around it is ignored. false when the text is neither (then it may
 * be a passphrase). */
bool vault_recovery_key_decode(const struct secret *text, struct secret *ret);
/* A new recovery key: 32 random bytes (getrandom) written as the text form, which is its
 * keyslot passphrase as it is (VAULT_RECOVERY_TEXT_LEN bytes, no NUL). */
int vault_recovery_key_new(struct secret *ret);
void vault_info_free(struct vault_info *info);

/* ---- unenroll ---------------------------------------------------------------------------- */

enum vault_unenroll_by {
        VAULT_UNENROLL_SERIAL,   /* every ykunlock token with this serial, and its keyslot */
        VAULT_UNENROLL_TOKEN_ID, /* this ykunlock token (valid, pending or malformed) */
        VAULT_UNENROLL_KEYSLOT,  /* only a PENDING keyslot (or a STALE_PENDING token's number) */
};

/* ---- a new recovery key ------------------------------------------------------------------ */

/* Three steps, so that the edge can show the new key between them: add it (authorised through
 * the unlock chain, as enroll is), then either undo (the key could not be shown: nothing is
 * left of it) or commit (the new key is proven to open the vault as written on disk, then the
 * old recovery keys and their markers go). */
struct vault_recovery_change {
        int keyslot, token_id;                      /* the new key's keyslot and marker */
        int old_token_ids[YK_LUKS2_KEYSLOTS];       /* the markers of the recovery keys before */
        int old_keyslots[YK_LUKS2_KEYSLOTS];        /* their keyslots (-1: another token names it too: kept) */
        size_t n_old;                               /* 0: the vault had no recovery key */
        enum vault_auth_kind authorised_by;         /* what opened it (a typed secret: what it was) */
        int authorising_keyslot;
};

/* Adds a new recovery key (vault_recovery_key_new, pbkdf2-sha512/1000) in a free keyslot with its
 * marker, as one transaction; `auth` as for vault_enroll_loaded (NULL or TOKEN: the chain).
 * *ret_key gets the 32 bytes. -ENOSPC: no free keyslot or JSON room. */
int vault_recovery_key_add(struct vault *v, const struct vault_tokens_ctx *ctx, const struct vault_auth *auth,
                           struct vault_recovery_change *ret, struct secret *ret_key);
/* Removes what vault_recovery_key_add added (keyslot first, then its marker). */
int vault_recovery_key_undo(struct vault *v, const struct vault_recovery_change *c);
/* Proves that `key` opens the new keyslot of the header on disk (loaded anew from `loc`), then
 * removes each old recovery key: its keyslot, then its marker. On failure the header is as far
 * as it got (the new key in any case opens it). */
int vault_recovery_key_commit(struct vault *v, const struct vault_location *loc, const struct vault_recovery_change *c,
                              const struct secret *key);

/* ---- header backup and restore --------------------------------------------------------- */

/* Saves the LUKS2 header of `loc` (binary headers, JSON and keyslot area: everything a restore
 * needs, and every keyslot in it) into `file`, a new file of mode 0400. -EEXIST when `file`
 * exists (nothing is written); a failed backup leaves no file behind. */
int vault_header_backup(const struct vault_location *loc, const char *file);

struct vault_restore_plan {
        struct vault_info backup;  /* what the backup file holds */
        struct vault_info current; /* the header there now, when current_readable */
        bool current_readable;     /* false: no LUKS2 header can be read there (damaged) */
};

/* What restoring `file` onto `loc` would change. -EMEDIUMTYPE when `file` is not a LUKS2
 * header backup; -EXDEV when the header there now has another UUID (*ret is filled in then,
 * to name both); -ENOENT, -ENOTSUP, -ELOOP, -EACCES for the paths. A header that cannot be
 * read at `loc` is not an error: current_readable is false. */
int vault_header_restore_plan(const struct vault_location *loc, const char *file, struct vault_restore_plan *ret);
void vault_restore_plan_free(struct vault_restore_plan *p);

/* Writes the header saved in `file` over the header of `loc` (the plan is checked again first:
 * the same errors). libcryptsetup writes both binary headers and the keyslot area. */
int vault_header_restore(const struct vault_location *loc, const char *file);

/* ---- for the libcryptsetup token plugin (a thin shim over these) ------------------------- */

struct crypt_device;

/* `validate`: the token JSON follows docs/token-format.md, and a bound token's keyslot exists.
 * -EBADMSG otherwise (-EMEDIUMTYPE for another type). */
int vault_token_validate(struct crypt_device *cd, const char *json);

/* How long to wait, asked only when a wait is about to start (the plugin shares one deadline
 * among all its tokens and starts it only then). NULL: don't wait. */
struct vault_timeout {
        unsigned (*seconds)(void *userdata);
        void *userdata;
};

/* `open` / `open_pin`: the keyslot passphrase of token `token_id` of the loaded header `cd`,
 * with one read of the header. Waits up to timeout_s for a present key whose serial matches
 * any bound ykunlock token of `cd` (timeout->seconds() is asked then, and ctx->insert is called
 * once when the wait starts), so that
 * a present backup key is used at once while an absent primary is not waited for; then
 * derives with token_id's key if that is the one present. A token enrolled with a PIN gets
 * -ENOANO at once without `pin`, and its passphrase is checked against the keyslot so that a
 * wrong PIN is -ENOANO too (libcryptsetup cannot tell it from a wrong token). -EAGAIN when
 * token_id's key is not present, -ENOENT for a pending or malformed token, -ENODEV (or
 * -EHOSTDOWN: no PC/SC service) when no enrolled key came, token errors as they come. */
int vault_token_passphrase(struct crypt_device *cd, int token_id, const struct vault_tokens_ctx *ctx,
                           const struct vault_timeout *timeout, const struct secret *pin, struct secret *ret);

/* Removes tokens with their keyslots, crash-safely. -ENOENT when nothing matches, -EMLINK when
 * no way in would be left (recovery, passphrase and token keyslots count; pending ones not),
 * -EINVAL for --keyslot on a keyslot that is not pending. Returns the number of keyslots and
 * stale tokens removed. No authorisation is asked: whoever can write the header can wipe it. */
int vault_unenroll(const struct vault_location *loc, enum vault_unenroll_by by, uint32_t value);
/* The same on a vault loaded once (vault_load_vault), as the CLI does; `v` is not to be used for
 * anything else afterwards (its header snapshot is the one from before the removal). */
int vault_unenroll_loaded(struct vault *v, enum vault_unenroll_by by, uint32_t value);
