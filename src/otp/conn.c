/* Opening a connection: the transport's handle with the framing of its kind on top. */
#include <errno.h>
#include <string.h>

#include "otp/applet.h"
#include "otp/conn.h"
#include "otp/frame-ccid.h"
#include "otp/frame-hid.h"

void yk_conn_init(struct yk_conn *c, const struct yk_conn_ops *ops, const struct yk_device *dev) {
        c->ops = ops;
        c->device = *dev;
        c->device.name[YK_DEVICE_NAME_MAX - 1] = '\0';
        c->deadline = yk_deadline_in(0);
}

int yk_conn_open(const struct yk_backend *b, const struct yk_device *dev, const struct yk_deadline *dl,
                 struct yk_conn **ret) {
        void *handle = NULL;
        if (!b || !dev || !ret || dev->kind != b->kind)
                return -EINVAL;
        int r = b->open(dev, dl, &handle);
        if (r < 0)
                return r;
        struct yk_conn *c = NULL;
        if (b->kind == YK_TRANSPORT_PCSC) {
                const struct yk_ccid_io io = { .transmit = b->transmit, .close = b->close, .userdata = handle };
                r = yk_ccid_conn_new(dev, &io, &c); /* owns handle from here, also on failure */
        } else {
                const struct yk_hid_io io = {
                        .get_report = b->get_report,
                        .set_report = b->set_report,
                        .close = b->close,
                        .userdata = handle,
                };
                r = yk_hid_conn_new(dev, &io, /* timing= */ NULL, &c);
        }
        if (r < 0)
                return r;
        c->deadline = dl ? *dl : yk_deadline_in(0);
        *ret = c;
        return 0;
}

struct yk_deadline yk_conn_call_deadline(const struct yk_conn *c, uint8_t slot_cmd) {
        switch (slot_cmd) {
        case YK_CMD_SERIAL:
        case YK_CMD_DEVICE_INFO:
                return c->deadline;
        default:
                return yk_deadline_in(YK_EXCHANGE_MS); /* challenges, configuration writes */
        }
}

void yk_conn_close(struct yk_conn *c) {
        if (c)
                c->ops->close(c);
}
