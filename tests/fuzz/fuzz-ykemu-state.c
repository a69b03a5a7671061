/* The emulated card's state-file reader (tests/emulator/card-state.c): strict JSON, derived
 * fields that must agree with the configuration. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size ? size : 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        struct ykemu_state st;
        int r = ykemu_state_parse(text, size, &st);
        free(text);
        if (r < 0 && r != -EBADMSG && r != -ENOMEM)
                abort();
        return 0;
}
