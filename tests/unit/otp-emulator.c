/* The OTP layer end to end against the emulated YubiKey (tests/emulator) in-process, through
 * the real APDU framing (tests/lib/emu-transport.c): discover, select, serial, challenge,
 * write, verify, delete, access codes, touch, a key pulled out or swapped. The expected HMAC
 * comes from OpenSSL (crypto_hmac_sha1) over the challenge, and what the card stored is read
 * back through the emulator's own accessor. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/hmac.h"
#include "crypto/random.h"
#include "emu-transport.h"
#include "otp/applet.h"
#include "otp/config.h"
#include "otp/discover.h"

#define READER "Yubico YubiKey OTP+FIDO+CCID 00 00"

static const struct yk_backend *const backends[] = { &emu_backend, NULL };

struct fixture {
        struct ykemu_card *card;
        struct yk_conn *conn;
        struct yk_otp_status st;
        struct yk_hmac_key secret;
        unsigned touches;
};

static struct ykemu_card *new_card(uint32_t serial, enum ykemu_touch touch) {
        struct ykemu_options o;
        struct ykemu_card *card = NULL;
        ykemu_options_init(&o);
        o.serial = serial;
        o.touch = touch;
        o.touch_ms = 0;
        o.touch_timeout_ms = 50;
        assert_int_equal(ykemu_card_new(&o, &card), 0);
        return card;
}

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        assert_non_null(f);
        emu_backend_reset();
        f->card = new_card(10000001, YKEMU_TOUCH_AUTO);
        assert_int_equal(emu_backend_add_card(f->card, READER), 0);
        assert_int_equal(crypto_random(f->secret.bytes, sizeof(f->secret.bytes)), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        yk_conn_close(f->conn);
        emu_backend_reset();
        ykemu_card_free(f->card);
        free(f);
        return 0;
}

static void count_touch(void *userdata) {
        struct fixture *f = userdata;
        f->touches++;
}

static void open_token(struct fixture *f) {
        struct yk_token_list list = { 0 };
        assert_int_equal(yk_tokens_discover(backends, NULL, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 1);
        assert_int_equal(list.items[0].error, 0);
        yk_conn_close(f->conn);
        f->conn = NULL;
        assert_int_equal(yk_token_open(backends, &list.items[0], /* dl= */ NULL, &f->conn, &f->st), 0);
        yk_token_list_free(&list);
}

static void program(struct fixture *f, int slot, bool touch, const uint8_t *new_code, const uint8_t *cur_code) {
        struct yk_hmac_config_options o = { .touch = touch, .new_access_code = new_code };
        struct yk_slot_config config;
        uint8_t stored[52];
        struct yk_otp_status after;

        assert_int_equal(yk_build_hmac_config(&f->st.version, &f->secret, &o, &config), 0);
        assert_int_equal(yk_otp_write_config(f->conn, &f->st, slot, &config, cur_code, &after), 0);
        assert_int_equal(after.pgm_seq, (uint8_t) (f->st.pgm_seq + 1));
        assert_int_equal(yk_otp_slot_state(&after, slot), YK_SLOT_PROGRAMMED);
        assert_true(ykemu_card_slot(f->card, slot, stored));
        assert_memory_equal(stored, config.bytes, 52);
        f->st = after;
}

/* Challenges the slot and checks the answer against HMAC-SHA1(secret, challenge). */
static int challenge_and_verify(struct fixture *f, int slot, const uint8_t *chal, size_t len) {
        struct yk_response resp, want;
        struct yk_prompt p = { .touch = count_touch, .userdata = f };
        int r = yk_otp_challenge_hmac(f->conn, &f->st, slot, chal, len, &p, &resp);
        if (r < 0)
                return r;
        assert_int_equal(crypto_hmac_sha1(f->secret.bytes, sizeof(f->secret.bytes), chal, len, &want), 0);
        assert_memory_equal(resp.bytes, want.bytes, 20);
        return 0;
}

static void test_fresh_key(void **state) {
        struct fixture *f = *state;
        uint32_t serial = 0;
        uint8_t chal[32] = { 1 };

        open_token(f);
        assert_int_equal(f->st.version.major, 5);
        assert_int_equal(yk_otp_slot_state(&f->st, 1), YK_SLOT_EMPTY);
        assert_int_equal(yk_otp_slot_state(&f->st, 2), YK_SLOT_EMPTY);
        assert_int_equal(yk_otp_read_serial(f->conn, &serial), 0);
        assert_int_equal(serial, 10000001);
        assert_int_equal(challenge_and_verify(f, 2, chal, sizeof(chal)), -ENOKEY);
        assert_int_equal(f->touches, 0);
}

static void test_program_challenge_delete(void **state) {
        struct fixture *f = *state;
        uint8_t chal[63];
        uint32_t serial = 0;

        open_token(f);
        program(f, 2, false, NULL, NULL);
        for (size_t len = 32; len <= 63; len++) {
                assert_int_equal(crypto_random(chal, len), 0);
                assert_int_equal(challenge_and_verify(f, 2, chal, len), 0);
                chal[len - 1] = 0x00; /* the LT64 case that zero padding gets wrong */
                assert_int_equal(challenge_and_verify(f, 2, chal, len), 0);
        }
        assert_int_equal(f->touches, 64); /* PC/SC cannot tell: said before every challenge */
        assert_int_equal(yk_otp_read_serial(f->conn, &serial), 0); /* SERIAL_API_VISIBLE */
        assert_int_equal(serial, 10000001);
        assert_int_equal(challenge_and_verify(f, 1, chal, 32), -ENOKEY);

        /* Delete: no slot left valid, the sequence drops to 0 and that is success. */
        struct yk_otp_status after;
        assert_int_equal(yk_otp_delete_slot(f->conn, &f->st, 2, NULL, &after), 0);
        assert_int_equal(after.pgm_seq, 0);
        assert_int_equal(yk_otp_slot_state(&after, 2), YK_SLOT_EMPTY);
        assert_false(ykemu_card_slot(f->card, 2, (uint8_t[52]) { 0 }));
}

static void test_access_code(void **state) {
        struct fixture *f = *state;
        static const uint8_t code[6] = { 1, 2, 3, 4, 5, 6 }, wrong[6] = { 1, 2, 3, 4, 5, 7 };
        struct yk_otp_status after;
        static const struct yk_hmac_key another = { .bytes = "another secret 20 by" };
        struct yk_slot_config config;
        uint8_t stored[52], now[52];

        open_token(f);
        program(f, 1, false, code, NULL);
        /* Overwrite or delete without the code, or with a wrong one: refused, nothing changed. */
        assert_true(ykemu_card_slot(f->card, 1, stored));
        assert_int_equal(yk_build_hmac_config(&f->st.version, &another, NULL, &config), 0);
        assert_int_equal(yk_otp_write_config(f->conn, &f->st, 1, &config, NULL, &after), -EPERM);
        assert_int_equal(yk_otp_delete_slot(f->conn, &f->st, 1, wrong, &after), -EPERM);
        assert_true(ykemu_card_slot(f->card, 1, now));
        assert_memory_equal(now, stored, 52);
        assert_int_equal(ykemu_card_program_sequence(f->card), f->st.pgm_seq);
        uint8_t chal[32] = { 9 };
        assert_int_equal(challenge_and_verify(f, 1, chal, sizeof(chal)), 0);
        /* With the code: deleted. */
        assert_int_equal(yk_otp_delete_slot(f->conn, &f->st, 1, code, &after), 0);
        assert_false(ykemu_card_slot(f->card, 1, now));
}

static void test_touch(void **state) {
        struct fixture *f = *state;
        uint8_t chal[40];

        open_token(f);
        program(f, 2, true, NULL, NULL);
        assert_int_equal(crypto_random(chal, sizeof(chal)), 0);
        assert_int_equal(challenge_and_verify(f, 2, chal, sizeof(chal)), 0); /* touched at once */
        assert_int_equal(f->touches, 1);

        /* Nobody touches: 69 85 after the key's timeout. */
        struct ykemu_card *lazy = new_card(10000002, YKEMU_TOUCH_NEVER);
        struct yk_hmac_config_options o = { .touch = true };
        struct yk_slot_config config;
        struct yk_response resp;
        struct yk_otp_status st, after;
        struct yk_conn *c = NULL;
        struct yk_prompt p = { .touch = count_touch, .userdata = f };
        assert_int_equal(emu_backend_add_card(lazy, "Lazy Reader 01 00"), 0);
        struct yk_device dev = { .kind = YK_TRANSPORT_PCSC, .name = "Lazy Reader 01 00" };
        assert_int_equal(yk_conn_open(&emu_backend, &dev, /* dl= */ NULL, &c), 0);
        assert_int_equal(yk_otp_select(c, &st), 0);
        assert_int_equal(yk_build_hmac_config(&st.version, &f->secret, &o, &config), 0);
        assert_int_equal(yk_otp_write_config(c, &st, 2, &config, NULL, &after), 0);
        assert_int_equal(yk_otp_challenge_hmac(c, &after, 2, chal, sizeof(chal), &p, &resp), -ETIMEDOUT);
        assert_int_equal(f->touches, 2);
        yk_conn_close(c);
        emu_backend_reset(); /* before the card it points to is freed */
        ykemu_card_free(lazy);
}

static void test_hidden_serial(void **state) {
        struct fixture *f = *state;
        struct yk_slot_config config;
        uint32_t serial = 0xdeadbeef;
        struct yk_otp_status after;

        open_token(f);
        assert_int_equal(yk_build_hmac_config(&f->st.version, &f->secret, NULL, &config), 0);
        config.bytes[45] &= (uint8_t) ~0x04; /* SERIAL_API_VISIBLE off, CRC again */
        uint16_t crc = yk_config_crc(&config);
        config.bytes[50] = (uint8_t) crc;
        config.bytes[51] = (uint8_t) (crc >> 8);
        assert_int_equal(yk_otp_write_config(f->conn, &f->st, 2, &config, NULL, &after), 0);
        assert_int_equal(yk_otp_read_serial(f->conn, &serial), -ENOENT);
        assert_int_equal(serial, 0xdeadbeef);

        /* Discovery lists it without a serial and without an error. */
        struct yk_token_list list = { 0 };
        yk_conn_close(f->conn);
        f->conn = NULL;
        assert_int_equal(yk_tokens_discover(backends, NULL, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 1);
        assert_int_equal(list.items[0].error, 0);
        assert_false(list.items[0].serial_known);
        struct yk_token_filter by_serial = { .serial_set = true, .serial = 10000001 };
        yk_token_list_free(&list);
        assert_int_equal(yk_tokens_discover(backends, &by_serial, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 0);
        yk_token_list_free(&list);
}

static void test_pulled_out_and_swapped(void **state) {
        struct fixture *f = *state;
        struct yk_token_list list = { 0 };
        uint8_t chal[32] = { 3 };
        struct yk_response resp;
        uint32_t serial;

        assert_int_equal(yk_tokens_discover(backends, NULL, /* dl= */ NULL, &list), 0);
        assert_int_equal(list.n, 1);
        assert_int_equal(yk_token_open(backends, &list.items[0], /* dl= */ NULL, &f->conn, &f->st), 0);
        program(f, 2, false, NULL, NULL);

        /* Pulled out mid-operation. */
        assert_int_equal(emu_backend_remove_card(READER), 0);
        assert_int_equal(yk_otp_challenge_hmac(f->conn, &f->st, 2, chal, 32, NULL, &resp), -ENOMEDIUM);
        assert_int_equal(yk_otp_read_serial(f->conn, &serial), -ENOMEDIUM);
        yk_conn_close(f->conn);
        f->conn = NULL;
        assert_int_equal(yk_token_open(backends, &list.items[0], /* dl= */ NULL, &f->conn, &f->st), -ENODEV);
        assert_null(f->conn);

        /* Another key in the same reader. */
        struct ykemu_card *other = new_card(10000099, YKEMU_TOUCH_AUTO);
        emu_backend_reset();
        assert_int_equal(emu_backend_add_card(other, READER), 0);
        assert_int_equal(yk_token_open(backends, &list.items[0], /* dl= */ NULL, &f->conn, &f->st), -ENODEV);
        emu_backend_reset();
        ykemu_card_free(other);
        /* The first key back: the same token again. */
        assert_int_equal(emu_backend_add_card(f->card, READER), 0);
        assert_int_equal(yk_token_open(backends, &list.items[0], /* dl= */ NULL, &f->conn, &f->st), 0);
        yk_token_list_free(&list);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_fresh_key, setup, teardown),
                cmocka_unit_test_setup_teardown(test_program_challenge_delete, setup, teardown),
                cmocka_unit_test_setup_teardown(test_access_code, setup, teardown),
                cmocka_unit_test_setup_teardown(test_touch, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hidden_serial, setup, teardown),
                cmocka_unit_test_setup_teardown(test_pulled_out_and_swapped, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
