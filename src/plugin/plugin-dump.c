/* `validate` and `dump`: the token JSON as docs/token-format.md fixes it. */
#include <errno.h>
#include <inttypes.h>
#include <libcryptsetup.h>
#include <string.h>

#include "plugin/plugin.h"
#include "vault/token-json.h"
#include "vault/vault.h"

int ykp_validate(struct crypt_device *cd, const char *json) {
        int r = vault_token_validate(cd, json);
        if (r < 0)
                crypt_logf(cd, CRYPT_LOG_DEBUG, "ykunlock: token JSON refused: %s", strerror(-r));
        return r < 0 ? -EINVAL : 0;
}

static const char *yes_no(bool b) {
        return b ? "yes" : "no";
}

void ykp_dump(struct crypt_device *cd, const char *json) {
        struct yk_token_info t;
        if (!json || token_json_parse(json, strlen(json), &t) < 0) {
                crypt_log(cd, CRYPT_LOG_NORMAL, "\tMalformed:    this ykunlock token breaks its format\n");
                return;
        }
        if (t.serial_known)
                crypt_logf(cd, CRYPT_LOG_NORMAL, "\tSerial:       %" PRIu32 "\n", t.serial);
        else
                crypt_log(cd, CRYPT_LOG_NORMAL, "\tSerial:       hidden\n");
        crypt_logf(cd, CRYPT_LOG_NORMAL, "\tYubiKey slot: %d\n", t.slot);
        crypt_logf(cd, CRYPT_LOG_NORMAL, "\tTouch:        %s\n", yes_no(t.touch));
        crypt_logf(cd, CRYPT_LOG_NORMAL, "\tPIN:          %s\n", yes_no(t.pin));
        crypt_logf(cd, CRYPT_LOG_NORMAL, "\tVersion:      %u\n", t.version);
        crypt_logf(cd, CRYPT_LOG_NORMAL, "\tCreated:      %s\n", t.created);
        if (t.pending_keyslot >= 0)
                crypt_logf(cd, CRYPT_LOG_NORMAL, "\tPending:      keyslot %d (interrupted enroll or unenroll)\n",
                           t.pending_keyslot);
}
