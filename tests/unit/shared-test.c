/* src/shared: strict hex, modhex and base64, secure memory, secret files. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

#include "shared/base64.h"
#include "shared/file.h"
#include "shared/hex.h"
#include "shared/modhex.h"
#include "shared/secmem.h"

static void test_hex(void **state) {
        uint8_t out[4];
        size_t n;
        char text[9];
        assert_int_equal(hex_decode("00ff7Fa1", 8, out, sizeof(out), &n), 0);
        assert_int_equal(n, 4);
        assert_memory_equal(out, "\x00\xff\x7f\xa1", 4);
        hex_encode(out, 4, text);
        assert_string_equal(text, "00ff7fa1");
        assert_int_equal(hex_decode("0", 1, out, sizeof(out), &n), -EINVAL);
        assert_int_equal(hex_decode("0g", 2, out, sizeof(out), &n), -EINVAL);
        assert_int_equal(hex_decode(" 0", 2, out, sizeof(out), &n), -EINVAL);
        assert_int_equal(hex_decode("0011223344", 10, out, sizeof(out), &n), -ENOBUFS);
}

/* Modhex: the nibbles 0..f are the letters cbdefghijklnrtuv (the YubiKey OTP alphabet), high
 * nibble first; either case reads back. */
static void test_modhex(void **state) {
        (void) state;
        const uint8_t bytes[] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
        char text[16];
        modhex_encode(bytes, sizeof(bytes), text);
        assert_memory_equal(text, "cbdefghijklnrtuv", 16);
        for (int i = 0; i < 16; i++) {
                assert_int_equal(modhex_value("cbdefghijklnrtuv"[i]), i);
                assert_int_equal(modhex_value("CBDEFGHIJKLNRTUV"[i]), i);
        }
        for (const char *c = "0123456789amopqswxyzAMOPQSWXYZ- \n"; *c; c++)
                assert_int_equal(modhex_value(*c), -1);
}

/* RFC 4648 §10 test vectors, both ways. */
static void test_base64_rfc4648(void **state) {
        static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
        static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
        for (size_t i = 0; i < 7; i++) {
                char text[16];
                uint8_t bytes[8];
                size_t n;
                base64_encode((const uint8_t *) plain[i], strlen(plain[i]), text);
                assert_string_equal(text, coded[i]);
                assert_int_equal(base64_encoded_len(strlen(plain[i])), strlen(coded[i]));
                assert_int_equal(base64_decode(coded[i], strlen(coded[i]), bytes, sizeof(bytes), &n), 0);
                assert_int_equal(n, strlen(plain[i]));
                assert_memory_equal(bytes, plain[i], n);
        }
}

static void test_base64_strict(void **state) {
        static const char *const bad[] = {
                "Zg=",       /* length not a multiple of 4 */
                "Zg",        /* missing padding */
                "Z===",      /* too much padding */
                "Zh==",      /* unused bits not zero: not canonical */
                "Zm9=",      /* likewise */
                "Zg==Zg==",  /* padding in the middle */
                "Zm9v\n",    /* whitespace */
                "Zm 9",      /* space */
                "Zm9-",      /* URL alphabet */
                "=Zm9",      /* padding first */
        };
        uint8_t out[16];
        size_t n;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(base64_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n), -EINVAL);
        assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 5, &n), -ENOBUFS);
}

static void test_base64_recovery_key_shape(void **state) {
        /* 32 bytes give the 44 characters with one '=' that PRODUCT.md promises. */
        uint8_t key[32], back[32];
        char text[45];
        size_t n;
        for (size_t i = 0; i < 32; i++)
                key[i] = (uint8_t) (i * 37 + 11);
        base64_encode(key, 32, text);
        assert_int_equal(strlen(text), 44);
        assert_int_equal(text[43], '=');
        assert_int_not_equal(text[42], '=');
        assert_int_equal(base64_decode(text, 44, back, sizeof(back), &n), 0);
        assert_int_equal(n, 32);
        assert_memory_equal(key, back, 32);
}

/* The VmFlags line of /proc/self/smaps for the mapping that holds p. */
static const char *vm_flags_of(const void *p) {
        static char flags[512];
        FILE *f = fopen("/proc/self/smaps", "re");
        if (!f)
                return NULL;
        char line[512];
        bool inside = false;
        const char *found = NULL;
        while (fgets(line, sizeof(line), f)) {
                unsigned long lo, hi;
                if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
                        inside = (uintptr_t) p >= lo && (uintptr_t) p < hi;
                        continue;
                }
                if (inside && strncmp(line, "VmFlags:", 8) == 0) {
                        snprintf(flags, sizeof(flags), "%s", line + 8);
                        found = flags;
                        break;
                }
        }
        fclose(f);
        return found;
}

static void test_secure_alloc(void **state) {
        uint8_t *p = secure_alloc(100);
        assert_non_null(p);
        assert_int_equal(secure_size(p), 100);
        for (size_t i = 0; i < 100; i++)
                assert_int_equal(p[i], 0);
        memset(p, 0xaa, 100);
        assert_int_equal(((uintptr_t) p) % 16, 0);
        /* The kernel's own word: the mapping is excluded from core dumps ("dd") and, as root
         * or within RLIMIT_MEMLOCK, locked ("lo"). */
        const char *flags = vm_flags_of(p);
        assert_non_null(flags);
        assert_non_null(strstr(flags, " dd"));
        /* AddressSanitizer turns mlock into a no-op, so "lo" is only checked without it. */
        if (geteuid() == 0 && !SANITIZED)
                assert_non_null(strstr(flags, " lo"));
        secure_free(p);
        secure_free(NULL);

        uint8_t *big = secure_alloc(10000);
        assert_non_null(big);
        big[9999] = 1;
        secure_free(big);

        assert_int_equal(secure_memcmp("abc", "abc", 3), 0);
        assert_int_not_equal(secure_memcmp("abc", "abd", 3), 0);
}

static void write_temp(char *path, const char *content, size_t len) {
        strcpy(path, "/tmp/yk-shared-test.XXXXXX");
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, content, len), (ssize_t) len);
        close(fd);
}

static void test_read_secret_input(void **state) {
        char path[64];
        struct secret s = {};
        write_temp(path, "1234\n", 5);
        assert_int_equal(read_secret_input(path, 16, &s), 0);
        assert_int_equal(s.len, 5);
        secret_strip_one_newline(&s);
        assert_int_equal(s.len, 4);
        assert_memory_equal(s.data, "1234", 4);
        secret_strip_one_newline(&s); /* no newline left: nothing happens */
        assert_int_equal(s.len, 4);
        secret_clear(&s);
        assert_null(s.data);

        /* Exactly max bytes is fine, one more is -EFBIG. */
        assert_int_equal(read_secret_input(path, 5, &s), 0);
        secret_clear(&s);
        assert_int_equal(read_secret_input(path, 4, &s), -EFBIG);

        /* Two newlines: only one is stripped. */
        unlink(path);
        write_temp(path, "ab\n\n", 4);
        assert_int_equal(read_secret_input(path, 16, &s), 0);
        secret_strip_one_newline(&s);
        assert_int_equal(s.len, 3);
        secret_clear(&s);

        /* A symbolic link is refused. */
        char link_path[80];
        snprintf(link_path, sizeof(link_path), "%s.link", path);
        assert_int_equal(symlink(path, link_path), 0);
        assert_int_equal(read_secret_input(link_path, 16, &s), -ELOOP);
        unlink(link_path);
        unlink(path);
        assert_int_equal(read_secret_input(path, 16, &s), -ENOENT);
}

static void test_read_small_file(void **state) {
        char path[64];
        write_temp(path, "new content", 11);
        char *data = NULL;
        size_t len;
        assert_int_equal(read_small_file(path, 100, &data, &len), 0);
        assert_int_equal(len, 11);
        assert_string_equal(data, "new content");
        free(data);
        assert_int_equal(read_small_file(path, 5, &data, &len), -EFBIG);
        unlink(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_hex),
                cmocka_unit_test(test_modhex),
                cmocka_unit_test(test_base64_rfc4648),
                cmocka_unit_test(test_base64_strict),
                cmocka_unit_test(test_base64_recovery_key_shape),
                cmocka_unit_test(test_secure_alloc),
                cmocka_unit_test(test_read_secret_input),
                cmocka_unit_test(test_read_small_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
