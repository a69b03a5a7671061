/* What the vault unit tests share: a temporary directory, emulated YubiKeys programmed in
 * process, vaults made with a fast PBKDF, file fingerprints to prove nothing changed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu-transport.h"
#include "otp/config.h"
#include "otp/discover.h"
#include "shared/secmem.h"
#include "vault/vault.h"

#define VF_SERIAL_A 10000001u
#define VF_SERIAL_B 20000002u
#define VF_SERIAL_C 30000003u

struct vf_card {
        struct ykemu_card *card;
        char reader[64];
        struct yk_hmac_key secret;
        bool inserted;
};

struct vf {
        char dir[64];
        char image[128];
        char header[128];
        struct vf_card cards[3];
        struct secret recovery;
        const struct yk_backend *backends[2];
        struct vault_tokens_ctx ctx;
        struct vault_location loc;
};

/* A temp dir and three emulated cards (A, B, C) with slot 2 programmed (random secrets);
 * only card A is in a reader. */
struct vf *vf_new(void);
void vf_free(struct vf *f);

/* Creates f->image (32 MiB sparse) and keeps its recovery key. */
void vf_create(struct vf *f, bool detached);
/* Inserts card i (0..2) / pulls it out. */
void vf_insert(struct vf *f, int i);
void vf_remove(struct vf *f, int i);
/* The present token i as discovery sees it. */
struct yk_token vf_token(struct vf *f, int i);
/* Programs slot 2 of card i with a new random secret; hide_serial clears SERIAL_API_VISIBLE. */
void vf_program(struct vf *f, int i, bool hide_serial);
/* Enrolls card i (inserted) into slot 2, authorised by the recovery key. */
int vf_enroll(struct vf *f, int i, const struct secret *pin, bool replace);

/* SHA-256 of files, to check that a refused operation changed nothing. */
void vf_fingerprint(const char *path, uint8_t out[32]);
void vf_assert_unchanged(const char *path, const uint8_t before[32]);

/* The keyslot passphrase computed independently of src/vault: HMAC-SHA1 by OpenSSL over the
 * card's secret, then the documented HKDF. */
void vf_expected_passphrase(struct vf *f, int card, const struct yk_token_info *t, const struct secret *pin,
                            struct secret *ret);
/* Does `pass` open `keyslot` (libcryptsetup, no activation)? Returns the keyslot or an errno. */
int vf_try_keyslot(struct vf *f, int keyslot, const void *pass, size_t len);
/* The vault's list. */
void vf_list(struct vf *f, struct vault_info *ret);
/* Runs a shell command (cryptsetup), asserting success. */
void vf_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
