/* A loaded vault: the header read once for a whole command. */
#include <errno.h>
#include <stdlib.h>

#include "vault/internal.h"

int vault_load_vault(const struct vault_location *loc, struct vault **ret) {
        if (!loc || !ret)
                return -EINVAL;
        _cleanup_(freep) struct vault *v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        int r = vault_load_header(loc, &v->cd, &v->h);
        if (r < 0)
                return r;
        /* A header file named as the device is a detached header too: its data segment starts at 0. */
        v->detached = loc->header != NULL || crypt_get_data_offset(v->cd) == 0;
        *ret = TAKE_PTR(v);
        return 0;
}

void vault_unref(struct vault *v) {
        if (!v)
                return;
        crypt_free(v->cd);
        free(v);
}
