/* Modhex: hexadecimal written with the 16 letters cbdefghijklnrtuv instead of 0-9a-f (the
 * alphabet of YubiKey OTPs). Each of these letters sits on the same key in every common Latin
 * keyboard layout, so that what is read off paper is what a console under any layout types. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase modhex letters (high nibble first) to out; no NUL. */
void modhex_encode(const uint8_t *data, size_t len, char *out);

/* The value 0..15 of one modhex letter, either case; -1 for any other character. */
int modhex_value(char c);
