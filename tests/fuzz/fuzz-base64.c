/* The strict base64 decoder (recovery keys, token challenges): any text either decodes to bytes
 * that encode back to exactly that text, or is refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shared/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size > 4096)
                return 0;
        uint8_t out[3072];
        size_t n;
        if (base64_decode((const char *) data, size, out, sizeof(out), &n) < 0)
                return 0;
        char *again = malloc(base64_encoded_len(n) + 1);
        if (!again)
                return 0;
        base64_encode(out, n, again);
        if (strlen(again) != size || memcmp(again, data, size) != 0)
                abort(); /* canonical form broken */
        free(again);
        return 0;
}
