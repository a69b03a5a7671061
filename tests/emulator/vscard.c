/* The card side of QEMU's ccid-card-passthru protocol ("VSCard"): QEMU listens on a UNIX socket
 * (-chardev socket,server=on) and we connect as the client. Every message is a 12-byte header
 * (type, reader id, payload length; 32-bit big-endian) and a payload. The client sends Init
 * ("VSCD" magic, version 2, capabilities), QEMU answers Init; then ReaderAdd and ATR, each
 * acknowledged by an Error message with code 0; then QEMU sends APDUs and we answer each with
 * an APDU message holding the response and SW. QEMU's usb-ccid speaks only T=0, so the card
 * shows a T=0 ATR here. Progress lines go to stderr: the VM runner waits for "connected" and
 * "ATR sent", and for "challenge slot N" to pull the token out while a touch is awaited. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "modes.h"
#include "sock-io.h"
#include "shared/macros.h"

enum {
        VSC_INIT = 1,
        VSC_ERROR = 2,
        VSC_READER_ADD = 3,
        VSC_READER_REMOVE = 4,
        VSC_ATR = 5,
        VSC_CARD_REMOVE = 6,
        VSC_APDU = 7,
        VSC_FLUSH = 8,
        VSC_FLUSH_COMPLETE = 9,
};

#define VSC_HEADER_SIZE 12
#define VSC_VERSION 2u /* 0.0.2: major 11 bits, middle 11 bits, minor 10 bits */
#define VSC_READER_ID 0u
#define VSC_UNDEFINED_READER 0xffffffffu
#define VSC_MAX_PAYLOAD 65536u

struct vscard {
        struct ykemu_card *card;
        volatile sig_atomic_t *stop;
        int fd;
        enum { VSC_STATE_INIT, VSC_STATE_READER, VSC_STATE_ATR, VSC_STATE_READY } state;
};

static void put_be32(uint8_t *p, uint32_t v) {
        p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static uint32_t get_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static int write_full(int fd, const uint8_t *buf, size_t len) {
        while (len > 0) {
                ssize_t k = send(fd, buf, len, MSG_NOSIGNAL);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                buf += k;
                len -= (size_t) k;
        }
        return 0;
}

static int send_msg(struct vscard *v, uint32_t type, uint32_t reader, const uint8_t *data, size_t len) {
        uint8_t hdr[VSC_HEADER_SIZE];
        put_be32(hdr, type);
        put_be32(hdr + 4, reader);
        put_be32(hdr + 8, (uint32_t) len);
        int r = write_full(v->fd, hdr, sizeof(hdr));
        if (r < 0 || len == 0)
                return r;
        return write_full(v->fd, data, len);
}

static int connect_unix(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (const struct sockaddr *) &sa, sizeof(sa)) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        return fd;
}

static int send_init(struct vscard *v) {
        uint8_t init[12];
        memcpy(init, "VSCD", 4); /* QEMU compares the magic as raw bytes */
        put_be32(init + 4, VSC_VERSION);
        put_be32(init + 8, 0); /* no capabilities */
        return send_msg(v, VSC_INIT, VSC_UNDEFINED_READER, init, sizeof(init));
}

static int send_atr(struct vscard *v) {
        size_t len;
        const uint8_t *atr = ykemu_atr_bytes(YKEMU_ATR_T0, &len);
        ykemu_card_reset(v->card);
        return send_msg(v, VSC_ATR, VSC_READER_ID, atr, len);
}

/* QEMU's Init comes once in answer to ours and once more when the card device is realized
 * while we are connected: the reader is added after the first. */
static int on_init(struct vscard *v, const uint8_t *data, uint32_t len) {
        if (len < 8 || memcmp(data, "VSCD", 4) != 0) {
                fprintf(stderr, "ykemu: vscard: bad Init from QEMU\n");
                return -EPROTO;
        }
        if (v->state != VSC_STATE_INIT)
                return 0;
        v->state = VSC_STATE_READER;
        return send_msg(v, VSC_READER_ADD, VSC_UNDEFINED_READER, (const uint8_t *) "ykemu", 5);
}

/* An acknowledgement: after ReaderAdd we insert the card, after the ATR we are ready. */
static int on_error(struct vscard *v, const uint8_t *data, uint32_t len) {
        uint32_t code = len >= 4 ? get_be32(data) : 1;
        if (code != 0) {
                fprintf(stderr, "ykemu: vscard: QEMU refused a request (code %u)\n", code);
                return -EPROTO;
        }
        switch (v->state) {
        case VSC_STATE_READER:
                v->state = VSC_STATE_ATR;
                return send_atr(v);
        case VSC_STATE_ATR:
                v->state = VSC_STATE_READY;
                fprintf(stderr, "ATR sent\n");
                return 0;
        default:
                return 0;
        }
}

static int on_apdu(struct vscard *v, const uint8_t *apdu, uint32_t len) {
        uint8_t resp[1024];
        size_t rlen;
        /* INS 01 with P1 0x30 / 0x38: an HMAC challenge, the place where a touch is awaited. */
        if (len >= 4 && apdu[1] == 0x01 && (apdu[2] == 0x30 || apdu[2] == 0x38))
                fprintf(stderr, "challenge slot %d\n", apdu[2] == 0x30 ? 1 : 2);
        int r = ykemu_card_apdu(v->card, apdu, len, resp, sizeof(resp), &rlen);
        if (r < 0)
                return r;
        return send_msg(v, VSC_APDU, VSC_READER_ID, resp, rlen);
}

static int dispatch(struct vscard *v, uint32_t type, const uint8_t *data, uint32_t len) {
        switch (type) {
        case VSC_INIT: return on_init(v, data, len);
        case VSC_ERROR: return on_error(v, data, len);
        case VSC_APDU: return on_apdu(v, data, len);
        case VSC_FLUSH: return send_msg(v, VSC_FLUSH_COMPLETE, VSC_READER_ID, NULL, 0);
        default:
                fprintf(stderr, "ykemu: vscard: ignoring message type %u\n", type);
                return 0;
        }
}

static int serve(struct vscard *v) {
        static uint8_t payload[VSC_MAX_PAYLOAD];
        int r = send_init(v);
        while (r >= 0) {
                uint8_t hdr[VSC_HEADER_SIZE];
                r = ykemu_read_full(v->fd, hdr, sizeof(hdr), v->stop);
                if (r < 0)
                        break;
                uint32_t type = get_be32(hdr), len = get_be32(hdr + 8);
                if (len > sizeof(payload)) {
                        fprintf(stderr, "ykemu: vscard: message of %u bytes is too long\n", len);
                        return -EPROTO;
                }
                r = ykemu_read_full(v->fd, payload, len, v->stop);
                if (r >= 0)
                        r = dispatch(v, type, payload, len);
        }
        return r;
}

int ykemu_run_vscard(struct ykemu_card *card, const char *socket_path, volatile sig_atomic_t *stop) {
        struct vscard v = { .card = card, .stop = stop };
        _cleanup_(closep) int fd = connect_unix(socket_path);
        if (fd < 0) {
                fprintf(stderr, "ykemu: cannot connect to %s: %s\n", socket_path, strerror(-fd));
                return fd;
        }
        v.fd = fd;
        fprintf(stderr, "connected\n");
        int r = serve(&v);
        if (r == -EINTR) {
                /* Told to stop: take the card out and the reader away, as a user would. */
                (void) send_msg(&v, VSC_CARD_REMOVE, VSC_READER_ID, NULL, 0);
                (void) send_msg(&v, VSC_READER_REMOVE, VSC_READER_ID, NULL, 0);
                return 0;
        }
        if (r == -ECONNRESET) {
                fprintf(stderr, "QEMU closed the connection\n");
                return 0;
        }
        fprintf(stderr, "ykemu: vscard: %s\n", strerror(-r));
        return r;
}
