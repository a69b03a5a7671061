#include "cli/prompt.h"

#include "cli/signals.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void say_touch(void *userdata) {
        struct touch_prompt_ctx *ctx = userdata;
        if (ctx->said)
                return;
        ctx->said = true;
        if (ctx->serial_known)
                fprintf(stderr, "Touch your YubiKey (serial %u)…\n", ctx->serial);
        else
                fprintf(stderr, "Touch your YubiKey…\n");
}

struct yk_prompt touch_prompt(struct touch_prompt_ctx *ctx) {
        return (struct yk_prompt) { .touch = say_touch, .userdata = ctx };
}

bool stdin_is_terminal(void) {
        return isatty(STDIN_FILENO) == 1;
}

static void restore_echo(struct termios **saved) {
        if (*saved)
                (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, *saved);
        cli_signals_release();
}

int prompt_secret(const char *question, struct secret *ret) {
        if (!stdin_is_terminal())
                return -ENOTTY;

        struct termios old, quiet;
        if (tcgetattr(STDIN_FILENO, &old) < 0)
                return -errno;
        quiet = old;
        /* A signal while echo is off: read() returns EINTR, echo is restored on the way out,
         * and main() re-raises the signal (cli/signals.h). */
        cli_signals_catch();
        quiet.c_lflag &= ~(tcflag_t) ECHO;
        quiet.c_lflag |= ECHONL;
        if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0) {
                int r = -errno;
                cli_signals_release();
                return r;
        }
        _cleanup_(restore_echo) _unused_ struct termios *saved = &old;

        fprintf(stderr, "%s", question);
        fflush(stderr);

        _cleanup_(secret_clearp) struct secret s = {};
        int r = secret_new(1024, &s);
        if (r < 0)
                return r;
        /* Byte by byte, straight into secure memory: stdio would keep a copy in its buffer. */
        size_t n = 0;
        char c = 0;
        CLEANUP_ERASE(c);
        for (;;) {
                if (cli_signal_caught()) {
                        r = -EINTR;
                        break;
                }
                ssize_t k = read(STDIN_FILENO, &c, 1);
                if (k < 0 && errno == EINTR && !cli_signal_caught())
                        continue;
                if (k < 0) { /* not the end of the input: a half-read secret is no secret */
                        r = -errno;
                        break;
                }
                if (k == 0 || c == '\n')
                        break;
                if (n == s.len) {
                        r = -E2BIG;
                        break;
                }
                s.data[n++] = (uint8_t) c;
        }
        if (r < 0)
                return r;
        s.len = n;
        *ret = TAKE_STRUCT(s);
        return 0;
}

int prompt_yes(const char *question) {
        if (!stdin_is_terminal())
                return -ENOTTY;
        fprintf(stderr, "%s", question);
        fflush(stderr);
        char line[16];
        size_t n = 0;
        bool too_long = false;
        cli_signals_catch();
        int r = 0;
        for (;;) {
                char c;
                ssize_t k = read(STDIN_FILENO, &c, 1);
                if (k < 0 && errno == EINTR && !cli_signal_caught())
                        continue;
                if (k < 0) {
                        r = cli_signal_caught() ? -EINTR : -errno;
                        break;
                }
                if (k == 0 || c == '\n')
                        break;
                if (n < sizeof(line))
                        line[n++] = c;
                else
                        too_long = true;
        }
        cli_signals_release();
        if (r < 0)
                return r;
        return !too_long && n == 3 && memcmp(line, "YES", 3) == 0;
}
