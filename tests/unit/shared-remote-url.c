/* src/shared/remote-url.c: ssh://[user@]host[:port]/path, the address of a remote vault. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "shared/remote-url.h"

static void test_good(void **state) {
        static const struct {
                const char *text, *user, *host, *path, *source;
                unsigned port;
                bool ipv6;
        } good[] = {
                { "ssh://host/backup.img", "", "host", "/backup.img", "host:/", 0, false },
                { "ssh://me@nas.example.org/srv/backup.img", "me", "nas.example.org", "/srv/backup.img",
                  "me@nas.example.org:/srv", 0, false },
                { "ssh://me@127.0.0.1:2222/srv/b/v.img", "me", "127.0.0.1", "/srv/b/v.img", "me@127.0.0.1:/srv/b", 2222,
                  false },
                { "SSH://backup_host/x.img", "", "backup_host", "/x.img", "backup_host:/", 0, false },
                { "ssh://root@[::1]:22/srv/backup.img", "root", "::1", "/srv/backup.img", "root@[::1]:/srv", 22, true },
                { "ssh://[2001:db8::1]/a/b c.img", "", "2001:db8::1", "/a/b c.img", "[2001:db8::1]:/a", 0, true },
                { "ssh://u-1.x@h/v.img", "u-1.x", "h", "/v.img", "u-1.x@h:/", 0, false },
                { "ssh://h:65535/.hidden/v..img", "", "h", "/.hidden/v..img", "h:/.hidden", 65535, false },
        };
        for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
                struct remote_url u;
                const char *why = NULL;
                assert_int_equal(remote_url_parse(good[i].text, &u, &why), 0);
                assert_null(why);
                assert_string_equal(u.user, good[i].user);
                assert_string_equal(u.host, good[i].host);
                assert_string_equal(u.path, good[i].path);
                assert_int_equal(u.port, good[i].port);
                assert_int_equal(u.ipv6, good[i].ipv6);
                char src[2048];
                assert_int_equal(remote_url_sshfs_source(&u, src, sizeof(src)), 0);
                assert_string_equal(src, good[i].source);
                /* The canonical form reads back as the same address. */
                char canon[2048];
                struct remote_url again;
                assert_int_equal(remote_url_format(&u, canon, sizeof(canon)), 0);
                assert_int_equal(remote_url_parse(canon, &again, NULL), 0);
                assert_memory_equal(&u, &again, sizeof(u));
        }
}

static void test_bad(void **state) {
        static const struct {
                const char *text, *why;
        } bad[] = {
                { "ssh:/host/v.img", "does not start with ssh://" },
                { "sftp://host/v.img", "does not start with ssh://" },
                { "ssh://host", "path is missing" },
                { "ssh://host/", "path is missing" },
                { "ssh:///v.img", "host name is missing" },
                { "ssh://-oProxyCommand=x/v.img", "the host is not a host name" },
                { "ssh://h-/v.img", "the host is not a host name" },
                { "ssh://a..b/v.img", "the host is not a host name" },
                { "ssh://a.b./v.img", "the host is not a host name" },
                { "ssh://h,o=x/v.img", "the host is not a host name" },
                { "ssh://-u@h/v.img", "user name may only hold" },
                { "ssh://u,x@h/v.img", "user name may only hold" },
                { "ssh://@h/v.img", "1 to 32 characters" },
                { "ssh://u:secret@h/v.img", "a password in the address" },
                { "ssh://a@b@h/v.img", "more than one '@'" },
                { "ssh://h:0/v.img", "port is not a number" },
                { "ssh://h:65536/v.img", "port is not a number" },
                { "ssh://h:/v.img", "port is not a number" },
                { "ssh://h:22x/v.img", "port is not a number" },
                { "ssh://h:-1/v.img", "port is not a number" },
                { "ssh://[::1/v.img", "closed by ']'" },
                { "ssh://[::1]x/v.img", "only ':PORT' may follow" },
                { "ssh://[fe80::1%eth0]/v.img", "not an IPv6 address" },
                { "ssh://[host]/v.img", "not an IPv6 address" },
                { "ssh://h/srv/", "ends with '/'" },
                { "ssh://h/srv//v.img", "empty, '.' or '..'" },
                { "ssh://h/srv/../etc/v.img", "empty, '.' or '..'" },
                { "ssh://h/./v.img", "empty, '.' or '..'" },
                { "ssh://h/srv/-v.img", "starts with '-'" },
                { "ssh://h/a,b.img", "printable ASCII" },
                { "ssh://h/a%20b.img", "printable ASCII" },
                { "ssh://h/a.img?x", "printable ASCII" },
                { "ssh://h/a\tb.img", "printable ASCII" },
                { "ssh://h/caf\xc3\xa9.img", "printable ASCII" },
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct remote_url u;
                memset(&u, 0x5a, sizeof(u));
                const char *why = NULL;
                assert_int_equal(remote_url_parse(bad[i].text, &u, &why), -EINVAL);
                assert_non_null(why);
                if (!strstr(why, bad[i].why))
                        fail_msg("%s: reason '%s' does not say '%s'", bad[i].text, why, bad[i].why);
                for (size_t k = 0; k < sizeof(u); k++)
                        assert_int_equal(((unsigned char *) &u)[k], 0x5a);
        }
}

static void test_limits(void **state) {
        char text[2048];
        struct remote_url u;
        /* 32-character user, 63-character label: accepted; one more: refused. */
        snprintf(text, sizeof(text), "ssh://%.32s@%.63s/v.img", "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu",
                 "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh");
        assert_int_equal(remote_url_parse(text, &u, NULL), 0);
        snprintf(text, sizeof(text), "ssh://%.33s@h/v.img", "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu");
        assert_int_equal(remote_url_parse(text, &u, NULL), -EINVAL);
        snprintf(text, sizeof(text), "ssh://%.64s/v.img", "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh");
        assert_int_equal(remote_url_parse(text, &u, NULL), -EINVAL);
        /* A 1024-character path is accepted, 1025 is not. */
        memcpy(text, "ssh://h/", 8);
        memset(text + 8, 'p', 1023);
        text[8 + 1023] = '\0';
        assert_int_equal(remote_url_parse(text, &u, NULL), 0);
        assert_int_equal(strlen(u.path), 1024);
        text[8 + 1023] = 'p';
        text[8 + 1024] = '\0';
        assert_int_equal(remote_url_parse(text, &u, NULL), -EINVAL);
}

static void test_split_and_is_remote(void **state) {
        struct remote_url u;
        char dir[64], file[64], small[4];
        assert_int_equal(remote_url_parse("ssh://h/srv/backup/v.img", &u, NULL), 0);
        assert_int_equal(remote_url_split(&u, dir, file, sizeof(dir)), 0);
        assert_string_equal(dir, "/srv/backup");
        assert_string_equal(file, "v.img");
        assert_int_equal(remote_url_split(&u, small, small, sizeof(small)), -ENOBUFS);
        assert_int_equal(remote_url_sshfs_source(&u, small, sizeof(small)), -ENOBUFS);
        assert_true(remote_url_is_remote("ssh://x"));
        assert_true(remote_url_is_remote("Ssh://x"));
        assert_false(remote_url_is_remote("./ssh://x"));
        assert_false(remote_url_is_remote("/srv/v.img"));
        assert_false(remote_url_is_remote(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_good),
                cmocka_unit_test(test_bad),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_split_and_is_remote),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
