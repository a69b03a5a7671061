/* The negative errno values that carry a meaning across the layers. Every function returns 0
 * (or a positive count) on success and one of these, or another negative errno, on failure.
 * Only the edge (cli/, plugin/) turns them into words and exit codes: cli/exit-code.c is the
 * one place that maps them. */
#pragma once

#include <errno.h>

#define YK_ERR_USAGE        EINVAL      /* a bad argument: exit 1 */
#define YK_ERR_AUTH         EPERM       /* wrong key, PIN or token secret; a write the key refused (access code): exit 2 */
#define YK_ERR_PIN          ENOANO      /* PIN needed, or wrong: exit 2 */
#define YK_ERR_SLOT_EMPTY   ENOKEY      /* the YubiKey slot is not programmed: exit 2 */
#define YK_ERR_NO_TOKEN     ENODEV      /* no (enrolled) token present: exit 3 */
#define YK_ERR_NOT_OTP      EMEDIUMTYPE /* a card without the OTP application (6A 82 on SELECT): exit 3 */
#define YK_ERR_BAD_VAULT    EBADMSG     /* not a LUKS2 vault, malformed header or token JSON: exit 4 */
#define YK_ERR_REFUSED      EEXIST      /* exists, programmed slot without --force: exit 5 (also EBUSY, ENOTEMPTY, EMLINK) */
#define YK_ERR_LAST_WAY_IN  EMLINK      /* removing this would lock the vault for good: exit 5 */
#define YK_ERR_IO           EIO         /* token or reader I/O: exit 6 (also EPROTO, ENOMEDIUM, ECOMM) */
#define YK_ERR_GARBAGE      EPROTO      /* the token answered something that is not the protocol: exit 6 */
#define YK_ERR_REMOVED      ENOMEDIUM   /* the token was pulled out, or no card in the reader: exit 6 */
#define YK_ERR_CARD_IN_USE  EUSERS      /* PC/SC sharing violation (scdaemon, gpg-agent): exit 6 */
#define YK_ERR_NO_TOUCH     ETIMEDOUT   /* touch not received (69 85 after the wait): exit 7 */
#define YK_ERR_NO_SERVICE   EHOSTDOWN   /* no PC/SC service: exit 8 */
#define YK_ERR_NO_ANSWER    EHOSTUNREACH /* the PC/SC service does not answer (a call overran): exit 8 */
#define YK_ERR_NO_TRANSPORT EOPNOTSUPP  /* transport compiled out or not available: exit 8 */
#define YK_ERR_NEEDS_DM     ENOSYS      /* device-mapper not available: exit 9 */
#define YK_ERR_NEEDS_ROOT   EACCES      /* permission denied (root, /dev/hidraw access): exit 9 */
