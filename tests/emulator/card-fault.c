/* Faults on demand: a card without the OTP application, garbage, a truncated status, and a card
 * pulled out in the middle of an operation. The host must turn each into a clear error. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "card-internal.h"

#define INS_SELECT 0xa4
#define INS_OTP 0x01

int ykemu_fault_from_string(const char *s, enum ykemu_fault *ret) {
        static const struct {
                const char *name;
                enum ykemu_fault fault;
        } names[] = {
                { "none", YKEMU_FAULT_NONE },       { "no-otp", YKEMU_FAULT_NO_OTP },
                { "garbage", YKEMU_FAULT_GARBAGE }, { "short", YKEMU_FAULT_SHORT },
                { "pull-on-write", YKEMU_FAULT_PULL_ON_WRITE },
        };
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strcmp(s, names[i].name) == 0) {
                        *ret = names[i].fault;
                        return 0;
                }
        return -EINVAL;
}

static bool is_config_write(const uint8_t *apdu, size_t len) {
        return len >= 4 && apdu[1] == INS_OTP && (apdu[2] == 0x01 || apdu[2] == 0x03);
}

int ykemu_fault_answer(struct ykemu_card *card, const uint8_t *apdu, size_t len, uint8_t *resp,
                       size_t *ret_len) {
        bool select = len >= 4 && apdu[1] == INS_SELECT;
        switch (card->opt.fault) {
        case YKEMU_FAULT_NONE:
                return 0;
        case YKEMU_FAULT_NO_OTP:
                if (!select)
                        return 0;
                resp[0] = 0x6a, resp[1] = 0x82;
                *ret_len = 2;
                return 1;
        case YKEMU_FAULT_GARBAGE:
                resp[0] = 0x42;
                *ret_len = 1;
                return 1;
        case YKEMU_FAULT_SHORT:
                if (!select)
                        return 0;
                memcpy(resp, "\x05\x04\x03\x90\x00", 5);
                *ret_len = 5;
                return 1;
        case YKEMU_FAULT_PULL_ON_WRITE:
                return is_config_write(apdu, len) ? -ENOMEDIUM : 0;
        }
        return 0;
}
