/* The card side of vsmartcard's vpcd protocol: a TCP client; every message is a 2-byte
 * big-endian length and a payload. A 1-byte payload is a control (0 power off, 1 power on,
 * 2 reset, 4 "send your ATR"); anything else is a command APDU, answered with data and SW. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "modes.h"
#include "sock-io.h"
#include "shared/macros.h"

#define VPCD_CTRL_OFF 0
#define VPCD_CTRL_ON 1
#define VPCD_CTRL_RESET 2
#define VPCD_CTRL_ATR 4
#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000

struct vpcd {
        struct ykemu_card *card;
        enum ykemu_atr atr;
        bool verbose;
        volatile sig_atomic_t *stop;
};

static int connect_to(const char *host, const char *port) {
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
        int r = getaddrinfo(host, port, &hints, &res);
        if (r != 0)
                return r == EAI_SYSTEM ? -errno : -EHOSTUNREACH;
        int fd = -ECONNREFUSED;
        for (struct addrinfo *a = res; a; a = a->ai_next) {
                fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
                if (fd < 0) {
                        fd = -errno;
                        continue;
                }
                if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
                        break;
                r = -errno;
                close(fd);
                fd = r;
        }
        freeaddrinfo(res);
        return fd;
}

static int send_msg(int fd, const uint8_t *data, size_t len) {
        uint8_t hdr[2] = { len >> 8, len & 0xff };
        struct iovec iov[2] = { { hdr, 2 }, { (void *) data, len } };
        struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
        size_t total = len + 2;
        ssize_t k = sendmsg(fd, &m, MSG_NOSIGNAL);
        if (k < 0)
                return -errno;
        return (size_t) k == total ? 0 : -EIO; /* small messages on a local socket go whole */
}

static int handle_control(struct vpcd *v, int fd, uint8_t ctrl) {
        switch (ctrl) {
        case VPCD_CTRL_OFF:
        case VPCD_CTRL_ON:
        case VPCD_CTRL_RESET:
                ykemu_card_reset(v->card);
                if (v->verbose)
                        fprintf(stderr, "ykemu: power %s\n", ctrl == VPCD_CTRL_OFF ? "off" : ctrl == VPCD_CTRL_ON ? "on" : "reset");
                return 0;
        case VPCD_CTRL_ATR: {
                size_t n;
                const uint8_t *atr = ykemu_atr_bytes(v->atr, &n);
                int r = send_msg(fd, atr, n);
                if (r >= 0)
                        fprintf(stderr, "ykemu: ATR sent\n");
                return r;
        }
        default:
                if (v->verbose)
                        fprintf(stderr, "ykemu: unknown vpcd control %u ignored\n", ctrl);
                return 0;
        }
}

static int handle_apdu(struct vpcd *v, int fd, const uint8_t *apdu, size_t len) {
        uint8_t resp[4096];
        size_t n;
        int r = ykemu_card_apdu(v->card, apdu, len, resp, sizeof(resp), &n);
        if (r < 0)
                return r;
        if (*v->stop) /* stopped while it waited for a touch: pulled out, no answer */
                return -EINTR;
        if (v->verbose && len >= 4) /* headers and status words only: the data may hold secrets */
                fprintf(stderr, "ykemu: APDU %02x %02x %02x %02x (%zu bytes) -> %02x %02x (%zu bytes)\n", apdu[0],
                        apdu[1], apdu[2], apdu[3], len, resp[n - 2], resp[n - 1], n - 2);
        r = send_msg(fd, resp, n);
        explicit_bzero(resp, sizeof(resp));
        return r;
}

/* Serves one connection until it ends (-ECONNRESET...) or *stop (0). */
static int serve(struct vpcd *v, int fd) {
        static uint8_t buf[65536];
        for (;;) {
                uint8_t hdr[2];
                int r = ykemu_read_full(fd, hdr, 2, v->stop);
                if (r == -EINTR)
                        return 0;
                size_t len = (size_t) hdr[0] << 8 | hdr[1];
                if (r >= 0)
                        r = ykemu_read_full(fd, buf, len, v->stop);
                if (r == -EINTR)
                        return 0;
                if (r < 0)
                        return r;
                if (len == 1)
                        r = handle_control(v, fd, buf[0]);
                else
                        r = handle_apdu(v, fd, buf, len);
                explicit_bzero(buf, len);
                if (r < 0)
                        return r;
        }
}

static void sleep_ms(unsigned ms) {
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long) (ms % 1000) * 1000000L };
        (void) nanosleep(&ts, NULL);
}

int ykemu_run_vpcd(struct ykemu_card *card, const char *host, const char *port, enum ykemu_atr atr,
                   bool verbose, volatile sig_atomic_t *stop) {
        struct vpcd v = { .card = card, .atr = atr, .verbose = verbose, .stop = stop };
        unsigned backoff = BACKOFF_MIN_MS;
        bool said_waiting = false;
        while (!*stop) {
                _cleanup_(closep) int fd = connect_to(host, port);
                if (fd < 0) {
                        if (!said_waiting)
                                fprintf(stderr, "ykemu: waiting for vpcd at %s:%s (%s)\n", host, port, strerror(-fd));
                        said_waiting = true;
                        sleep_ms(backoff);
                        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
                        continue;
                }
                fprintf(stderr, "ykemu: connected to vpcd at %s:%s\n", host, port);
                backoff = BACKOFF_MIN_MS;
                said_waiting = false;
                ykemu_card_reset(card);
                int r = serve(&v, fd);
                if (*stop)
                        break;
                if (r == -ENOMEDIUM) { /* pulled out on purpose: gone for good */
                        fprintf(stderr, "ykemu: the card was pulled out\n");
                        break;
                }
                fprintf(stderr, "ykemu: vpcd connection ended (%s), reconnecting\n", strerror(-r));
        }
        return 0;
}
