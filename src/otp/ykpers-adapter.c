/* libykpers builds the slot configuration (docs/protocol.md §2). Its quirks: the key's version must
 * be given first (ykp_configure_version) or every flag setter refuses; YK_STATUS is opaque in
 * the installed headers, so the version travels in ykdef.h's struct status_st; the setters
 * answer 1 on success, ykp_HMAC_key_from_raw 0; ykp_free_config does not wipe, we do. */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <ykdef.h>
#include <ykpers.h>

#include "otp/ykpers-adapter.h"
#include "shared/secmem.h"

static_assert(sizeof(struct config_st) == 52, "ykdef.h's config_st is the 52-byte slot configuration");

static int flag_error(void) {
        return ykp_errno == YKP_EYUBIKEYVER || ykp_errno == YKP_EOLDYUBIKEY ? -EOPNOTSUPP : -EIO;
}

static int set_flags(YKP_CONFIG *cfg, const struct yk_version *v, bool touch) {
        bool ok = ykp_set_tktflag_CHAL_RESP(cfg, true) == 1 &&
                  ykp_set_tktflag_APPEND_CR(cfg, false) == 1 && /* keep no keyboard default */
                  ykp_set_cfgflag_CHAL_HMAC(cfg, true) == 1 &&
                  ykp_set_cfgflag_HMAC_LT64(cfg, true) == 1 &&
                  ykp_set_cfgflag_CHAL_BTN_TRIG(cfg, touch) == 1 &&
                  ykp_set_extflag_SERIAL_API_VISIBLE(cfg, true) == 1;
        if (!ok)
                return flag_error();
        /* ALLOW_UPDATE exists from 2.3 on (docs/protocol.md §2); a 2.2 key gets the rest. */
        if (yk_version_at_least(v, 2, 3, 0) && ykp_set_extflag_ALLOW_UPDATE(cfg, true) != 1)
                return flag_error();
        return 0;
}

static int fill(YKP_CONFIG *cfg, const struct yk_version *v, const struct yk_hmac_key *key, bool touch,
                const uint8_t *new_access_code) {
        struct status_st st = {
                .versionMajor = v->major,
                .versionMinor = v->minor,
                .versionBuild = v->build,
        };
        ykp_configure_version(cfg, (YK_STATUS *) &st);
        if (ykp_configure_command(cfg, SLOT_CONFIG) != 1)
                return flag_error();
        int r = set_flags(cfg, v, touch);
        if (r < 0)
                return r;
        if (ykp_HMAC_key_from_raw(cfg, (const char *) key->bytes) != 0)
                return -EIO;
        if (new_access_code) {
                unsigned char code[ACC_CODE_SIZE];
                CLEANUP_ERASE(code);
                memcpy(code, new_access_code, sizeof(code));
                int ok = ykp_set_access_code(cfg, code, sizeof(code));
                if (ok != 1)
                        return flag_error();
        }
        return 0;
}

int ykpers_hmac_config(const struct yk_version *version, const struct yk_hmac_key *key, bool touch,
                       const uint8_t *new_access_code, struct yk_slot_config *ret_config) {
        YKP_CONFIG *cfg = ykp_alloc();
        if (!cfg)
                return -ENOMEM;
        int r = fill(cfg, version, key, touch, new_access_code);
        struct config_st *core = (struct config_st *) ykp_core_config(cfg);
        if (r == 0) {
                memcpy(ret_config->bytes, core, sizeof(*core));
                memset(ret_config->bytes + offsetof(struct config_st, crc), 0, sizeof(core->crc));
        }
        secure_wipe(core, sizeof(*core)); /* the library frees without wiping */
        ykp_free_config(cfg);
        return r;
}
