#include "cli/exit-code.h"

#include "shared/errors.h"
#include "shared/macros.h"

int exit_code_from_errno(int r) {
        if (r >= 0)
                return EXIT_OK;
        switch (-r) {
        case YK_ERR_USAGE:
        case ENOENT: /* a file or directory named on the command line is not there */
        case E2BIG:
        case ENAMETOOLONG:
                return EXIT_USAGE;
        case YK_ERR_AUTH:
        case YK_ERR_PIN:
        case YK_ERR_SLOT_EMPTY:
        case EKEYREJECTED:
                return EXIT_AUTH;
        case YK_ERR_NO_TOKEN:
        case YK_ERR_NOT_OTP:
                return EXIT_NO_TOKEN;
        case YK_ERR_BAD_VAULT:
        case EUCLEAN:
                return EXIT_BAD_VAULT;
        case YK_ERR_REFUSED:
        case ENOTTY: /* a question, and no terminal to ask it at */
        case EBUSY:
        case ENOTEMPTY:
        case YK_ERR_LAST_WAY_IN:
        case ENOSPC:
                return EXIT_REFUSED;
        case YK_ERR_IO:
        case YK_ERR_GARBAGE:
        case YK_ERR_REMOVED:
        case YK_ERR_CARD_IN_USE:
        case ECOMM:
                return EXIT_TOKEN_IO;
        case YK_ERR_NO_TOUCH:
                return EXIT_NO_TOUCH;
        case YK_ERR_NO_SERVICE:
        case YK_ERR_NO_ANSWER:
        case YK_ERR_NO_TRANSPORT:
                return EXIT_NO_SERVICE;
        case YK_ERR_NEEDS_DM:
        case YK_ERR_NEEDS_ROOT:
                return EXIT_NEEDS_SYSTEM;

        default:
                return EXIT_INTERNAL;
        }
}

int exit_code_from_file_errno(int r) {
        if (r == -EACCES || r == -EPERM)
                return EXIT_PERMISSION;
        return exit_code_from_errno(r);
}

/* The documented exit codes, one row each: `ykunlock --help` prints them and the man page's EXIT
 * STATUS is generated from them (tools/docgen). A '\n' in a meaning is where --help wraps it. */
const struct exit_code_row exit_code_rows[] = {
        { "0", "success" },
        { "1", "usage error" },
        { "2", "authentication failed (wrong key, PIN, or token secret)" },
        { "3", "no (enrolled) token present within the timeout" },
        { "4", "not a LUKS2 vault, or a malformed header or token" },
        { "5", "refused: exists, busy, programmed slot without --force, last way in,\n"
               "several tokens present and none picked, a question and no terminal (no -q)" },
        { "6", "token or reader I/O error" },
        { "7", "touch not received" },
        { "8", "no PC/SC service or no transport" },
        { "9", "needs device-mapper or root that are not available" },
        { "10", "internal error (a bug)" },
        { "11", "permission denied on a file or device" },
        { "12", "the work was done only in part" },
        { "128+n", "stopped by signal n (SIGINT, SIGTERM, SIGHUP) after cleaning up" },
};
const size_t exit_code_n_rows = ELEMENTSOF(exit_code_rows);
