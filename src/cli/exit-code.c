#include "cli/exit-code.h"

#include "shared/errors.h"

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

const char exit_code_help[] =
        "Exit status:\n"
        "   0  success\n"
        "   1  usage error\n"
        "   2  authentication failed (wrong key, PIN, or token secret)\n"
        "   3  no (enrolled) token present within the timeout\n"
        "   4  not a LUKS2 vault, or a malformed header or token\n"
        "   5  refused: exists, busy, programmed slot without --force, last way in,\n"
        "      several tokens present and none picked, a question and no terminal (no -q)\n"
        "   6  token or reader I/O error\n"
        "   7  touch not received\n"
        "   8  no PC/SC service or no transport\n"
        "   9  needs device-mapper or root that are not available\n"
        "  10  internal error (a bug)\n"
        "  11  permission denied on a file or device\n"
        "  12  the work was done only in part\n"
        " 128+n  stopped by signal n (SIGINT, SIGTERM, SIGHUP) after cleaning up\n";
