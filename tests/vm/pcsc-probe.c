/* ykvm-probe: a check that runs inside the test machine, independent of ykunlock. Waits for a
 * PC/SC reader whose name contains a substring, connects to its card, SELECTs the YubiKey OTP
 * application and prints the reader, the protocol and the answer:
 *
 *   ykvm-probe [--wait SECONDS] [--gone] [READER_SUBSTRING]
 *
 * --gone waits instead until no such reader is left. Exit 0 on success, 1 when the wait ran
 * out, 2 when the card did not answer 90 00. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

static const unsigned char select_otp[] = { 0x00, 0xA4, 0x04, 0x00, 0x07, 0xA0, 0x00, 0x00, 0x05, 0x27, 0x20, 0x01 };

/* Copies the first reader whose name contains sub into ret (size cap); 0 or -ENOENT. */
static int find_reader(SCARDCONTEXT ctx, const char *sub, char *ret, size_t cap) {
        char buf[4096];
        DWORD len = sizeof(buf);
        if (SCardListReaders(ctx, NULL, buf, &len) != SCARD_S_SUCCESS)
                return -ENOENT;
        for (const char *r = buf; *r && r < buf + len; r += strlen(r) + 1)
                if (strstr(r, sub) && strlen(r) < cap) {
                        memcpy(ret, r, strlen(r) + 1);
                        return 0;
                }
        return -ENOENT;
}

static int probe(SCARDCONTEXT ctx, const char *reader) {
        SCARDHANDLE card;
        DWORD proto;
        LONG rv = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card, &proto);
        if (rv != SCARD_S_SUCCESS) {
                printf("connect failed: %s\n", pcsc_stringify_error(rv));
                return 2;
        }
        unsigned char resp[258];
        DWORD rlen = sizeof(resp);
        const SCARD_IO_REQUEST *pci = proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
        rv = SCardTransmit(card, pci, select_otp, sizeof(select_otp), NULL, resp, &rlen);
        (void) SCardDisconnect(card, SCARD_LEAVE_CARD);
        if (rv != SCARD_S_SUCCESS) {
                printf("transmit failed: %s\n", pcsc_stringify_error(rv));
                return 2;
        }
        printf("reader: %s\nprotocol: T=%d\nselect:", reader, proto == SCARD_PROTOCOL_T0 ? 0 : 1);
        for (DWORD i = 0; i < rlen; i++)
                printf(" %02X", resp[i]);
        printf("\n");
        return rlen >= 2 && resp[rlen - 2] == 0x90 && resp[rlen - 1] == 0x00 ? 0 : 2;
}

int main(int argc, char **argv) {
        int wait_s = 10, i = 1;
        int gone = 0;
        for (; i < argc && argv[i][0] == '-'; i++) {
                if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc)
                        wait_s = atoi(argv[++i]);
                else if (strcmp(argv[i], "--gone") == 0)
                        gone = 1;
                else {
                        fprintf(stderr, "usage: ykvm-probe [--wait SECONDS] [--gone] [READER_SUBSTRING]\n");
                        return 64;
                }
        }
        const char *sub = i < argc ? argv[i] : "";
        SCARDCONTEXT ctx;
        LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
        if (rv != SCARD_S_SUCCESS) {
                printf("no PC/SC service: %s\n", pcsc_stringify_error(rv));
                return 1;
        }
        char reader[256];
        time_t end = time(NULL) + wait_s;
        for (;;) {
                int found = find_reader(ctx, sub, reader, sizeof(reader)) == 0;
                if (found != gone)
                        break;
                if (time(NULL) >= end) {
                        printf(gone ? "reader still there: %s\n" : "no reader matching '%s'\n", gone ? reader : sub);
                        (void) SCardReleaseContext(ctx);
                        return 1;
                }
                usleep(200 * 1000);
        }
        if (!gone) {
                /* The card may be inserted a moment after its reader appears. */
                SCARD_READERSTATE st = { .szReader = reader, .dwCurrentState = SCARD_STATE_UNAWARE };
                while (SCardGetStatusChange(ctx, 0, &st, 1) == SCARD_S_SUCCESS &&
                       !(st.dwEventState & SCARD_STATE_PRESENT) && time(NULL) < end) {
                        st.dwCurrentState = st.dwEventState;
                        (void) SCardGetStatusChange(ctx, 1000, &st, 1);
                        st.dwCurrentState = SCARD_STATE_UNAWARE;
                }
        }
        int ret = gone ? (printf("reader gone\n"), 0) : probe(ctx, reader);
        (void) SCardReleaseContext(ctx);
        return ret;
}
