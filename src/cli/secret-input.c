#include "cli/secret-input.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/exit-code.h"
#include "cli/signals.h"
#include "shared/file.h"
#include "shared/hex.h"
#include "shared/macros.h"
#include "vault/vault.h"

int cli_secret_file_error(const char *option, const char *path, int r) {
        if (r == -EBADFD)
                return cli_usage_error("%s %s: not a regular file (a FIFO or a device is refused; - reads standard "
                                       "input)",
                                       option, path);
        return cli_usage_error("%s %s: cannot read it: %s", option, path, cli_strerror(r));
}

int cli_read_hex_secret(const char *path, size_t n, const char *what, struct secret *ret) {
        _cleanup_(secret_clearp) struct secret text = {};
        /* Room for the hex, a newline and one byte more, so that too long is seen as such. */
        int r = read_secret_input(path, 2 * n + 2, &text);
        if (r < 0 && r != -EFBIG)
                return cli_secret_file_error(what, path, r);
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
        *ret = TAKE_STRUCT(bytes);
        return EXIT_OK;
}

int cli_print_secret_line(const char *text) {
        fflush(stdout); /* whatever stdio holds goes first */
        struct iovec iov[2] = { { (void *) text, strlen(text) }, { (void *) "\n", 1 } };
        size_t left = iov[0].iov_len + 1;
        int i = 0;
        while (left > 0) {
                ssize_t k = writev(STDOUT_FILENO, iov + i, 2 - i);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                left -= (size_t) k;
                while (i < 2 && (size_t) k >= iov[i].iov_len) {
                        k -= (ssize_t) iov[i].iov_len;
                        iov[i].iov_len = 0;
                        i++;
                }
                if (i < 2) {
                        iov[i].iov_base = (char *) iov[i].iov_base + k;
                        iov[i].iov_len -= (size_t) k;
                }
        }
        return 0;
}

int cli_show_recovery_key(const struct secret *key) {
        char text[VAULT_RECOVERY_TEXT_LEN + 1];
        CLEANUP_ERASE(text);
        if (key->len != VAULT_RECOVERY_TEXT_LEN)
                return -EINVAL;
        memcpy(text, key->data, key->len);
        text[key->len] = '\0';
        struct sigaction ignore = { .sa_handler = SIG_IGN }, saved;
        sigemptyset(&ignore.sa_mask);
        (void) sigaction(SIGPIPE, &ignore, &saved);
        int r = cli_print_secret_line(text);
        (void) sigaction(SIGPIPE, &saved, NULL);
        if (r == -EPIPE) /* then die of it after the cleanup, as any program writing into a closed pipe */
                cli_signal_note(SIGPIPE);
        return r;
}
