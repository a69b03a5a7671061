/* The PC/SC backend on libpcsclite: readers are devices; a connection is one shared
 * connection (T=0 or T=1) holding one transaction from open to close, so that no other client
 * talks to the key between our SELECT and our last command. APDU framing is otp/'s job
 * (otp/frame-ccid.c): this file only moves raw APDUs and maps PC/SC results to errnos
 * (transport.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <winscard.h>

#include "shared/secmem.h"
#include "transport/bounded.h"
#include "transport/transport.h"

/* How long open waits for the card at most (less when the deadline is nearer): pcscd makes a
 * connection wait, without a timeout, while another client holds a transaction (ykman for a
 * moment, scdaemon maybe for good). */
#define CONNECT_WAIT_MS 5000

/* Every PC/SC call runs in a helper thread, bounded (transport/bounded.h): a PC/SC service
 * that stops answering (pcscd stopped, or wedged) would otherwise block us for good, and no
 * PC/SC call can cancel another (SCardCancel needs the service too). Once one call has
 * overrun, the helper may still hold pcsc-lite's lock (SCardEstablishContext holds a global
 * one), so every later call of this process would block behind it: the backend is dead from
 * then on, and says so at once (-EHOSTUNREACH). */
static atomic_bool service_dead;

/* Runs work(arg) within ms. On -EHOSTUNREACH arg belongs to the helper (or was given to
 * abandon at once when the backend was already dead): the caller must not touch it. */
static int bounded(int (*work)(void *), void (*abandon)(void *, int), void *arg, long ms) {
        if (atomic_load(&service_dead)) {
                abandon(arg, -EHOSTUNREACH);
                return -EHOSTUNREACH;
        }
        int r = yk_run_with_deadline(work, abandon, arg, ms);
        if (r != -ETIMEDOUT)
                return r;
        atomic_store(&service_dead, true);
        return -EHOSTUNREACH;
}

struct pcsc_raw {
        SCARDCONTEXT ctx;
        SCARDHANDLE card;
        DWORD protocol;
        bool has_ctx;
        bool connected;
        bool in_transaction;
        char reader[YK_DEVICE_NAME_MAX];
};

static int errno_from_pcsc(LONG rv) {
        switch (rv) {
        case SCARD_S_SUCCESS:
                return 0;
        case SCARD_E_NO_SERVICE:
        case SCARD_E_SERVICE_STOPPED:
                return -EHOSTDOWN;
        case SCARD_E_NO_SMARTCARD:
        case SCARD_W_REMOVED_CARD:
        case SCARD_E_READER_UNAVAILABLE:
        case SCARD_E_UNKNOWN_READER:
        case SCARD_E_NO_READERS_AVAILABLE:
                return -ENOMEDIUM;
        case SCARD_E_SHARING_VIOLATION:
                return -EUSERS;
        case SCARD_W_RESET_CARD:
                return -ECONNRESET;
        case SCARD_E_NO_MEMORY:
                return -ENOMEM;
        default:
                return -EIO;
        }
}

/* Appends every name of a PC/SC multi-string ("a\0b\0\0"), reading no byte past size. */
static int append_readers(const char *names, size_t size, struct yk_device_list *list) {
        size_t off = 0;
        while (off < size) {
                size_t len = strnlen(names + off, size - off);
                if (len == 0 || len == size - off)
                        break; /* the final empty name, or a name without its NUL */
                if (len < YK_DEVICE_NAME_MAX) {
                        struct yk_device dev = { .kind = YK_TRANSPORT_PCSC };
                        memcpy(dev.name, names + off, len + 1);
                        int r = yk_device_list_append(list, &dev);
                        if (r < 0)
                                return r;
                }
                /* A longer name could not be opened by what we keep of it: left out. */
                off += len + 1;
        }
        return 0;
}

static int list_readers(SCARDCONTEXT ctx, struct yk_device_list *list) {
        /* The list may grow between the size query and the read: try a few times. */
        for (int attempt = 0; attempt < 3; attempt++) {
                DWORD size = 0;
                LONG rv = SCardListReaders(ctx, NULL, NULL, &size);
                if (rv == SCARD_E_NO_READERS_AVAILABLE)
                        return 0;
                if (rv != SCARD_S_SUCCESS)
                        return errno_from_pcsc(rv);
                if (size == 0)
                        return 0;
                char *names = malloc(size);
                if (!names)
                        return -ENOMEM;
                DWORD got = size;
                rv = SCardListReaders(ctx, NULL, names, &got);
                int r = rv == SCARD_S_SUCCESS ? append_readers(names, got <= size ? got : size, list)
                                              : errno_from_pcsc(rv);
                free(names);
                if (rv == SCARD_E_INSUFFICIENT_BUFFER)
                        continue;
                if (rv == SCARD_E_NO_READERS_AVAILABLE)
                        return 0;
                return r;
        }
        return -EIO;
}

/* The whole enumeration as one bounded job: context, reader list, release. */
struct enumerate_job {
        struct yk_device_list list;
};

static int enumerate_work(void *arg) {
        struct enumerate_job *j = arg;
        SCARDCONTEXT ctx;
        LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
        if (rv != SCARD_S_SUCCESS)
                return errno_from_pcsc(rv);
        int r = list_readers(ctx, &j->list);
        (void) SCardReleaseContext(ctx);
        return r;
}

static void enumerate_abandon(void *arg, int result) {
        struct enumerate_job *j = arg;
        yk_device_list_free(&j->list);
        free(j);
}

static int pcsc_enumerate(const struct yk_deadline *dl, struct yk_device_list *list) {
        struct enumerate_job *j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        int r = bounded(enumerate_work, enumerate_abandon, j, yk_deadline_call_ms(dl));
        if (r == -EHOSTUNREACH)
                return r; /* j is the helper's now */
        for (size_t i = 0; r >= 0 && i < j->list.n; i++)
                r = yk_device_list_append(list, &j->list.items[i]);
        enumerate_abandon(j, r);
        return r < 0 ? r : 0;
}

static int begin_transaction(struct pcsc_raw *raw) {
        LONG rv = SCardBeginTransaction(raw->card);
        if (rv != SCARD_S_SUCCESS)
                return errno_from_pcsc(rv);
        raw->in_transaction = true;
        return 0;
}

/* After a reset the handle must be reconnected before any other call; the card is left as it
 * is (the reset already happened) and our transaction taken again. */
static int reconnect(struct pcsc_raw *raw) {
        raw->in_transaction = false;
        LONG rv = SCardReconnect(raw->card, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                                 SCARD_LEAVE_CARD, &raw->protocol);
        if (rv != SCARD_S_SUCCESS)
                return rv == SCARD_W_RESET_CARD ? -EIO : errno_from_pcsc(rv);
        return begin_transaction(raw);
}

/* A command that failed, or came back without a status word, is what a token pulled out in
 * the middle looks like; the reader notices the removal a moment later. Waits up to a second
 * for that, so that the error says "removed" rather than "garbage" or "I/O error". */
static int card_gone_or(struct pcsc_raw *raw, int otherwise) {
        for (int i = 0; i < 10; i++) {
                SCARD_READERSTATE rs = { .szReader = raw->reader, .dwCurrentState = SCARD_STATE_UNAWARE };
                LONG rv = SCardGetStatusChange(raw->ctx, 0, &rs, 1);
                if (rv != SCARD_S_SUCCESS)
                        return errno_from_pcsc(rv);
                if (rs.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNAVAILABLE))
                        return -ENOMEDIUM;
                struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
                (void) nanosleep(&ts, NULL);
        }
        return otherwise;
}

/* One exchange with its own copies of the command and the answer: a helper that outlives
 * the caller must not write into the caller's buffers. */
struct transmit_job {
        struct pcsc_raw *raw;
        uint8_t apdu[5 + 255 + 1]; /* a short APDU with Le */
        size_t len;
        uint8_t resp[256 + 2];
        size_t n;
};

static int transmit_work(void *arg) {
        struct transmit_job *j = arg;
        struct pcsc_raw *raw = j->raw;
        const SCARD_IO_REQUEST *pci = raw->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
        DWORD n = (DWORD) sizeof(j->resp);

        LONG rv = SCardTransmit(raw->card, pci, j->apdu, (DWORD) j->len, NULL, j->resp, &n);
        if (rv == SCARD_W_RESET_CARD) {
                int r = reconnect(raw);
                return r < 0 ? r : -ECONNRESET; /* the framing selects again and repeats */
        }
        if (rv == SCARD_E_NOT_TRANSACTED || (rv == SCARD_S_SUCCESS && n < 2))
                return card_gone_or(raw, rv == SCARD_S_SUCCESS ? -EPROTO : -EIO);
        if (rv != SCARD_S_SUCCESS)
                return errno_from_pcsc(rv);
        if (n > sizeof(j->resp))
                return -EPROTO;
        j->n = n;
        return 0;
}

static void transmit_abandon(void *arg, int result) {
        struct transmit_job *j = arg;
        secure_wipe(j, sizeof(*j)); /* a configuration write, an HMAC response */
        free(j);
}

static int pcsc_transmit(void *handle, const struct yk_deadline *dl, const uint8_t *apdu, size_t len,
                         uint8_t *resp, size_t cap, size_t *ret_len) {
        struct pcsc_raw *raw = handle;
        struct transmit_job *j = NULL;

        if (!raw || !apdu || !resp || !ret_len || len > sizeof(j->apdu))
                return -EINVAL;
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->raw = raw;
        memcpy(j->apdu, apdu, len);
        j->len = len;
        int r = bounded(transmit_work, transmit_abandon, j, yk_deadline_call_ms(dl));
        if (r == -EHOSTUNREACH)
                return r; /* j is the helper's now */
        if (r == 0 && j->n > cap)
                r = -EPROTO;
        if (r == 0) {
                memcpy(resp, j->resp, j->n);
                *ret_len = j->n;
        }
        transmit_abandon(j, r);
        return r;
}

/* Ends the transaction, disconnects, releases the context and frees raw. */
static int release_work(void *arg) {
        struct pcsc_raw *raw = arg;
        if (raw->in_transaction)
                (void) SCardEndTransaction(raw->card, SCARD_LEAVE_CARD);
        if (raw->connected)
                (void) SCardDisconnect(raw->card, SCARD_LEAVE_CARD);
        if (raw->has_ctx)
                (void) SCardReleaseContext(raw->ctx);
        free(raw);
        return 0;
}

static void release_abandon(void *arg, int result) {
        /* release_work freed raw; when it never ran (the backend was dead), raw is left as
         * it is: a helper that overran may still be using it. */
}

static void pcsc_close(void *handle) {
        if (handle)
                (void) bounded(release_work, release_abandon, handle, YK_CALL_MIN_MS);
}

static int connect_card(struct pcsc_raw *raw, const char *reader) {
        LONG rv = SCardConnect(raw->ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                               &raw->card, &raw->protocol);
        if (rv != SCARD_S_SUCCESS)
                return errno_from_pcsc(rv);
        raw->connected = true;
        int r = begin_transaction(raw);
        if (r == -ECONNRESET) /* reset by someone else since we connected */
                r = reconnect(raw);
        return r == -ECONNRESET ? -EIO : r;
}

static int connect_work(void *arg) {
        struct pcsc_raw *raw = arg;
        int r = connect_card(raw, raw->reader);
        return r == -ETIMEDOUT ? -EIO : r;
}

/* The connection came after open gave up: undo it (in the helper thread, so unbounded). */
static void connect_abandon(void *arg, int result) {
        (void) release_work(arg);
}

static int establish_work(void *arg) {
        struct pcsc_raw *raw = arg;
        LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &raw->ctx);
        if (rv != SCARD_S_SUCCESS)
                return errno_from_pcsc(rv);
        raw->has_ctx = true;
        return 0;
}

static void establish_abandon(void *arg, int result) {
        (void) release_work(arg);
}

static long connect_wait_ms(const struct yk_deadline *dl) {
        long ms = yk_deadline_call_ms(dl);
        return ms < CONNECT_WAIT_MS ? ms : CONNECT_WAIT_MS;
}

static int pcsc_open(const struct yk_device *dev, const struct yk_deadline *dl, void **ret) {
        if (!dev || !ret || dev->kind != YK_TRANSPORT_PCSC || memchr(dev->name, '\0', sizeof(dev->name)) == NULL)
                return -EINVAL;
        struct pcsc_raw *raw = calloc(1, sizeof(*raw));
        if (!raw)
                return -ENOMEM;
        memcpy(raw->reader, dev->name, sizeof(raw->reader));
        int r = bounded(establish_work, establish_abandon, raw, yk_deadline_call_ms(dl));
        if (r == -EHOSTUNREACH)
                return r; /* raw is the helper's now */
        if (r < 0) {
                (void) release_work(raw);
                return r;
        }
        /* Not bounded(): a connection that waits is most likely another client's transaction
         * on the card (exit 6), not a dead service; the wait holds only this context's lock.
         * A service that is dead indeed blocks the next context, and that call says so. */
        r = yk_run_with_deadline(connect_work, connect_abandon, raw, connect_wait_ms(dl));
        if (r == -ETIMEDOUT)
                return -EUSERS; /* still waiting for another client: raw is the helper's now */
        if (r < 0) {
                pcsc_close(raw);
                return r;
        }
        *ret = raw;
        return 0;
}

const struct yk_backend yk_backend_pcsc = {
        .name = "pcsc",
        .kind = YK_TRANSPORT_PCSC,
        .enumerate = pcsc_enumerate,
        .open = pcsc_open,
        .close = pcsc_close,
        .transmit = pcsc_transmit,
};
