/* One HMAC-SHA1 challenge-response through the real transport, timed: the floor under every
 * unlock. Prints one line per run, in milliseconds: "roundtrip_ms N.NNN".
 *   bench-roundtrip [--reader NAME] [--slot 1|2] [--runs N] */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otp/applet.h"
#include "otp/discover.h"
#include "shared/hex.h"
#include "shared/errors.h"

static double clock_ms(void) /* fractions of a ms, unlike shared/deadline.h */ {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

/* Opens the first usable token, challenges it once, closes: what an unlock does. */
struct challenge {
        uint8_t data[63];
        size_t len;
};

static int one_roundtrip(const struct yk_backend *const *backends, const struct yk_token *t, int slot,
                         const struct challenge *challenge, struct yk_response *response) {
        struct yk_conn *conn = NULL;
        struct yk_otp_status st;
        int r = yk_token_open(backends, t, /* dl= */ NULL, &conn, &st);
        if (r >= 0)
                r = yk_otp_challenge_hmac(conn, &st, slot, challenge->data, challenge->len, NULL, response);
        yk_conn_close(conn);
        return r;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "reader", required_argument, NULL, 'r' },
                { "slot", required_argument, NULL, 's' },
                { "runs", required_argument, NULL, 'n' },
                { "challenge", required_argument, NULL, 'c' },
                { "print-response", no_argument, NULL, 'p' },
                {},
        };
        const char *reader = NULL;
        struct challenge challenge = { .data = { 1, 2, 3 }, .len = YK_CHALLENGE_MIN };
        bool print_response = false;
        int slot = 2, runs = 10, c;
        while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
                if (c == 'r')
                        reader = optarg;
                else if (c == 's')
                        slot = atoi(optarg);
                else if (c == 'n')
                        runs = atoi(optarg);
                else if (c == 'c') {
                        if (hex_decode(optarg, strlen(optarg), challenge.data, sizeof(challenge.data),
                                       &challenge.len) < 0 || challenge.len < YK_CHALLENGE_MIN)
                                return 1;
                } else if (c == 'p')
                        print_response = true;
                else
                        return 1;
        }

        const struct yk_backend *const *backends;
        if (yk_token_backends("pcsc", &backends) < 0)
                return 1;
        struct yk_token_filter filter = { .reader = reader };
        struct yk_token_list list = {};
        int r = yk_tokens_discover(backends, &filter, /* dl= */ NULL, &list);
        if (r < 0 || list.n == 0 || list.items[0].error < 0) {
                fprintf(stderr, "bench-roundtrip: no token (%s)\n", r < 0 ? strerror(-r) : "none found");
                return 1;
        }
        for (int i = 0; i < runs; i++) {
                struct yk_response response;
                double start = clock_ms();
                r = one_roundtrip(backends, &list.items[0], slot, &challenge, &response);
                double end = clock_ms();
                if (r < 0) {
                        fprintf(stderr, "bench-roundtrip: %s\n", strerror(-r));
                        return 1;
                }
                char hex[2 * YK_HMAC_RESPONSE_SIZE + 1];
                hex_encode(response.bytes, sizeof(response.bytes), hex);
                if (print_response)
                        printf("%s\n", hex);
                else
                        printf("roundtrip_ms %.3f\n", end - start);
        }
        yk_token_list_free(&list);
        return 0;
}
