/* The USB HID backend on Linux hidraw: devices are the /dev/hidrawN nodes of YubiKey OTP
 * (keyboard) interfaces (hid-sysfs.c); a connection is the open node, held with an exclusive
 * flock so that two ykunlock processes never interleave their reports. Framing is otp/'s job
 * (otp/frame-hid.c): this file only moves 8-byte feature reports and maps errors. */
#include <errno.h>
#include <fcntl.h>
#include <linux/hidraw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shared/secmem.h"
#include "transport/hid-sysfs.h"
#include "transport/transport.h"

struct hidraw {
        int fd;
        char path[YK_DEVICE_NAME_MAX];
};

/* An ioctl error: the node gone (unplugged, or uhid destroyed) is "pulled out". A transfer
 * that fails while the device goes away gets EIO before hidraw marks the node gone: look again
 * a little later (hidraw answers every ioctl of a gone device with ENODEV). A failed transfer
 * on a device that is still there is an I/O error. */
static int map_io_error(const struct hidraw *h, int err) {
        struct hidraw_devinfo info;
        struct stat st;
        switch (err) {
        case ENODEV:
        case ENXIO:
        case ESHUTDOWN:
        case ENOENT:
                return -ENOMEDIUM;
        case ENOMEM:
                return -ENOMEM;
        }
        const struct timespec pause = { .tv_nsec = 100 * 1000000L };
        (void) nanosleep(&pause, NULL);
        if (ioctl(h->fd, HIDIOCGRAWINFO, &info) < 0 && errno == ENODEV)
                return -ENOMEDIUM;
        if (stat(h->path, &st) < 0 && errno == ENOENT)
                return -ENOMEDIUM;
        return -EIO;
}

static int hid_get_report(void *userdata, uint8_t report[YK_HID_REPORT_SIZE]) {
        struct hidraw *h = userdata;
        uint8_t buf[1 + YK_HID_REPORT_SIZE] = { 0 }; /* report id 0 first */
        CLEANUP_ERASE(buf); /* a part of an HMAC response */
        int n;
        do
                n = ioctl(h->fd, HIDIOCGFEATURE(sizeof(buf)), buf);
        while (n < 0 && errno == EINTR);
        int r = 0;
        if (n < 0)
                r = map_io_error(h, errno);
        else if ((size_t) n < sizeof(buf))
                r = -EPROTO; /* not the 8-byte report of an OTP interface */
        else
                memcpy(report, buf + 1, YK_HID_REPORT_SIZE);
        return r;
}

static int hid_set_report(void *userdata, const uint8_t report[YK_HID_REPORT_SIZE]) {
        struct hidraw *h = userdata;
        uint8_t buf[1 + YK_HID_REPORT_SIZE] = { 0 };
        CLEANUP_ERASE(buf); /* a part of a slot configuration, secret included */
        int n;
        memcpy(buf + 1, report, YK_HID_REPORT_SIZE);
        do
                n = ioctl(h->fd, HIDIOCSFEATURE(sizeof(buf)), buf);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return map_io_error(h, errno);
        return 0;
}

static void hid_close(void *userdata) {
        struct hidraw *h = userdata;
        if (!h)
                return;
        if (h->fd >= 0)
                (void) close(h->fd); /* also drops the flock */
        free(h);
}

static int hid_enumerate(const struct yk_deadline *dl, struct yk_device_list *list) {
        (void) dl; /* reading sysfs does not block */
        return yk_hid_enumerate_at("/sys/class/hidraw", "/dev", list);
}

/* Opens the node for reading and writing (feature reports need both). */
static int open_node(const char *path, int *ret_fd) {
        int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                switch (errno) {
                case EACCES:
                case EPERM:
                        return -EACCES; /* the edge names the node and the access it needs */
                case ENOENT:
                case ENODEV:
                case ENXIO:
                        return -ENOMEDIUM;
                default:
                        return -errno;
                }
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EUSERS : -EIO;
                (void) close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}

static int hid_open(const struct yk_device *dev, const struct yk_deadline *dl, void **ret) {
        (void) dl; /* the node is opened and locked without waiting */
        if (!dev || !ret || dev->kind != YK_TRANSPORT_HID || memchr(dev->name, '\0', sizeof(dev->name)) == NULL)
                return -EINVAL;
        struct hidraw *h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        memcpy(h->path, dev->name, sizeof(h->path));
        int r = open_node(h->path, &h->fd);
        if (r < 0) {
                free(h);
                return r;
        }
        *ret = h;
        return 0;
}

const struct yk_backend yk_backend_hid = {
        .name = "hid",
        .kind = YK_TRANSPORT_HID,
        .enumerate = hid_enumerate,
        .open = hid_open,
        .close = hid_close,
        .get_report = hid_get_report,
        .set_report = hid_set_report,
};
