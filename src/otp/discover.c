/* Finding tokens across backends: every device is opened, its OTP application selected and
 * its serial asked, then closed again. Nothing is kept open between discovery and use: an
 * operation re-opens the token and checks that it is still the same one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "otp/applet.h"
#include "otp/discover.h"

void yk_token_list_free(struct yk_token_list *list) {
        if (!list)
                return;
        free(list->items);
        list->items = NULL;
        list->n = 0;
}

static int token_list_append(struct yk_token_list *list, const struct yk_token *t) {
        if (list->n >= SIZE_MAX / sizeof(*list->items) - 1)
                return -ENOMEM;
        struct yk_token *items = realloc(list->items, (list->n + 1) * sizeof(*items));
        if (!items)
                return -ENOMEM;
        items[list->n++] = *t;
        list->items = items;
        return 0;
}

/* Open, select, serial, close. Errors that say something about the device go to t->error;
 * only running out of memory fails. */
static int probe(const struct yk_backend *b, const struct yk_device *dev, const struct yk_deadline *dl,
                 struct yk_token *t) {
        struct yk_conn *c = NULL;

        *t = (struct yk_token) { .device = *dev };
        int r = yk_conn_open(b, dev, dl, &c);
        if (r == 0) {
                r = yk_otp_select(c, &t->status);
                if (r == 0) {
                        uint32_t serial;
                        r = yk_otp_read_serial(c, &serial);
                        if (r == 0) {
                                t->serial_known = true;
                                t->serial = serial;
                        } else if (r == -ENOENT)
                                r = 0;
                }
                yk_conn_close(c);
        }
        if (r == -ENOMEM)
                return r;
        t->error = r;
        return 0;
}

static bool filter_keeps(const struct yk_token_filter *f, const struct yk_device *dev) {
        return !f || !f->reader || strstr(dev->name, f->reader);
}

static bool filter_keeps_token(const struct yk_token_filter *f, const struct yk_token *t) {
        return !f || !f->serial_set || (t->serial_known && t->serial == f->serial);
}

/* The same key seen on a second transport (a USB YubiKey over HID and behind pcscd): only the
 * first sighting is kept, the one of the transport asked first. Only a shown serial can tell. */
static bool seen_before(const struct yk_token_list *list, const struct yk_token *t) {
        if (t->error < 0 || !t->serial_known)
                return false;
        for (size_t i = 0; i < list->n; i++)
                if (list->items[i].error == 0 && list->items[i].serial_known && list->items[i].serial == t->serial &&
                    list->items[i].device.kind != t->device.kind)
                        return true;
        return false;
}

static int discover_backend(const struct yk_backend *b, const struct yk_token_filter *filter,
                            const struct yk_deadline *dl, struct yk_token_list *list) {
        struct yk_device_list devs = { 0 };
        int r = b->enumerate(dl, &devs);
        for (size_t i = 0; r >= 0 && i < devs.n; i++) {
                struct yk_token t;
                if (!filter_keeps(filter, &devs.items[i]))
                        continue;
                r = probe(b, &devs.items[i], dl, &t);
                if (r == 0 && filter_keeps_token(filter, &t) && !seen_before(list, &t))
                        r = token_list_append(list, &t);
        }
        yk_device_list_free(&devs);
        return r < 0 ? r : 0;
}

int yk_token_backends(const char *transport, const struct yk_backend *const **ret) {
        return yk_backends_for(transport, ret);
}

int yk_tokens_discover(const struct yk_backend *const *backends, const struct yk_token_filter *filter,
                       const struct yk_deadline *dl, struct yk_token_list *ret) {
        struct yk_token_list list = { 0 };
        size_t asked = 0;
        int down = 0;

        if (!backends || !ret)
                return -EINVAL;
        for (size_t i = 0; backends[i]; i++) {
                asked++;
                int r = discover_backend(backends[i], filter, dl, &list);
                /* pcscd not running, not answering, or compiled out: the other backends may
                 * still see tokens. */
                if (r == -EHOSTDOWN || r == -EHOSTUNREACH || r == -EOPNOTSUPP) {
                        if (down == 0 || r == -EHOSTUNREACH)
                                down = r;
                        continue;
                }
                if (r < 0) {
                        yk_token_list_free(&list);
                        return r;
                }
        }
        if (asked == 0)
                return -EOPNOTSUPP;
        /* pcscd not running and no other backend saw anything: say so rather than "nothing". */
        if (down < 0 && list.n == 0)
                return down;
        *ret = list;
        return 0;
}

static const struct yk_backend *backend_of(const struct yk_backend *const *backends, enum yk_transport_kind k) {
        for (size_t i = 0; backends && backends[i]; i++)
                if (backends[i]->kind == k)
                        return backends[i];
        return NULL;
}

/* Same token as the one discovered? A serial that was shown must be shown again, the same;
 * a token found without a serial must still show none. */
static int check_same_token(struct yk_conn *c, const struct yk_token *t) {
        uint32_t serial;
        int r = yk_otp_read_serial(c, &serial);
        if (r == -ENOENT)
                return t->serial_known ? -ENODEV : 0;
        if (r < 0)
                return r;
        return t->serial_known && serial == t->serial ? 0 : -ENODEV;
}

int yk_token_open(const struct yk_backend *const *backends, const struct yk_token *t, const struct yk_deadline *dl,
                  struct yk_conn **ret_conn, struct yk_otp_status *ret_status) {
        struct yk_conn *c = NULL;
        struct yk_otp_status st;

        if (!t || !ret_conn)
                return -EINVAL;
        const struct yk_backend *b = backend_of(backends, t->device.kind);
        if (!b)
                return -EOPNOTSUPP;
        int r = yk_conn_open(b, &t->device, dl, &c);
        if (r == 0)
                r = yk_otp_select(c, &st);
        if (r == 0)
                r = check_same_token(c, t);
        if (r < 0) {
                yk_conn_close(c);
                /* The reader is empty now, or holds another card: the token is gone. */
                return r == -ENOMEDIUM || r == -EMEDIUMTYPE ? -ENODEV : r;
        }
        *ret_conn = c;
        if (ret_status)
                *ret_status = st;
        return 0;
}
