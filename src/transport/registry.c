/* The backends compiled in, and device lists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transport/transport.h"

const char *yk_transport_kind_name(enum yk_transport_kind kind) {
        switch (kind) {
        case YK_TRANSPORT_PCSC:
                return "pcsc";
        case YK_TRANSPORT_HID:
                return "hid";
        }
        return "unknown";
}

void yk_device_list_free(struct yk_device_list *list) {
        if (!list)
                return;
        free(list->items);
        list->items = NULL;
        list->n = 0;
}

int yk_device_list_append(struct yk_device_list *list, const struct yk_device *dev) {
        if (!list || !dev)
                return -EINVAL;
        if (list->n >= SIZE_MAX / sizeof(*list->items) - 1)
                return -ENOMEM;
        struct yk_device *items = realloc(list->items, (list->n + 1) * sizeof(*items));
        if (!items)
                return -ENOMEM;
        items[list->n] = *dev;
        /* A name always ends in NUL, whatever the caller put in the array. */
        items[list->n].name[YK_DEVICE_NAME_MAX - 1] = '\0';
        list->items = items;
        list->n++;
        return 0;
}

#if !YK_WITH_PCSC
const struct yk_backend yk_backend_pcsc = {
        .name = "pcsc",
        .kind = YK_TRANSPORT_PCSC,
        .enumerate = yk_pcsc_stub_enumerate,
        .open = yk_pcsc_stub_open,
        .close = yk_pcsc_stub_close,
        .transmit = yk_pcsc_stub_transmit,
};
#endif

/* `auto` asks HID first: a USB YubiKey answers challenge-response over its keyboard interface
 * (over USB CCID it usually refuses with 69 85), and discovery keeps the first sighting of a
 * serial, so the same key behind pcscd is not listed twice. PC/SC then covers NFC readers and
 * the tokens that speak the OTP application only over CCID. */
static const struct yk_backend *const backends_pcsc[] = { &yk_backend_pcsc, NULL };
static const struct yk_backend *const backends_hid[] = { &yk_backend_hid, NULL };
static const struct yk_backend *const backends_auto[] = { &yk_backend_hid, YK_WITH_PCSC ? &yk_backend_pcsc : NULL,
                                                          NULL };

int yk_backends_for(const char *transport, const struct yk_backend *const **ret) {
        if (!transport || !ret)
                return -EINVAL;
        if (strcmp(transport, "pcsc") == 0)
                *ret = backends_pcsc;
        else if (strcmp(transport, "hid") == 0)
                *ret = backends_hid;
        else if (strcmp(transport, "auto") == 0)
                *ret = backends_auto;
        else
                return -EINVAL;
        return 0;
}
