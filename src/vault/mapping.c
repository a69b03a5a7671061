/* Mapping state, suspend and resume (mapping.h). */
#include <errno.h>
#include <string.h>

#include "shared/macros.h"
#include "vault/internal.h"
#include "vault/mapping.h"

const char *vault_state_name(enum vault_state s) {
        switch (s) {
        case VAULT_STATE_OPEN:
                return "open";
        case VAULT_STATE_SUSPENDED:
                return "suspended";
        default:
                return "closed";
        }
}

int vault_mapping_state(const char *name, enum vault_state *ret) {
        vault_quiet_libcryptsetup();
        if (!vault_have_device_mapper()) {
                *ret = VAULT_STATE_CLOSED;
                return 0;
        }
        crypt_status_info st = crypt_status(NULL, name);
        if (st == CRYPT_INVALID)
                return -EINVAL;
        if (st == CRYPT_INACTIVE) {
                *ret = VAULT_STATE_CLOSED;
                return 0;
        }
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        struct crypt_active_device cad;
        /* Not a crypt mapping (or not LUKS): the name is taken, call it open. */
        if (crypt_init_by_name(&cd, name) < 0 || crypt_get_active_device(cd, name, &cad) < 0) {
                *ret = VAULT_STATE_OPEN;
                return 0;
        }
        *ret = (cad.flags & CRYPT_ACTIVATE_SUSPENDED) ? VAULT_STATE_SUSPENDED : VAULT_STATE_OPEN;
        return 0;
}

int vault_suspend(const char *name) {
        vault_quiet_libcryptsetup();
        if (!vault_have_device_mapper())
                return -ENOSYS;
        if (crypt_status(NULL, name) < CRYPT_ACTIVE)
                return -ENODEV;
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        int r = crypt_init_by_name(&cd, name);
        if (r < 0)
                return r;
        return crypt_suspend(cd, name);
}

int vault_resume(const char *name, const char *header, const struct vault_tokens_ctx *ctx,
                 const struct secret *pin) {
        enum vault_state st;
        int r = vault_mapping_state(name, &st);
        if (r < 0)
                return r;
        if (st != VAULT_STATE_SUSPENDED)
                return -EINVAL;
        _cleanup_(crypt_freep) struct crypt_device *cd = NULL;
        r = crypt_init_by_name_and_header(&cd, name, header);
        if (r < 0)
                return vault_map_load_error(r);
        struct vault_header h;
        r = vault_header_read(cd, &h);
        if (r < 0)
                return r;
        /* The unlock chain, for the volume key, with a token only (nothing typed). */
        struct vault_unlock_req req = {
                .use = VAULT_USE_VOLUME_KEY, .pin = pin, .only_token_id = -1, .no_fallback = true,
        };
        struct vault_unlocked u = {};
        r = vault_unlock(cd, &h, ctx, &req, &u);
        if (r >= 0) {
                r = crypt_resume_by_volume_key(cd, name, (const char *) u.volume_key.data, u.volume_key.len);
                r = r < 0 ? vault_map_activate_error(r, name) : 0;
        }
        vault_unlocked_clear(&u);
        return r;
}
