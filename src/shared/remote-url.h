/* The address of a vault kept on a remote host: ssh://[user@]host[:port]/path/image
 * (docs/remote.md). A parser of bytes from the command line or the vaults file: strict, so
 * that nothing it accepts can be read as an option or a second argument by sshfs or ssh. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REMOTE_URL_SCHEME "ssh://"
#define REMOTE_URL_USER_MAX 32
#define REMOTE_URL_HOST_MAX 253
#define REMOTE_URL_PATH_MAX 1024

struct remote_url {
        char user[REMOTE_URL_USER_MAX + 1]; /* "" when the URL names none (ssh's default) */
        char host[REMOTE_URL_HOST_MAX + 1]; /* a name, an IPv4 address, or IPv6 without brackets */
        bool ipv6;
        uint16_t port;                      /* 0 when the URL names none (ssh's default, 22) */
        char path[REMOTE_URL_PATH_MAX + 1]; /* absolute, no empty, "." or ".." component */
};

/* True when `s` starts with "ssh://" (in any case): it is meant as a remote vault, and a
 * malformed one is an error rather than a local file name. */
bool remote_url_is_remote(const char *s);

/* Parses `s`. -EINVAL when it is not a well-formed remote address; then *ret_why (when not
 * NULL) is a short reason for the message ("the port is not a number from 1 to 65535"), and
 * *ret is untouched. */
int remote_url_parse(const char *s, struct remote_url *ret, const char **ret_why);

/* The directory that holds the image ("/srv" for /srv/backup.img, "/" for /backup.img) and the
 * image's file name, into buffers of `len` bytes. -ENOBUFS when one does not fit. */
int remote_url_split(const struct remote_url *u, char *ret_dir, char *ret_file, size_t len);

/* sshfs's first argument for the image's directory: "[user@]host:/dir", the host of an IPv6
 * address in brackets. -ENOBUFS when it does not fit in `len` bytes. */
int remote_url_sshfs_source(const struct remote_url *u, char *buf, size_t len);

/* The URL written back in its canonical form (scheme in lower case, brackets around IPv6). */
int remote_url_format(const struct remote_url *u, char *buf, size_t len);
