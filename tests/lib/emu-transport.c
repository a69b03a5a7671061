/* The emulated card as a byte-level transport backend: enumerate lists the registered readers,
 * open gives a handle whose transmit is ykemu_card_apdu(); the OTP framing on top is the real
 * one (src/otp/frame-ccid.c), put there by yk_conn_open as for PC/SC. */
#include "emu-transport.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


#define EMU_READERS_MAX 8

struct emu_reader {
        char name[YK_DEVICE_NAME_MAX];
        struct ykemu_card *card; /* NULL: pulled out */
        unsigned generation;     /* changes when the card is pulled out or the table reset */
        bool used;
};

static struct emu_reader readers[EMU_READERS_MAX];
static unsigned next_generation = 1;

/* What a connection holds: which reader, and which insertion of a card into it. */
struct emu_link {
        size_t index;
        unsigned generation;
};

static struct emu_reader *find(const char *name) {
        for (size_t i = 0; i < EMU_READERS_MAX; i++)
                if (readers[i].used && strcmp(readers[i].name, name) == 0)
                        return &readers[i];
        return NULL;
}

int emu_backend_add_card(struct ykemu_card *card, const char *reader_name) {
        if (!card || !reader_name || strlen(reader_name) >= YK_DEVICE_NAME_MAX)
                return -EINVAL;
        if (find(reader_name))
                return -EEXIST;
        for (size_t i = 0; i < EMU_READERS_MAX; i++) {
                if (readers[i].used)
                        continue;
                readers[i] = (struct emu_reader) { .card = card, .generation = next_generation++, .used = true };
                strcpy(readers[i].name, reader_name); /* length checked above */
                return 0;
        }
        return -ENOSPC;
}

int emu_backend_remove_card(const char *reader_name) {
        struct emu_reader *r = find(reader_name);
        if (!r)
                return -ENOENT;
        r->card = NULL;
        r->generation = next_generation++;
        return 0;
}

void emu_backend_reset(void) {
        memset(readers, 0, sizeof(readers));
        next_generation++;
}

static int emu_enumerate(const struct yk_deadline *dl, struct yk_device_list *list) {
        for (size_t i = 0; i < EMU_READERS_MAX; i++) {
                if (!readers[i].used)
                        continue;
                struct yk_device dev = { .kind = YK_TRANSPORT_PCSC };
                strcpy(dev.name, readers[i].name);
                int r = yk_device_list_append(list, &dev);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int emu_transmit(void *userdata, const struct yk_deadline *dl, const uint8_t *apdu, size_t len,
                        uint8_t *resp, size_t cap, size_t *ret_len) {
        const struct emu_link *link = userdata;
        const struct emu_reader *r = &readers[link->index];
        if (!r->used || !r->card || r->generation != link->generation)
                return -ENOMEDIUM;
        return ykemu_card_apdu(r->card, apdu, len, resp, cap, ret_len);
}

static void emu_close(void *userdata) {
        free(userdata);
}

static int emu_open(const struct yk_device *dev, const struct yk_deadline *dl, void **ret) {
        struct emu_reader *r = find(dev->name);
        if (!r)
                return -ENODEV;
        if (!r->card)
                return -ENOMEDIUM;
        struct emu_link *link = malloc(sizeof(*link));
        if (!link)
                return -ENOMEM;
        *link = (struct emu_link) { .index = (size_t) (r - readers), .generation = r->generation };
        ykemu_card_reset(r->card); /* a new PC/SC connection starts after a reset */
        *ret = link;
        return 0;
}

const struct yk_backend emu_backend = {
        .name = "emu",
        .kind = YK_TRANSPORT_PCSC,
        .enumerate = emu_enumerate,
        .open = emu_open,
        .close = emu_close,
        .transmit = emu_transmit,
};
