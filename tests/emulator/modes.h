/* The ways the program plugs its card into something: each runs until *stop becomes non-zero
 * (SIGTERM, SIGINT) and returns 0, or a negative errno when it cannot go on. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ykemu.h"

/* vsmartcard's vpcd (a TCP client of pcscd's driver): vpcd.c. Reconnects when pcscd restarts.
 * Prints "ATR sent" to stderr each time it sends the ATR. */
int ykemu_run_vpcd(struct ykemu_card *card, const char *host, const char *port, enum ykemu_atr atr,
                   bool verbose, volatile sig_atomic_t *stop);

/* QEMU's ccid-card-passthru over a socket: vscard.c (built when that file exists). */
int ykemu_run_vscard(struct ykemu_card *card, const char *socket_path, volatile sig_atomic_t *stop);

/* The kernel's uhid (/dev/uhid): a USB HID keyboard 1050:0407 whose feature reports are the
 * card's HID side, so that a real /dev/hidrawN appears: uhid.c. */
int ykemu_run_uhid(struct ykemu_card *card, bool verbose, volatile sig_atomic_t *stop);

/* The kernel's FunctionFS, mounted on dir (with a configfs gadget around it, bound to a UDC by
 * the caller): the same key as a USB HID interface whose control requests this process
 * answers, so that a real USB device appears on the host side: ffs.c. Prints "usb-ffs ready"
 * once the descriptors are written (the gadget can be bound from then on). */
int ykemu_run_ffs(struct ykemu_card *card, const char *dir, bool verbose, volatile sig_atomic_t *stop);

/* The OTP interface's HID report descriptor: hid-desc.c. */
extern const uint8_t ykemu_hid_report_descriptor[];
extern const size_t ykemu_hid_report_descriptor_size;
