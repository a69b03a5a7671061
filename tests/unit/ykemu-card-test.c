/* The emulated card against the facts of docs/protocol.md §1-3, APDU by APDU. Expected values come
 * from the text of docs/protocol.md, from Python's hmac module (written down here), or from independent code
 * (libyubikey's CRC, OpenSSL's HMAC) — never from the emulator itself. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <yubikey.h>

#include "shared/hex.h"
#include "ykemu.h"

#define SECRET_HEX "303132333435363738393a3b3c3d3e3f40414243"

struct answer {
        uint8_t data[300];
        size_t len;
        unsigned sw;
};

static struct ykemu_card *new_card(void) {
        struct ykemu_options o;
        ykemu_options_init(&o);
        o.touch_ms = 0;
        struct ykemu_card *c = NULL;
        assert_int_equal(ykemu_card_new(&o, &c), 0);
        return c;
}

static void send_bytes(struct ykemu_card *c, const uint8_t *apdu, size_t len, struct answer *a) {
        uint8_t resp[300];
        size_t n = 0;
        assert_int_equal(ykemu_card_apdu(c, apdu, len, resp, sizeof(resp), &n), 0);
        assert_true(n >= 2);
        a->len = n - 2;
        memcpy(a->data, resp, a->len);
        a->sw = (unsigned) resp[n - 2] << 8 | resp[n - 1];
}

static void send_hex(struct ykemu_card *c, const char *hex, struct answer *a) {
        uint8_t apdu[300];
        size_t len;
        assert_int_equal(hex_decode(hex, strlen(hex), apdu, sizeof(apdu), &len), 0);
        send_bytes(c, apdu, len, a);
}

static void expect_hex(const struct answer *a, const char *hex, unsigned sw) {
        char got[2 * sizeof(a->data) + 1];
        hex_encode(a->data, a->len, got);
        assert_string_equal(got, hex);
        assert_int_equal(a->sw, sw);
}

static void select_otp(struct ykemu_card *c, struct answer *a) {
        send_hex(c, "00a4040007a0000005272001", a);
        assert_int_equal(a->sw, 0x9000);
        assert_int_equal(a->len, 6);
}

/* A configuration built the way docs/protocol.md §2 describes, with libyubikey's CRC. */
static void make_config(uint8_t cfg[52], const char *secret_hex, uint8_t ext, uint8_t tkt, uint8_t flags,
                        const uint8_t *new_acc) {
        uint8_t secret[20];
        size_t n;
        memset(cfg, 0, 52);
        assert_int_equal(hex_decode(secret_hex, 40, secret, sizeof(secret), &n), 0);
        memcpy(cfg + 22, secret, 16);
        memcpy(cfg + 16, secret + 16, 4);
        if (new_acc)
                memcpy(cfg + 38, new_acc, 6);
        cfg[45] = ext, cfg[46] = tkt, cfg[47] = flags;
        uint16_t crc = ~yubikey_crc16(cfg, 50);
        cfg[50] = crc & 0xff, cfg[51] = crc >> 8;
}

/* Writes (P1 01/03/04/05) cfg with the current access code cur (NULL: zeros). */
static void write_slot(struct ykemu_card *c, uint8_t p1, const uint8_t cfg[52], const uint8_t *cur, struct answer *a) {
        uint8_t apdu[5 + 58] = { 0x00, 0x01, p1, 0x00, 58 };
        memcpy(apdu + 5, cfg, 52);
        if (cur)
                memcpy(apdu + 57, cur, 6);
        send_bytes(c, apdu, sizeof(apdu), a);
}

static void challenge(struct ykemu_card *c, uint8_t p1, const uint8_t chal[64], struct answer *a) {
        uint8_t apdu[5 + 64] = { 0x00, 0x01, p1, 0x00, 64 };
        memcpy(apdu + 5, chal, 64);
        send_bytes(c, apdu, sizeof(apdu), a);
}

static void test_crc_worked_example(void **state) {
        /* docs/protocol.md §2: the 52 bytes for secret 30..43, no touch, written out from the text. */
        uint8_t cfg[52] = {};
        static const uint8_t tail[8] = { 0x00, 0x24, 0x40, 0x26, 0x00, 0x00, 0x09, 0x21 };
        cfg[16] = 0x40, cfg[17] = 0x41, cfg[18] = 0x42, cfg[19] = 0x43;
        for (int i = 0; i < 16; i++)
                cfg[22 + i] = 0x30 + i;
        memcpy(cfg + 44, tail, 8);
        assert_int_equal(ykemu_crc16(cfg, 52), 0xf0b8);
        assert_int_equal((uint16_t) ~ykemu_crc16(cfg, 50), 0x2109);
        /* With touch: cfg 2E, CRC bytes CB E7. */
        cfg[47] = 0x2e, cfg[50] = 0xcb, cfg[51] = 0xe7;
        assert_int_equal(ykemu_crc16(cfg, 52), 0xf0b8);
        /* And the test's own builder (libyubikey) agrees. */
        uint8_t built[52];
        make_config(built, SECRET_HEX, 0x24, 0x40, 0x2e, NULL);
        assert_memory_equal(built, cfg, 52);
}

static void test_select(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        send_hex(c, "00a4040007a0000005272001", &a);
        expect_hex(&a, "050403000000", 0x9000);
        send_hex(c, "00a4040008a000000527200101", &a); /* the 8-byte AID, by prefix */
        expect_hex(&a, "050403000000", 0x9000);
        send_hex(c, "00a4040007a0000005272002", &a);
        expect_hex(&a, "", 0x6a82);
        send_hex(c, "00a4040006a00000052720", &a); /* shorter than the AID */
        expect_hex(&a, "", 0x6a82);
        send_hex(c, "0003000000", &a); /* a failed SELECT keeps the OTP application */
        expect_hex(&a, "050403000000", 0x9000);
        ykemu_card_free(c);
}

static void test_nothing_selected(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        send_hex(c, "0003000000", &a);
        expect_hex(&a, "", 0x6d00);
        select_otp(c, &a);
        ykemu_card_reset(c); /* a power cycle forgets the selection */
        send_hex(c, "0003000000", &a);
        expect_hex(&a, "", 0x6d00);
        ykemu_card_free(c);
}

static void test_write_and_hmac_lt64(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        uint8_t cfg[52], chal[64] = {};
        select_otp(c, &a);
        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x26, NULL);
        write_slot(c, 0x03, cfg, NULL, &a);
        expect_hex(&a, "050403010200", 0x9000); /* sequence 1, slot 2 valid, not touch-triggered */

        /* 32 bytes 01..20 padded with zeros: the key hashes the 32 bytes (values from Python). */
        for (int i = 0; i < 32; i++)
                chal[i] = i + 1;
        challenge(c, 0x38, chal, &a);
        expect_hex(&a, "ac9cb5eb0b2d2de293569a54b035636832def2ce", 0x9000);
        /* 01..1f 00 padded with 01 (yubikit's way): all 32 bytes count. */
        chal[31] = 0;
        memset(chal + 32, 1, 32);
        challenge(c, 0x38, chal, &a);
        expect_hex(&a, "455063f56e19406e10c24ab101a6809d93e2de7b", 0x9000);
        /* The same padded with zeros (old ykchalresp): the trailing 00 is lost too. */
        memset(chal + 32, 0, 32);
        challenge(c, 0x38, chal, &a);
        expect_hex(&a, "fc9ada73a7090e8cd750fb2d7c818845485dfda2", 0x9000);
        /* Slot 1 is empty: 90 00 without data. */
        challenge(c, 0x30, chal, &a);
        expect_hex(&a, "", 0x9000);
        ykemu_card_free(c);
}

static void test_hmac_without_lt64(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        uint8_t cfg[52], chal[64] = {};
        select_otp(c, &a);
        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x22, NULL);
        write_slot(c, 0x01, cfg, NULL, &a);
        expect_hex(&a, "050403010100", 0x9000);
        for (int i = 0; i < 32; i++)
                chal[i] = i + 1;
        challenge(c, 0x30, chal, &a); /* all 64 bytes are hashed */
        expect_hex(&a, "a7b1bb853f81fbff14397b66e5e53e38a55463a7", 0x9000);
        send_hex(c, "0001300020" "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", &a);
        expect_hex(&a, "", 0x6700); /* the key takes 64 bytes */
        send_hex(c, "0001200006010203040506", &a);
        expect_hex(&a, "", 0x6a81); /* Yubico OTP challenge-response: not supported */
        send_hex(c, "0001280006010203040506", &a);
        expect_hex(&a, "", 0x6a81);
        ykemu_card_free(c);
}

static void test_refused_writes_keep_sequence(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        uint8_t cfg[52], before[52], after[52];
        select_otp(c, &a);
        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x26, NULL);
        write_slot(c, 0x03, cfg, NULL, &a);
        assert_int_equal(ykemu_card_program_sequence(c), 1);
        assert_true(ykemu_card_slot(c, 2, before));

        make_config(cfg, "000102030405060708090a0b0c0d0e0f10111213", 0x24, 0x40, 0x26, NULL);
        cfg[50] ^= 0x01; /* bad CRC: refused with 90 00, sequence unchanged */
        write_slot(c, 0x03, cfg, NULL, &a);
        expect_hex(&a, "050403010200", 0x9000);
        assert_true(ykemu_card_slot(c, 2, after));
        assert_memory_equal(before, after, 52);

        send_hex(c, "0001030004" "00000000", &a); /* a short write is not the protocol */
        expect_hex(&a, "", 0x6700);
        assert_int_equal(ykemu_card_program_sequence(c), 1);
        ykemu_card_free(c);
}

static void test_access_code(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        static const uint8_t code[6] = { 1, 2, 3, 4, 5, 6 }, wrong[6] = { 1, 2, 3, 4, 5, 7 };
        uint8_t cfg[52], zero[52] = {}, got[52];
        select_otp(c, &a);
        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x26, code);
        write_slot(c, 0x03, cfg, code, &a); /* ykman sends the new code as the current one too */
        expect_hex(&a, "050403010200", 0x9000);

        write_slot(c, 0x03, zero, NULL, &a); /* delete without the code */
        expect_hex(&a, "050403010200", 0x9000);
        write_slot(c, 0x03, zero, wrong, &a);
        expect_hex(&a, "050403010200", 0x9000);
        make_config(cfg, "000102030405060708090a0b0c0d0e0f10111213", 0x24, 0x40, 0x26, NULL);
        write_slot(c, 0x03, cfg, NULL, &a); /* overwrite without the code */
        expect_hex(&a, "050403010200", 0x9000);
        send_hex(c, "0001060006000000000000", &a); /* swap without the code */
        expect_hex(&a, "050403010200", 0x9000);
        assert_true(ykemu_card_slot(c, 2, got));
        assert_memory_equal(got + 38, code, 6);

        write_slot(c, 0x03, zero, code, &a); /* delete with it: the last slot, sequence 0 */
        expect_hex(&a, "050403000000", 0x9000);
        assert_false(ykemu_card_slot(c, 2, got));
        ykemu_card_free(c);
}

static void test_update_needs_allow_update(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        static const uint8_t code[6] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6 };
        uint8_t cfg[52], upd[52], got[52];
        select_otp(c, &a);
        make_config(cfg, SECRET_HEX, 0x04, 0x40, 0x26, NULL); /* no ALLOW_UPDATE */
        write_slot(c, 0x01, cfg, NULL, &a);
        expect_hex(&a, "050403010100", 0x9000);
        make_config(upd, "0000000000000000000000000000000000000000", 0x24, 0x20, 0x00, code);
        write_slot(c, 0x04, upd, NULL, &a);
        expect_hex(&a, "050403010100", 0x9000); /* refused */

        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x26, NULL);
        write_slot(c, 0x01, cfg, NULL, &a);
        expect_hex(&a, "050403020100", 0x9000);
        write_slot(c, 0x04, upd, NULL, &a);
        expect_hex(&a, "050403030100", 0x9000);
        assert_true(ykemu_card_slot(c, 1, got));
        assert_memory_equal(got + 38, code, 6);            /* the new access code */
        assert_memory_equal(got + 16, cfg + 16, 22);        /* uid and key kept */
        assert_int_equal(got[46], 0x60);                    /* CHAL_RESP kept, APPEND_CR taken */
        assert_int_equal(got[47], 0x22);                    /* pacing bits (= LT64/touch) from the update */
        assert_int_equal(yubikey_crc16(got, 52), 0xf0b8);   /* the key keeps a valid CRC */
        ykemu_card_free(c);
}

static void test_swap(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        uint8_t cfg[52], got[52];
        select_otp(c, &a);
        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x26, NULL);
        write_slot(c, 0x01, cfg, NULL, &a);
        send_hex(c, "0001060006000000000000", &a);
        expect_hex(&a, "050403020200", 0x9000);
        assert_false(ykemu_card_slot(c, 1, got));
        assert_true(ykemu_card_slot(c, 2, got));
        assert_memory_equal(got, cfg, 52);
        ykemu_card_free(c);
}

static void test_serial_visibility(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        uint8_t cfg[52];
        select_otp(c, &a);
        send_hex(c, "0001100000", &a); /* both slots empty: readable */
        expect_hex(&a, "00989681", 0x9000); /* 10000001 big-endian */
        make_config(cfg, SECRET_HEX, 0x20, 0x40, 0x26, NULL); /* no SERIAL_API_VISIBLE */
        write_slot(c, 0x03, cfg, NULL, &a);
        send_hex(c, "0001100000", &a);
        expect_hex(&a, "", 0x6985);
        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x26, NULL);
        write_slot(c, 0x01, cfg, NULL, &a);
        send_hex(c, "00011000", &a); /* case 1 works as well */
        expect_hex(&a, "00989681", 0x9000);
        ykemu_card_free(c);
}

static void test_apdu_forms(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        send_hex(c, "00a404000000" "07a0000005272001", &a); /* extended case 3 */
        expect_hex(&a, "050403000000", 0x9000);
        send_hex(c, "00a404000000" "07a0000005272001" "0000", &a); /* extended case 4 */
        expect_hex(&a, "050403000000", 0x9000);
        send_hex(c, "00a4040007a0000005272001" "00", &a); /* short case 4, Le 256 */
        expect_hex(&a, "050403000000", 0x9000);
        send_hex(c, "00a4040007a0000005272001" "04", &a); /* Le 4: the rest by GET RESPONSE */
        expect_hex(&a, "05040300", 0x6102);
        send_hex(c, "00c0000002", &a);
        expect_hex(&a, "0000", 0x9000);
        send_hex(c, "0003000000", &a); /* short case 2 */
        expect_hex(&a, "050403000000", 0x9000);
        send_hex(c, "00030000", &a); /* case 1 */
        expect_hex(&a, "050403000000", 0x9000);
        send_hex(c, "00030000000000", &a); /* extended case 2 (Le 65536) */
        expect_hex(&a, "050403000000", 0x9000);

        static const char *bad_len[] = { "", "00", "000300", "00a4040007a00000052720", "00a4040007a000000527200100ff",
                                         "000300000001", "00a40400000007a0" };
        for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
                send_hex(c, bad_len[i], &a);
                expect_hex(&a, "", 0x6700);
        }
        send_hex(c, "8003000000", &a);
        expect_hex(&a, "", 0x6e00);
        send_hex(c, "1001030004" "00000000", &a); /* command chaining */
        expect_hex(&a, "", 0x6884);
        send_hex(c, "0077000000", &a);
        expect_hex(&a, "", 0x6d00);
        send_hex(c, "0001010100", &a);
        expect_hex(&a, "", 0x6a86);
        send_hex(c, "00017f0000", &a);
        expect_hex(&a, "", 0x6a86);

        uint8_t small[16];
        size_t n = 99;
        assert_int_equal(ykemu_card_apdu(c, (const uint8_t *) "\x00\x03\x00\x00", 4, small, sizeof(small), &n),
                         -ENOBUFS);
        assert_int_equal(n, 99);
        ykemu_card_free(c);
}

static void test_management(void **state) {
        struct ykemu_card *c = new_card();
        struct answer a;
        send_hex(c, "00a4040008a000000527471117", &a);
        expect_hex(&a, "352e342e33", 0x9000); /* "5.4.3" */
        send_hex(c, "001d000000", &a);
        assert_int_equal(a.sw, 0x9000);
        assert_int_equal(a.data[0], a.len - 1);
        /* Serial tag 02, 4 bytes. */
        bool found = false;
        for (size_t i = 1; i + 1 < a.len; i += 2 + a.data[i + 1])
                if (a.data[i] == 0x02 && a.data[i + 1] == 4)
                        found = memcmp(a.data + i + 2, "\x00\x98\x96\x81", 4) == 0;
        assert_true(found);
        ykemu_card_free(c);

        struct ykemu_options o;
        ykemu_options_init(&o);
        o.management = false;
        assert_int_equal(ykemu_card_new(&o, &c), 0);
        send_hex(c, "00a4040008a000000527471117", &a);
        expect_hex(&a, "", 0x6a82);
        ykemu_card_free(c);
}

static long elapsed_ms(const struct timespec *t0) {
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void test_touch(void **state) {
        struct ykemu_options o;
        struct ykemu_card *c;
        struct answer a;
        struct timespec t0;
        uint8_t cfg[52], chal[64] = { 1 };
        ykemu_options_init(&o);
        o.touch_ms = 120;
        assert_int_equal(ykemu_card_new(&o, &c), 0);
        select_otp(c, &a);
        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x2e, NULL); /* CHAL_BTN_TRIG */
        write_slot(c, 0x03, cfg, NULL, &a);
        expect_hex(&a, "050403010200", 0x9000); /* the status never tells about touch */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        challenge(c, 0x38, chal, &a);
        assert_int_equal(a.sw, 0x9000);
        assert_int_equal(a.len, 20);
        assert_true(elapsed_ms(&t0) >= 120);
        ykemu_card_free(c);

        o.touch = YKEMU_TOUCH_NEVER;
        o.touch_timeout_ms = 150;
        assert_int_equal(ykemu_card_new(&o, &c), 0);
        select_otp(c, &a);
        write_slot(c, 0x03, cfg, NULL, &a);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        challenge(c, 0x38, chal, &a);
        expect_hex(&a, "", 0x6985);
        assert_true(elapsed_ms(&t0) >= 150);
        ykemu_card_free(c);
}

/* ---- the state file ---- */

static char tmpdir[64];

static int make_tmpdir(void **state) {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/ykemu-test.XXXXXX");
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

static struct ykemu_card *card_at(const char *path, uint32_t serial, int *ret) {
        struct ykemu_options o;
        ykemu_options_init(&o);
        o.state_path = path;
        o.serial = serial;
        struct ykemu_card *c = NULL;
        *ret = ykemu_card_new(&o, &c);
        return c;
}

static void file_bytes(const char *path, char *buf, size_t cap) {
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        size_t n = fread(buf, 1, cap - 1, f);
        buf[n] = 0;
        fclose(f);
}

static void test_state_roundtrip(void **state) {
        char path[128], text[8192];
        int r;
        struct answer a;
        uint8_t cfg[52], got[52];
        snprintf(path, sizeof(path), "%s/key.json", tmpdir);
        struct ykemu_card *c = card_at(path, 4242, &r); /* missing: a new key, file created */
        assert_int_equal(r, 0);
        assert_int_equal(access(path, F_OK), 0);
        select_otp(c, &a);
        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x2e, NULL);
        write_slot(c, 0x03, cfg, NULL, &a);
        ykemu_card_free(c);

        file_bytes(path, text, sizeof(text));
        assert_non_null(strstr(text, "\"secret\":\"" SECRET_HEX "\""));
        assert_non_null(strstr(text, "\"cfg_flags\":46"));
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);

        c = card_at(path, 9999, &r); /* --serial applies only when the file is created */
        assert_int_equal(r, 0);
        assert_int_equal(ykemu_card_serial(c), 4242);
        assert_int_equal(ykemu_card_program_sequence(c), 1);
        assert_true(ykemu_card_slot(c, 2, got));
        assert_memory_equal(got, cfg, 52);
        ykemu_card_free(c);
}

static void write_text(const char *path, const char *text) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_state_rejects_bad_files(void **state) {
        char path[128], good[4096], bad[8192], link[128];
        int r;
        snprintf(path, sizeof(path), "%s/key.json", tmpdir);
        struct ykemu_card *c = card_at(path, 1, &r);
        assert_int_equal(r, 0);
        ykemu_card_free(c);
        file_bytes(path, good, sizeof(good));

        /* Each edit breaks one rule: the card refuses the file and leaves it alone. */
        static const struct { const char *from, *to; } edits[] = {
                { "\"format\":1", "\"format\":2" },
                { "\"serial\":1", "\"serial\":-1" },
                { "\"firmware\":\"5.4.3\"", "\"firmware\":\"5.4\"" },
                { "\"program_sequence\":0", "\"program_sequence\":256" },
                { "\"programmed\":false", "\"programmed\":0" },
                { "\"ext_flags\":0", "\"ext_flags\":4" }, /* disagrees with the config */
                { "\"secret\":\"00", "\"secret\":\"01" },
                { "\"access_code\":\"000000000000\"", "\"access_code\":\"0000\"" },
                { "{", "{\"extra\":1," },
                { "\"slot2\"", "\"slot3\"" },
        };
        for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
                const char *at = strstr(good, edits[i].from);
                assert_non_null(at);
                snprintf(bad, sizeof(bad), "%.*s%s%s", (int) (at - good), good, edits[i].to, at + strlen(edits[i].from));
                write_text(path, bad);
                c = card_at(path, 1, &r);
                assert_null(c);
                assert_int_equal(r, -EBADMSG);
                char now[8192];
                file_bytes(path, now, sizeof(now));
                assert_string_equal(now, bad);
        }
        write_text(path, "");
        assert_null(card_at(path, 1, &r));
        assert_int_equal(r, -EBADMSG);
        snprintf(bad, sizeof(bad), "%s\n{}", good); /* trailing garbage */
        write_text(path, bad);
        assert_null(card_at(path, 1, &r));
        assert_int_equal(r, -EBADMSG);

        snprintf(link, sizeof(link), "%s/link.json", tmpdir);
        write_text(path, good);
        assert_int_equal(symlink(path, link), 0);
        assert_null(card_at(link, 1, &r));
        assert_int_equal(r, -ELOOP);
}

static void test_state_save_failure_changes_nothing(void **state) {
        char dir[128], path[160], cmd[200];
        int r;
        struct answer a;
        uint8_t cfg[52], got[52];
        snprintf(dir, sizeof(dir), "%s/gone", tmpdir);
        assert_int_equal(mkdir(dir, 0700), 0);
        snprintf(path, sizeof(path), "%s/key.json", dir);
        struct ykemu_card *c = card_at(path, 1, &r);
        assert_int_equal(r, 0);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        select_otp(c, &a);
        make_config(cfg, SECRET_HEX, 0x24, 0x40, 0x26, NULL);
        write_slot(c, 0x03, cfg, NULL, &a);
        expect_hex(&a, "", 0x6581);
        assert_false(ykemu_card_slot(c, 2, got));
        assert_int_equal(ykemu_card_program_sequence(c), 0);
        ykemu_card_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_crc_worked_example),
                cmocka_unit_test(test_select),
                cmocka_unit_test(test_nothing_selected),
                cmocka_unit_test(test_write_and_hmac_lt64),
                cmocka_unit_test(test_hmac_without_lt64),
                cmocka_unit_test(test_refused_writes_keep_sequence),
                cmocka_unit_test(test_access_code),
                cmocka_unit_test(test_update_needs_allow_update),
                cmocka_unit_test(test_swap),
                cmocka_unit_test(test_serial_visibility),
                cmocka_unit_test(test_apdu_forms),
                cmocka_unit_test(test_management),
                cmocka_unit_test(test_touch),
                cmocka_unit_test_setup_teardown(test_state_roundtrip, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_state_rejects_bad_files, make_tmpdir, remove_tmpdir),
                cmocka_unit_test_setup_teardown(test_state_save_failure_changes_nothing, make_tmpdir, remove_tmpdir),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
