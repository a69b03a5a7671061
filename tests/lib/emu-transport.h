/* A PC/SC-kind transport backend for tests: the emulated card (tests/emulator) in-process,
 * plugged in at the byte level (APDUs), under the real framing of src/otp/frame-ccid.c. Cards are registered under reader
 * names; a card can be "pulled out" so that later exchanges fail as with a removed card. */
#pragma once

#include "transport/transport.h"
#include "ykemu.h"

extern const struct yk_backend emu_backend;

/* Registers a card (not owned: the caller frees it after emu_backend_reset) under a reader
 * name. -EEXIST for a name already registered, -ENOSPC when the table is full. */
int emu_backend_add_card(struct ykemu_card *card, const char *reader_name);

/* Pulls the card out of its reader: the reader stays listed, opens and exchanges fail with
 * -ENOMEDIUM, also on connections opened before. -ENOENT for an unknown name. */
int emu_backend_remove_card(const char *reader_name);

/* Forgets every registered card. */
void emu_backend_reset(void);
