/* ykemu: an emulated YubiKey 5 (OTP application) for tests. Parses options and plugs the card
 * into vpcd, QEMU's passthru (when built), the kernel's uhid or a FunctionFS USB gadget. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modes.h"
#include "shared/parse.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
        stop_requested = 1;
}

struct args {
        struct ykemu_options card;
        enum ykemu_atr atr;
        const char *vpcd, *vscard, *usb_ffs;
        bool uhid, verbose;
};

static void usage(FILE *f) {
        fputs("Usage: ykemu (--vpcd [HOST:]PORT | --vscard SOCKET | --uhid | --usb-ffs DIR)\n"
              "             [--state FILE] [--serial N] [--firmware X.Y.Z] [--atr usb|nfc|t0]\n"
              "             [--touch auto|never|MILLISECONDS] [--touch-timeout SECONDS]\n"
              "             [--no-management] [--fault no-otp|garbage|short|pull-on-write]\n"
              "             [--verbose]\n"
              "An emulated YubiKey 5 OTP application. --serial and --firmware apply only when the\n"
              "state file is created. Without --state the key lives in memory.\n",
              f);
}

static int parse_firmware(const char *s, uint8_t fw[3]) {
        unsigned a, b, c;
        int end = 0;
        if (sscanf(s, "%3u.%3u.%3u%n", &a, &b, &c, &end) != 3 || s[end] || a > 255 || b > 255 || c > 255)
                return -EINVAL;
        fw[0] = a, fw[1] = b, fw[2] = c;
        return 0;
}

static int parse_touch(const char *s, struct ykemu_options *o) {
        uint64_t ms;
        if (strcmp(s, "auto") == 0) {
                o->touch = YKEMU_TOUCH_AUTO;
                o->touch_ms = 300;
        } else if (strcmp(s, "never") == 0)
                o->touch = YKEMU_TOUCH_NEVER;
        else if (parse_uint64(s, 3600 * 1000, &ms) >= 0) {
                o->touch = YKEMU_TOUCH_AUTO;
                o->touch_ms = (unsigned) ms;
        } else
                return -EINVAL;
        return 0;
}

static int parse_atr(const char *s, enum ykemu_atr *ret) {
        if (strcmp(s, "usb") == 0)
                *ret = YKEMU_ATR_USB;
        else if (strcmp(s, "nfc") == 0)
                *ret = YKEMU_ATR_NFC;
        else if (strcmp(s, "t0") == 0)
                *ret = YKEMU_ATR_T0;
        else
                return -EINVAL;
        return 0;
}

static int bad(const char *opt, const char *value) {
        fprintf(stderr, "ykemu: invalid value for %s: '%s'\n", opt, value);
        return -EINVAL;
}

static int parse_one(int c, const char *arg, struct args *a) {
        uint64_t v;
        switch (c) {
        case 'v': a->vpcd = arg; return 0;
        case 'q': a->vscard = arg; return 0;
        case 'u': a->uhid = true; return 0;
        case 'U': a->usb_ffs = arg; return 0;
        case 's': a->card.state_path = arg; return 0;
        case 'n':
                if (parse_uint64(arg, UINT32_MAX, &v) < 0)
                        return bad("--serial", arg);
                a->card.serial = (uint32_t) v;
                return 0;
        case 'f': return parse_firmware(arg, a->card.firmware) < 0 ? bad("--firmware", arg) : 0;
        case 'a': return parse_atr(arg, &a->atr) < 0 ? bad("--atr", arg) : 0;
        case 't': return parse_touch(arg, &a->card) < 0 ? bad("--touch", arg) : 0;
        case 'T':
                if (parse_uint64(arg, 3600, &v) < 0)
                        return bad("--touch-timeout", arg);
                a->card.touch_timeout_ms = (unsigned) v * 1000;
                return 0;
        case 'M': a->card.management = false; return 0;
        case 'F': return ykemu_fault_from_string(arg, &a->card.fault) < 0 ? bad("--fault", arg) : 0;
        case 'V': a->verbose = true; return 0;
        case 'h': usage(stdout); exit(EXIT_SUCCESS);
        default: usage(stderr); return -EINVAL;
        }
}

static int parse_args(int argc, char **argv, struct args *a) {
        static const struct option opts[] = {
                { "vpcd", required_argument, NULL, 'v' },   { "vscard", required_argument, NULL, 'q' },
                { "uhid", no_argument, NULL, 'u' },         { "state", required_argument, NULL, 's' },
                { "usb-ffs", required_argument, NULL, 'U' },
                { "serial", required_argument, NULL, 'n' }, { "firmware", required_argument, NULL, 'f' },
                { "atr", required_argument, NULL, 'a' },    { "touch", required_argument, NULL, 't' },
                { "touch-timeout", required_argument, NULL, 'T' },
                { "no-management", no_argument, NULL, 'M' },
                { "fault", required_argument, NULL, 'F' },
                { "verbose", no_argument, NULL, 'V' },      { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
                if (parse_one(c, optarg, a) < 0)
                        return -EINVAL;
        if (optind < argc) {
                fprintf(stderr, "ykemu: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        int modes = !!a->vpcd + !!a->vscard + a->uhid + !!a->usb_ffs;
        if (modes != 1) {
                fprintf(stderr, modes ? "ykemu: --vpcd, --vscard, --uhid and --usb-ffs are mutually exclusive\n"
                                      : "ykemu: one of --vpcd, --vscard, --uhid or --usb-ffs is needed\n");
                return -EINVAL;
        }
        return 0;
}

/* "[HOST:]PORT"; the host defaults to 127.0.0.1. */
static int split_host_port(const char *s, char **ret_host, const char **ret_port) {
        const char *colon = strrchr(s, ':');
        *ret_host = colon ? strndup(s, (size_t) (colon - s)) : strdup("127.0.0.1");
        *ret_port = colon ? colon + 1 : s;
        uint64_t port;
        if (!*ret_host)
                return -ENOMEM;
        if (parse_uint64(*ret_port, 65535, &port) < 0 || port == 0 || !**ret_host) {
                free(*ret_host);
                return -EINVAL;
        }
        return 0;
}

static int run(struct ykemu_card *card, const struct args *a) {
        if (a->uhid)
                return ykemu_run_uhid(card, a->verbose, &stop_requested);
        if (a->usb_ffs)
                return ykemu_run_ffs(card, a->usb_ffs, a->verbose, &stop_requested);
        if (a->vscard) {
#ifdef YKEMU_HAVE_VSCARD
                return ykemu_run_vscard(card, a->vscard, &stop_requested);
#else
                fprintf(stderr, "ykemu: --vscard is not built in this version\n");
                return -EOPNOTSUPP;
#endif
        }
        char *host;
        const char *port;
        if (split_host_port(a->vpcd, &host, &port) < 0) {
                fprintf(stderr, "ykemu: invalid value for --vpcd: '%s'\n", a->vpcd);
                return -EINVAL;
        }
        int r = ykemu_run_vpcd(card, host, port, a->atr, a->verbose, &stop_requested);
        free(host);
        return r;
}

int main(int argc, char **argv) {
        struct args a = { .atr = YKEMU_ATR_USB };
        ykemu_options_init(&a.card);
        a.card.cancel = &stop_requested;
        if (parse_args(argc, argv, &a) < 0)
                return EXIT_FAILURE;

        /* No SA_RESTART: a blocking wait returns and looks at the flag. */
        struct sigaction sa = { .sa_handler = on_signal };
        sigemptyset(&sa.sa_mask);
        (void) sigaction(SIGTERM, &sa, NULL);
        (void) sigaction(SIGINT, &sa, NULL);
        setvbuf(stderr, NULL, _IONBF, 0);

        struct ykemu_card *card;
        int r = ykemu_card_new(&a.card, &card);
        if (r < 0) {
                fprintf(stderr, "ykemu: cannot create the card (state %s): %s\n",
                        a.card.state_path ? a.card.state_path : "in memory", strerror(-r));
                return EXIT_FAILURE;
        }
        r = run(card, &a);
        ykemu_card_free(card);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
