/* The responses of one run (docs/token-format.md, "One touch for several vaults"): vaults
 * enrolled as a group hold the same challenge for the same key and slot, so the response the
 * key gave for the first one serves the others, and a key with a touch slot is touched once.
 * The whole table lives in one block of the secure allocator (locked, not dumped, wiped when
 * freed); it is never written anywhere. */
#include <errno.h>
#include <string.h>

#include "vault/internal.h"

#define CACHE_ENTRIES 32 /* distinct (key, slot, challenge) of one run; more are asked each time */

struct cache_entry {
        uint32_t serial;
        int slot;
        size_t challenge_len;
        uint8_t challenge[YK_CHALLENGE_MAX];
        struct yk_response response;
};

struct vault_response_cache {
        size_t n;
        struct cache_entry entries[CACHE_ENTRIES];
};

int vault_response_cache_new(struct vault_response_cache **ret) {
        if (!ret)
                return -EINVAL;
        struct vault_response_cache *c = secure_alloc(sizeof(*c));
        if (!c)
                return -ENOMEM;
        *ret = c;
        return 0;
}

void vault_response_cache_free(struct vault_response_cache *c) {
        secure_free(c); /* wipes the responses */
}

/* Only a key that shows its serial is cached: two keys that hide it cannot be told apart. */
static bool cacheable(const struct yk_token *t, int slot, size_t len) {
        return t->serial_known && (slot == 1 || slot == 2) && len > 0 && len <= YK_CHALLENGE_MAX;
}

static struct cache_entry *find(struct vault_response_cache *c, const struct yk_token *t, int slot,
                                const uint8_t *challenge, size_t len) {
        for (size_t i = 0; i < c->n; i++) {
                struct cache_entry *e = &c->entries[i];
                if (e->serial == t->serial && e->slot == slot && e->challenge_len == len &&
                    memcmp(e->challenge, challenge, len) == 0)
                        return e;
        }
        return NULL;
}

int vault_response_cache_get(struct vault_response_cache *c, const struct yk_token *t, int slot,
                             const uint8_t *challenge, size_t len, struct yk_response **ret) {
        if (!c || !t || !challenge || !ret)
                return -EINVAL;
        if (!cacheable(t, slot, len))
                return -ENOENT;
        const struct cache_entry *e = find(c, t, slot, challenge, len);
        if (!e)
                return -ENOENT;
        struct yk_response *copy = secure_alloc(sizeof(*copy));
        if (!copy)
                return -ENOMEM;
        *copy = e->response;
        *ret = copy;
        return 0;
}

int vault_response_cache_put(struct vault_response_cache *c, const struct yk_token *t, int slot,
                             const uint8_t *challenge, size_t len, const struct yk_response *response) {
        if (!c || !t || !challenge || !response)
                return -EINVAL;
        if (!cacheable(t, slot, len))
                return -EINVAL;
        struct cache_entry *e = find(c, t, slot, challenge, len);
        if (!e) {
                if (c->n >= CACHE_ENTRIES)
                        return -ENOSPC;
                e = &c->entries[c->n++];
        }
        *e = (struct cache_entry) { .serial = t->serial, .slot = slot, .challenge_len = len, .response = *response };
        memcpy(e->challenge, challenge, len);
        return 0;
}
