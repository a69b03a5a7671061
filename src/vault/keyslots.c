/* Keyslot choices: a free number, the PBKDF, and room in the JSON area. */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "vault/internal.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put)

int vault_free_keyslot(struct crypt_device *cd) {
        for (int k = 0; k < YK_LUKS2_KEYSLOTS; k++)
                if (crypt_keyslot_status(cd, k) == CRYPT_SLOT_INACTIVE)
                        return k;
        return -ENOSPC;
}

/* For keys with 160+ bits of entropy: nothing to slow down (docs/token-format.md). */
int vault_pbkdf_minimal(struct crypt_device *cd) {
        const struct crypt_pbkdf_type pbkdf = {
                .type = CRYPT_KDF_PBKDF2,
                .hash = "sha512",
                .iterations = 1000,
                .flags = CRYPT_PBKDF_NO_BENCHMARK,
        };
        return crypt_set_pbkdf_type(cd, &pbkdf);
}

bool vault_keyslot_is_ours(struct crypt_device *cd, int k, bool pin) {
        struct crypt_pbkdf_type pbkdf;
        if (crypt_keyslot_get_pbkdf(cd, k, &pbkdf) < 0 || !pbkdf.type)
                return false;
        if (pin)
                return strcmp(pbkdf.type, CRYPT_KDF_ARGON2ID) == 0;
        return strcmp(pbkdf.type, CRYPT_KDF_PBKDF2) == 0 && pbkdf.hash && strcmp(pbkdf.hash, "sha512") == 0 &&
               pbkdf.iterations == 1000;
}

/* argon2id at libcryptsetup's default, lowered only when asked. */
int vault_pbkdf_for_pin(struct crypt_device *cd, const struct vault_pbkdf *p) {
        const struct crypt_pbkdf_type *def = crypt_get_pbkdf_default(CRYPT_LUKS2);
        if (!def)
                return -EINVAL;
        struct crypt_pbkdf_type pbkdf = *def;
        pbkdf.type = CRYPT_KDF_ARGON2ID;
        if (p && p->memory_kb)
                pbkdf.max_memory_kb = p->memory_kb;
        if (p && p->iter_time_ms)
                pbkdf.time_ms = p->iter_time_ms;
        return crypt_set_pbkdf_type(cd, &pbkdf);
}

/* The header's JSON as libcryptsetup writes it is the dump re-serialised plainly. Room is
 * checked before a transaction so that a full area refuses before anything is written. */
int vault_check_json_room(struct crypt_device *cd, size_t extra) {
        const char *dump = NULL;
        uint64_t metadata_size = 0, keyslots_size = 0;
        int r = crypt_dump_json(cd, &dump, 0);
        if (r < 0)
                return r;
        r = crypt_get_metadata_size(cd, &metadata_size, &keyslots_size);
        if (r < 0)
                return r;
        _cleanup_(json_object_putp) json_object *o = json_tokener_parse(dump);
        if (!o)
                return -EBADMSG;
        const char *plain = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!plain)
                return -ENOMEM;
        /* The JSON area is the metadata size less the 4096-byte binary header; keep a NUL. */
        size_t area = metadata_size > 4096 ? (size_t) metadata_size - 4096 : 0;
        return strlen(plain) + extra + 1 > area ? -ENOSPC : 0;
}
