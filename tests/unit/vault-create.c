/* vault_create on real image files: the LUKS2 parameters of the issue, read back through
 * libcryptsetup; the recovery key and its marker; fills; refusals that leave files alone. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libcryptsetup.h>

#include "vault-fixture.h"

static int setup(void **state) {
        *state = vf_new();
        return 0;
}

static int teardown(void **state) {
        vf_free(*state);
        return 0;
}

static void test_luks2_parameters(void **state) {
        struct vf *f = *state;
        vf_create(f, false);

        struct stat st;
        assert_int_equal(stat(f->image, &st), 0);
        assert_int_equal(st.st_size, 32 << 20);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_true(st.st_blocks * 512 <= (17 << 20)); /* sparse: only the header and keyslots area */

        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init(&cd, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        assert_string_equal(crypt_get_cipher(cd), "aes");
        assert_string_equal(crypt_get_cipher_mode(cd), "xts-plain64");
        assert_int_equal(crypt_get_volume_key_size(cd), 64);
        assert_int_equal(crypt_get_sector_size(cd), 4096);
        assert_string_equal(crypt_get_label(cd), "test-vault");
        uint64_t md = 0, ks = 0;
        assert_int_equal(crypt_get_metadata_size(cd, &md, &ks), 0);
        assert_int_equal(md, 65536);

        /* the recovery key: 8 groups of 8 modhex letters; its keyslot: pbkdf2-sha512, 1000
         * iterations, opened by that text as it is (no decoding) */
        assert_int_equal(f->recovery.len, 71);
        for (size_t i = 0; i < f->recovery.len; i++)
                if (i % 9 == 8)
                        assert_int_equal(f->recovery.data[i], '-');
                else
                        assert_non_null(memchr("cbdefghijklnrtuv", f->recovery.data[i], 16));
        struct crypt_pbkdf_type pbkdf;
        assert_int_equal(crypt_keyslot_get_pbkdf(cd, 0, &pbkdf), 0);
        assert_string_equal(pbkdf.type, "pbkdf2");
        assert_string_equal(pbkdf.hash, "sha512");
        assert_int_equal(pbkdf.iterations, 1000);
        assert_int_equal(crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT, (const char *) f->recovery.data, 71, 0), 0);
        char wrong[71];
        memcpy(wrong, f->recovery.data, 71);
        wrong[70] = wrong[70] == 'c' ? 'b' : 'c';
        assert_int_equal(crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT, wrong, 71, 0), -EPERM);
        /* the bytes the letters stand for are not the passphrase: the text is */
        uint8_t bytes[32];
        for (size_t i = 0; i < 32; i++) {
                size_t k = 2 * i + i / 4;
                const char *hi = memchr("cbdefghijklnrtuv", f->recovery.data[k], 16);
                const char *lo = memchr("cbdefghijklnrtuv", f->recovery.data[k + 1], 16);
                bytes[i] = (uint8_t) ((hi - "cbdefghijklnrtuv") << 4 | (lo - "cbdefghijklnrtuv"));
        }
        assert_int_equal(crypt_activate_by_passphrase(cd, NULL, CRYPT_ANY_SLOT, (const char *) bytes, 32, 0), -EPERM);

        /* the marker */
        const char *type = NULL;
        assert_int_equal(crypt_token_status(cd, 0, &type), CRYPT_TOKEN_EXTERNAL_UNKNOWN);
        assert_string_equal(type, "ykunlock-recovery");
        assert_int_equal(crypt_token_is_assigned(cd, 0, 0), 0);
        crypt_free(cd);

        struct vault_info info;
        vf_list(f, &info);
        assert_int_equal(info.n_entries, 1);
        assert_int_equal(info.entries[0].kind, VAULT_ENTRY_RECOVERY);
        assert_int_equal(info.entries[0].keyslot, 0);
        assert_string_equal(info.label, "test-vault");
        vault_info_free(&info);
}

static void test_two_vaults_two_keys(void **state) {
        struct vf *f = *state;
        vf_create(f, false);
        uint8_t first[71];
        memcpy(first, f->recovery.data, 71);
        assert_int_equal(unlink(f->image), 0);
        vf_create(f, false);
        assert_memory_not_equal(first, f->recovery.data, 71);
}

static void test_detached_header(void **state) {
        struct vf *f = *state;
        vf_create(f, true);
        /* the image holds nothing but ciphertext: no LUKS magic, data from offset 0 */
        int fd = open(f->image, O_RDONLY);
        char magic[4] = {};
        assert_int_equal(pread(fd, magic, 4, 0), 4);
        close(fd);
        assert_memory_not_equal(magic, "LUKS", 4);
        struct crypt_device *cd = NULL;
        assert_int_equal(crypt_init_data_device(&cd, f->header, f->image), 0);
        assert_int_equal(crypt_load(cd, CRYPT_LUKS2, NULL), 0);
        assert_int_equal(crypt_get_data_offset(cd), 0);
        assert_int_equal(crypt_header_is_detached(cd), 1);
        crypt_free(cd);
        assert_int_equal(vf_try_keyslot(f, 0, f->recovery.data, f->recovery.len), 0);

        /* without the header, the image is not a vault */
        struct vault_location attached = { .device = f->image };
        struct vault_info info;
        assert_int_equal(vault_list(&attached, &info), -EBADMSG);
}

static void test_refuses_existing_file(void **state) {
        struct vf *f = *state;
        int fd = open(f->image, O_WRONLY | O_CREAT, 0644);
        assert_int_equal(write(fd, "data", 4), 4);
        close(fd);
        uint8_t before[32];
        vf_fingerprint(f->image, before);
        struct vault_create_params p = { .size = 32 << 20 };
        struct secret key = { .data = (uint8_t *) 1, .len = 7 };
        assert_int_equal(vault_create(&f->loc, &p, &key), -EEXIST);
        vf_assert_unchanged(f->image, before);
        assert_ptr_equal(key.data, (uint8_t *) 1); /* untouched */

        /* an existing empty file is fine */
        assert_int_equal(truncate(f->image, 0), 0);
        vf_create(f, false);

        /* a symbolic link is not followed */
        char link[160];
        snprintf(link, sizeof(link), "%s/link.img", f->dir);
        assert_int_equal(symlink("/tmp/nonexistent-target", link), 0);
        struct vault_location l = { .device = link };
        assert_int_equal(vault_create(&l, &p, &key), -ELOOP);
        assert_int_equal(access("/tmp/nonexistent-target", F_OK), -1);
}

static void test_bad_params(void **state) {
        struct vf *f = *state;
        struct secret key = {};
        struct vault_create_params p = { .size = (32 << 20) + 1 };
        assert_int_equal(vault_create(&f->loc, &p, &key), -EINVAL);
        p.size = 32 << 20;
        p.label = "0123456789012345678901234567890123456789012345678"; /* 49 */
        assert_int_equal(vault_create(&f->loc, &p, &key), -EINVAL);
        assert_int_equal(access(f->image, F_OK), -1);
        /* too small for the header */
        p.label = NULL;
        p.size = (32 << 20) - 4096;
        assert_int_equal(vault_create(&f->loc, &p, &key), -EINVAL);
        assert_int_equal(access(f->image, F_OK), -1);
}

struct progress_log {
        unsigned calls;
        uint64_t last_done, total;
        unsigned cancel_at;
};

static int progress(void *userdata, uint64_t done, uint64_t total) {
        struct progress_log *l = userdata;
        l->calls++;
        assert_true(done > l->last_done);
        l->last_done = done;
        l->total = total;
        return l->cancel_at && l->calls == l->cancel_at ? -ECANCELED : 0;
}

static bool all_zero_at(const char *path, off_t off) {
        uint8_t buf[4096];
        int fd = open(path, O_RDONLY);
        assert_int_equal(pread(fd, buf, sizeof(buf), off), (ssize_t) sizeof(buf));
        close(fd);
        for (size_t i = 0; i < sizeof(buf); i++)
                if (buf[i])
                        return false;
        return true;
}

static void test_fill(void **state) {
        struct vf *f = *state;
        struct progress_log log = {};
        struct vault_create_params p = { .size = 32 << 20, .fill = VAULT_FILL_ZERO, .progress = progress,
                                         .progress_userdata = &log };
        struct secret key = {};
        assert_int_equal(vault_create(&f->loc, &p, &key), 0);
        secret_clear(&key);
        assert_int_equal(log.calls, 8); /* 4 MiB chunks */
        assert_int_equal(log.last_done, 32 << 20);
        struct stat st;
        assert_int_equal(stat(f->image, &st), 0);
        assert_true(st.st_blocks * 512 >= (32 << 20) - (1 << 20)); /* allocated */
        assert_true(all_zero_at(f->image, 30 << 20));
        assert_int_equal(unlink(f->image), 0);

        log = (struct progress_log) {};
        p.fill = VAULT_FILL_RANDOM;
        assert_int_equal(vault_create(&f->loc, &p, &key), 0);
        secret_clear(&key);
        assert_int_equal(log.calls, 8);
        assert_false(all_zero_at(f->image, 30 << 20));
        assert_int_equal(unlink(f->image), 0);

        /* cancelled: the new file goes */
        log = (struct progress_log) { .cancel_at = 3 };
        assert_int_equal(vault_create(&f->loc, &p, &key), -ECANCELED);
        assert_int_equal(access(f->image, F_OK), -1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_luks2_parameters, setup, teardown),
                cmocka_unit_test_setup_teardown(test_two_vaults_two_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(test_detached_header, setup, teardown),
                cmocka_unit_test_setup_teardown(test_refuses_existing_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_params, setup, teardown),
                cmocka_unit_test_setup_teardown(test_fill, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
