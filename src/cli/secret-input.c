#include "cli/secret-input.h"

#include <errno.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "shared/file.h"
#include "shared/hex.h"

int cli_read_hex_secret(const char *path, size_t n, const char *what, struct secret *ret) {
        _cleanup_(secret_clearp) struct secret text = {};
        /* Room for the hex, a newline and one byte more, so that too long is seen as such. */
        int r = read_secret_input(path, 2 * n + 2, &text);
        if (r < 0 && r != -EFBIG)
                return cli_usage_error("%s %s: cannot read it: %s", what, path, cli_strerror(r));
        bool too_big = r == -EFBIG;
        if (!too_big)
                secret_strip_one_newline(&text);

        _cleanup_(secret_clearp) struct secret bytes = {};
        r = secret_new(n, &bytes);
        if (r < 0)
                return cli_error(r, "out of memory");
        size_t got = 0;
        if (too_big || text.len != 2 * n || hex_decode((const char *) text.data, text.len, bytes.data, n, &got) < 0 || got != n)
                return cli_usage_error("%s %s: must hold %zu hexadecimal characters (%zu bytes), with at most one "
                                       "trailing newline",
                                       what, path, 2 * n, n);
        *ret = bytes;
        bytes = (struct secret) {};
        return EXIT_OK;
}
