/* The emulated card's parsing of command APDUs (tests/emulator/card.c and card-otp.c): the input
 * is a sequence of APDUs, each preceded by its length byte (0xff: the rest of the input), fed to
 * one fresh in-memory card, so that SELECT, writes and challenges can follow one another. The
 * card must always answer with a status word and keep its own rules. No disk, no touch delay. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ykemu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_invariants(const struct ykemu_card *card) {
        uint8_t cfg[YKEMU_CONFIG_SIZE];
        bool any = ykemu_card_slot(card, 1, cfg) || ykemu_card_slot(card, 2, cfg);
        /* The program sequence is 0 exactly when no slot is valid. */
        if (any != (ykemu_card_program_sequence(card) != 0))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct ykemu_options o;
        ykemu_options_init(&o);
        o.touch_ms = 0;
        struct ykemu_card *card;
        if (ykemu_card_new(&o, &card) < 0)
                return 0;
        size_t i = 0;
        while (i < size) {
                size_t n = data[i++];
                if (n == 0xff || n > size - i)
                        n = size - i;
                /* An exact copy, so that ASan sees any read past the APDU. */
                uint8_t *apdu = malloc(n ? n : 1);
                if (!apdu)
                        break;
                memcpy(apdu, data + i, n);
                uint8_t resp[300];
                size_t len = 0;
                int r = ykemu_card_apdu(card, apdu, n, resp, sizeof(resp), &len);
                free(apdu);
                if (r != 0 || len < 2 || len > 258)
                        abort();
                check_invariants(card);
                i += n;
        }
        ykemu_card_free(card);
        return 0;
}
