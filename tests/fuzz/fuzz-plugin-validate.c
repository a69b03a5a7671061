/* Fuzz target plugin-validate: the token plugin's `validate` and `dump` on any text (libcryptsetup
 * hands them the token JSON of a header that may come from an untrusted place). No crash, no
 * leak; validate and the strict parser agree; dump prints whatever validate refused. Each input
 * is checked without a header and against a real LUKS2 header (one keyslot, 0) made once.
 * Each input also fails one allocation of its own choosing (alloc-fail.h): then validate may
 * also answer -ENOMEM, the agreement checks are left out, and nothing may crash or leak. */
#include <errno.h>
#include <stdbool.h>
#include <libcryptsetup.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc-fail.h"
#include "plugin/plugin.h"
#include "vault/token-json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct crypt_device *cd;
static char image[] = "/tmp/fuzz-plugin-validate.XXXXXX";

static void quiet(int level, const char *msg, void *usrptr) {
}

static void cleanup(void) {
        crypt_free(cd);
        unlink(image);
}

/* A LUKS2 header with keyslot 0, made with the cheapest PBKDF. */
static void make_header(void) {
        crypt_set_log_callback(NULL, quiet, NULL);
        int fd = mkstemp(image);
        if (fd < 0 || ftruncate(fd, 16 << 20) < 0)
                abort();
        close(fd);
        struct crypt_pbkdf_type pbkdf = { .type = CRYPT_KDF_PBKDF2, .hash = "sha256", .iterations = 1000,
                                          .flags = CRYPT_PBKDF_NO_BENCHMARK };
        if (crypt_init(&cd, image) < 0 || crypt_set_pbkdf_type(cd, &pbkdf) < 0 ||
            crypt_format(cd, CRYPT_LUKS2, "aes", "xts-plain64", NULL, NULL, 64, NULL) < 0 ||
            crypt_keyslot_add_by_volume_key(cd, 0, NULL, 0, "x", 1) != 0)
                abort();
        atexit(cleanup);
}

static bool allowed(int r) {
        return r == 0 || r == -EINVAL || (r == -ENOMEM && alloc_fail_fired());
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (!cd)
                make_header();
        char *json = malloc(size + 1);
        if (!json)
                return 0;
        memcpy(json, data, size);
        json[size] = '\0';
        size_t len = strlen(json); /* libcryptsetup passes a C string */

        alloc_fail_from_input(data, size);
        struct yk_token_info t;
        int parsed = token_json_parse(json, len, &t);
        int bare = ykp_validate(NULL, json);
        int with = ykp_validate(cd, json);
        ykp_dump(cd, json);
        bool failed = alloc_fail_fired(); /* json-c may read a failed allocation as bad JSON */
        alloc_fail_at(0);
        if (!allowed(bare) || !allowed(with))
                abort();
        if (!failed) {
                if ((bare == 0) != (parsed == 0))
                        abort();
                if (with == 0 && (bare != 0 || (t.keyslot >= 0 && t.keyslot != 0)))
                        abort(); /* only keyslot 0 exists */
        }
        free(json);
        return 0;
}
