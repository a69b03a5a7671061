/* The PC/SC backend on libpcsclite: readers are devices; a connection is one shared
 * connection (T=0 or T=1) holding one transaction from open to close, so that no other client
 * talks to the key between our SELECT and our last command. APDU framing is otp/'s job
 * (otp/frame-ccid.c): this file only moves raw APDUs and maps PC/SC results to errnos
 * (transport.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <winscard.h>

#include "transport/bounded.h"
#include "transport/transport.h"

/* How long open waits for the card at most (less when the deadline is nearer): pcscd makes a
 * connection wait, without a timeout, while another client holds a transaction (ykman for a
 * moment, scdaemon maybe for good). */
#define CONNECT_WAIT_MS 5000

struct pcsc_raw {
        SCARDCONTEXT ctx;
        SCARDHANDLE card;
        DWORD protocol;
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

static int pcsc_enumerate(const struct yk_deadline *dl, struct yk_device_list *list) {
        (void) dl;
        SCARDCONTEXT ctx;
        LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
        if (rv != SCARD_S_SUCCESS)
                return errno_from_pcsc(rv);
        int r = list_readers(ctx, list);
        (void) SCardReleaseContext(ctx);
        return r;
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

static int pcsc_transmit(void *handle, const struct yk_deadline *dl, const uint8_t *apdu, size_t len,
                         uint8_t *resp, size_t cap, size_t *ret_len) {
        struct pcsc_raw *raw = handle;
        (void) dl;
        const SCARD_IO_REQUEST *pci = raw->protocol == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
        DWORD n = (DWORD) cap;

        LONG rv = SCardTransmit(raw->card, pci, apdu, (DWORD) len, NULL, resp, &n);
        if (rv == SCARD_W_RESET_CARD) {
                int r = reconnect(raw);
                return r < 0 ? r : -ECONNRESET; /* the framing selects again and repeats */
        }
        if (rv == SCARD_E_NOT_TRANSACTED || (rv == SCARD_S_SUCCESS && n < 2))
                return card_gone_or(raw, rv == SCARD_S_SUCCESS ? -EPROTO : -EIO);
        if (rv != SCARD_S_SUCCESS)
                return errno_from_pcsc(rv);
        if (n > cap)
                return -EPROTO;
        *ret_len = n;
        return 0;
}

static void pcsc_close(void *handle) {
        struct pcsc_raw *raw = handle;
        if (!raw)
                return;
        if (raw->in_transaction)
                (void) SCardEndTransaction(raw->card, SCARD_LEAVE_CARD);
        if (raw->connected)
                (void) SCardDisconnect(raw->card, SCARD_LEAVE_CARD);
        (void) SCardReleaseContext(raw->ctx);
        free(raw);
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

/* The connection came after open gave up: undo it. */
static void connect_abandon(void *arg, int result) {
        pcsc_close(arg);
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
        LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &raw->ctx);
        if (rv != SCARD_S_SUCCESS) {
                free(raw);
                return errno_from_pcsc(rv);
        }
        memcpy(raw->reader, dev->name, sizeof(raw->reader));
        int r = yk_run_with_deadline(connect_work, connect_abandon, raw, connect_wait_ms(dl));
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
