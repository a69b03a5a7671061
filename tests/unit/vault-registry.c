/* The parser of /etc/ykunlock/vaults: every field and option parses to the documented value,
 * every bad line is reported with its number and a message naming the fault, and a bad line
 * never hides the good lines around it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vault/registry.h"

static struct vault_registry parse_ok(const char *text) {
        struct vault_registry r;
        assert_int_equal(vault_registry_parse(text, strlen(text), &r), 0);
        return r;
}

/* Exactly one bad line: its number, errno and a message containing `needle`; no vault. */
static void expect_bad(const char *text, unsigned line, int error, const char *needle) {
        struct vault_registry r = parse_ok(text);
        assert_int_equal(r.n_vaults, 0);
        assert_int_equal(r.n_errors, 1);
        assert_int_equal(r.errors[0].line, line);
        assert_int_equal(r.errors[0].error, error);
        if (!strstr(r.errors[0].message, needle))
                fail_msg("message '%s' lacks '%s'", r.errors[0].message, needle);
        vault_registry_free(&r);
}

static void test_minimal(void **state) {
        (void) state;
        struct vault_registry r = parse_ok("/srv/backup.img backup\n");
        assert_int_equal(r.n_vaults, 1);
        assert_int_equal(r.n_errors, 0);
        const struct vault_config *c = &r.vaults[0];
        assert_int_equal(c->line, 1);
        assert_int_equal(c->source_kind, VAULT_SOURCE_PATH);
        assert_string_equal(c->source, "/srv/backup.img");
        assert_string_equal(c->name, "backup");
        assert_null(c->mountpoint);
        assert_null(c->mountopts);
        assert_null(c->header);
        assert_false(c->noauto);
        assert_false(c->readonly);
        assert_int_equal(c->on_remove, VAULT_ON_REMOVE_NOTHING);
        vault_registry_free(&r);
}

static void test_full_line(void **state) {
        (void) state;
        struct vault_registry r = parse_ok(
                "# comment\n"
                "\n"
                "   \t\n"
                "UUID=0b1c7f1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e\tdata\t/mnt/data\t"
                "readonly,noauto,on-remove=suspend,header=/etc/ykunlock/data.hdr,mountopts=noatime,nodev\n");
        assert_int_equal(r.n_errors, 0);
        assert_int_equal(r.n_vaults, 1);
        const struct vault_config *c = &r.vaults[0];
        assert_int_equal(c->line, 4);
        assert_int_equal(c->source_kind, VAULT_SOURCE_UUID);
        assert_string_equal(c->source, "0b1c7f1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e");
        assert_string_equal(c->mountpoint, "/mnt/data");
        assert_string_equal(c->mountopts, "noatime,nodev");
        assert_string_equal(c->header, "/etc/ykunlock/data.hdr");
        assert_true(c->noauto);
        assert_true(c->readonly);
        assert_int_equal(c->on_remove, VAULT_ON_REMOVE_SUSPEND);
        vault_registry_free(&r);
}

/* Three fields: a third field that starts with / or is - is the mount point, else options. */
static void test_three_fields(void **state) {
        (void) state;
        struct vault_registry r = parse_ok("LABEL=photos photos /media/photos\n"
                                           "/dev/sdb2 two -\n"
                                           "/dev/sdb3 three on-remove=close,read-only\r\n");
        assert_int_equal(r.n_errors, 0);
        assert_int_equal(r.n_vaults, 3);
        assert_int_equal(r.vaults[0].source_kind, VAULT_SOURCE_LABEL);
        assert_string_equal(r.vaults[0].source, "photos");
        assert_string_equal(r.vaults[0].mountpoint, "/media/photos");
        assert_null(r.vaults[1].mountpoint);
        assert_null(r.vaults[2].mountpoint);
        assert_int_equal(r.vaults[2].on_remove, VAULT_ON_REMOVE_CLOSE);
        assert_true(r.vaults[2].readonly);
        vault_registry_free(&r);
}

static void test_bad_lines(void **state) {
        (void) state;
        expect_bad("/srv/a.img\n", 1, -EINVAL, "expected SOURCE NAME");
        expect_bad("srv/a.img a\n", 1, -EINVAL, "absolute path");
        expect_bad("/srv/../a.img a\n", 1, -EINVAL, "absolute path");
        expect_bad("UUID= a\n", 1, -EINVAL, "bad UUID");
        expect_bad("UUID=xyz a\n", 1, -EINVAL, "bad UUID 'xyz'");
        expect_bad("LABEL= a\n", 1, -EINVAL, "bad LABEL");
        expect_bad("/a.img bad/name\n", 1, -EINVAL, "bad mapping name 'bad/name'");
        expect_bad("/a.img ..\n", 1, -EINVAL, "bad mapping name");
        expect_bad("/a.img a mnt opts\n", 1, -EINVAL, "mount point must be an absolute path");
        expect_bad("/a.img a - noauto,bogus\n", 1, -EINVAL, "unknown option 'bogus'");
        expect_bad("/a.img a - on-remove=explode\n", 1, -EINVAL, "on-remove= must be");
        expect_bad("/a.img a - header=rel.hdr\n", 1, -EINVAL, "header= needs an absolute path");
        expect_bad("/a.img a - mountopts=\n", 1, -EINVAL, "mountopts= is empty");
        expect_bad("/a.img a - mountopts=ro\n", 1, -EINVAL, "mountopts= without a mount point");
        expect_bad("/a.img a - noauto,,readonly\n", 1, -EINVAL, "empty option");
        expect_bad("/a.img a - noauto,\n", 1, -EINVAL, "empty option at the end");
        expect_bad("/a.img a /m noauto extra\n", 1, -EINVAL, "more than 4 fields");
        expect_bad("# ok\n/a.img a\001b\n", 2, -EINVAL, "bad mapping name 'a?b'");
}

static void test_nul_and_long_lines(void **state) {
        (void) state;
        static const char nul[] = "/a.img a\0b\n/b.img b\n";
        struct vault_registry r;
        assert_int_equal(vault_registry_parse(nul, sizeof(nul) - 1, &r), 0);
        assert_int_equal(r.n_errors, 1);
        assert_string_equal(r.errors[0].message, "NUL byte in the line");
        assert_int_equal(r.n_vaults, 1);
        assert_string_equal(r.vaults[0].name, "b");
        vault_registry_free(&r);

        size_t n = VAULT_REGISTRY_LINE_MAX + 10;
        char *big = malloc(n + 1);
        assert_non_null(big);
        memset(big, 'x', n);
        big[0] = '/';
        big[n] = '\0';
        expect_bad(big, 1, -EINVAL, "line longer than");
        free(big);
}

/* A bad line in the middle: the lines before and after it are kept, in order. */
static void test_bad_line_does_not_stop_others(void **state) {
        (void) state;
        struct vault_registry r = parse_ok("/a.img a /mnt/a\n"
                                           "/b.img b - frobnicate\n"
                                           "/c.img c /mnt/c on-remove=close\n"
                                           "/d.img a\n"
                                           "/e.img e /mnt/a\n"
                                           "/f.img f"); /* no final newline */
        assert_int_equal(r.n_vaults, 3);
        assert_string_equal(r.vaults[0].name, "a");
        assert_string_equal(r.vaults[1].name, "c");
        assert_string_equal(r.vaults[2].name, "f");
        assert_int_equal(r.vaults[2].line, 6);
        assert_int_equal(r.n_errors, 3);
        assert_int_equal(r.errors[0].line, 2);
        assert_int_equal(r.errors[1].line, 4);
        assert_int_equal(r.errors[1].error, -EEXIST);
        assert_string_equal(r.errors[1].message, "the mapping name 'a' is used on line 1 already");
        assert_int_equal(r.errors[2].line, 5);
        assert_string_equal(r.errors[2].message, "the mount point '/mnt/a' is used on line 1 already");
        vault_registry_free(&r);
}

static void test_too_big(void **state) {
        (void) state;
        struct vault_registry r = { .n_vaults = 42 };
        assert_int_equal(vault_registry_parse("", VAULT_REGISTRY_MAX_SIZE + 1, &r), -EFBIG);
        assert_int_equal(r.n_vaults, 42); /* untouched */
}

static void test_load(void **state) {
        (void) state;
        char path[] = "/tmp/ykunlock-registry-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        static const char text[] = "/a.img a\nbad\n";
        assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t) sizeof(text) - 1);
        close(fd);
        struct vault_registry r;
        assert_int_equal(vault_registry_load(path, &r), 0);
        assert_int_equal(r.n_vaults, 1);
        assert_int_equal(r.n_errors, 1);
        assert_int_equal(r.errors[0].line, 2);
        vault_registry_free(&r);
        unlink(path);
        assert_int_equal(vault_registry_load(path, &r), -ENOENT);
}

static void test_device(void **state) {
        (void) state;
        struct vault_registry r = parse_ok("/srv/a.img a\n"
                                           "UUID=abcd-ef a2\n"
                                           "LABEL=my\\disk#1 a3\n");
        assert_int_equal(r.n_vaults, 3);
        char *d = NULL;
        assert_int_equal(vault_config_device(&r.vaults[0], &d), 0);
        assert_string_equal(d, "/srv/a.img");
        free(d);
        assert_int_equal(vault_config_device(&r.vaults[1], &d), 0);
        assert_string_equal(d, "/dev/disk/by-uuid/abcd-ef");
        free(d);
        assert_int_equal(vault_config_device(&r.vaults[2], &d), 0);
        assert_string_equal(d, "/dev/disk/by-label/my\\x5cdisk#1");
        free(d);
        assert_string_equal(vault_on_remove_name(VAULT_ON_REMOVE_SUSPEND), "suspend");
        vault_registry_free(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_minimal),
                cmocka_unit_test(test_full_line),
                cmocka_unit_test(test_three_fields),
                cmocka_unit_test(test_bad_lines),
                cmocka_unit_test(test_nul_and_long_lines),
                cmocka_unit_test(test_bad_line_does_not_stop_others),
                cmocka_unit_test(test_too_big),
                cmocka_unit_test(test_load),
                cmocka_unit_test(test_device),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
