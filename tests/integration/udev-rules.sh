#!/usr/bin/env bash
# The udev rules of udev/, run by the real udevadm (systemd 252) against a fake sysfs tree, as
# no hardware is at hand: inside a private mount namespace the tree is bound over /sys, a tmpfs
# over /run/udev holds only our rules (the system's rule directories are hidden, so that only
# what we ship is tested), and `udevadm test` prints what the rules set (TAGS=, SYSTEMD_WANTS=,
# the run: lines). Remove events see a sysfs node that has lost its attributes and the values
# the add event stored in the udev database, as on a real machine; so do unbind events.
#
# Environment: YK_UDEV_DIR, the directory with the *.rules files (set by CTest).
set -u
. "$(dirname "$0")/../lib/assert.sh"

: "${YK_UDEV_DIR:?}"
if [ -z "${YK_IN_NS:-}" ]; then
  [ "$(id -u)" = 0 ] || { echo "SKIP: needs root for unshare -m"; exit 77; }
  command -v udevadm >/dev/null || { echo "SKIP: no udevadm"; exit 77; }
  exec env YK_IN_NS=1 unshare -m --propagation private bash "$0" "$@"
fi

FAKE=$(mktemp -d /tmp/ykudev.XXXXXX)
trap 'rm -rf "$FAKE"' EXIT
SYS=$FAKE/sys
mkdir -p "$SYS/bus/usb" "$SYS/bus/hid" "$SYS/class/hidraw" "$SYS/devices/pci0000:00/0000:00:14.0/usb1"
ROOT=devices/pci0000:00/0000:00:14.0/usb1

# usb_device PORT VID PID MINOR: a USB device node (its uevent and the attributes rules read).
usb_device() {
  local d=$SYS/$ROOT/$1
  mkdir -p "$d"
  printf 'MAJOR=189\nMINOR=%s\nDEVNAME=bus/usb/001/%03d\nDEVTYPE=usb_device\nDRIVER=usb\nPRODUCT=%x/%x/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=%03d\n' \
    "$4" "$4" "0x$2" "0x$3" "$4" >"$d/uevent"
  echo "$2" >"$d/idVendor"
  echo "$3" >"$d/idProduct"
  echo "189:$4" >"$d/dev"
  ln -s "$SYS/bus/usb" "$d/subsystem"
}

# usb_interface PORT NUM VID PID CLASS SUBCLASS PROTOCOL
usb_interface() {
  local d=$SYS/$ROOT/$1/$1:1.$2
  local alias
  alias=$(printf 'usb:v%sp%sd0100dc00dsc00dp00ic%sisc%sip%sin%02d' "$3" "$4" "$5" "$6" "$7" "$2")
  mkdir -p "$d"
  printf 'DEVTYPE=usb_interface\nPRODUCT=%x/%x/100\nTYPE=0/0/0\nINTERFACE=%d/%d/%d\nMODALIAS=%s\n' \
    "0x$3" "0x$4" "0x$5" "0x$6" "0x$7" "$alias" >"$d/uevent"
  echo "$alias" >"$d/modalias"
  echo "$5" >"$d/bInterfaceClass"
  echo "$6" >"$d/bInterfaceSubClass"
  echo "$7" >"$d/bInterfaceProtocol"
  ln -s "$SYS/bus/usb" "$d/subsystem"
}

# hidraw PORT NUM VID PID N: the hidraw node hidrawN below interface NUM.
hidraw() {
  local hid=$SYS/$ROOT/$1/$1:1.$2/0003:$3:$4.000$5
  local d=$hid/hidraw/hidraw$5
  mkdir -p "$d"
  printf 'HID_ID=0003:0000%s:0000%s\nHID_NAME=fake\n' "$3" "$4" >"$hid/uevent"
  ln -s "$SYS/bus/hid" "$hid/subsystem"
  printf 'MAJOR=240\nMINOR=%s\nDEVNAME=hidraw%s\n' "$5" "$5" >"$d/uevent"
  echo "240:$5" >"$d/dev"
  mkdir -p "$SYS/class/hidraw"
  ln -s "$SYS/class/hidraw" "$d/subsystem"
}

# A HID-only YubiKey (0401): the OTP keyboard interface 0 and a second, non-keyboard one.
usb_device 1-1 1050 0401 2
usb_interface 1-1 0 1050 0401 03 01 01
hidraw 1-1 0 1050 0401 0
usb_interface 1-1 1 1050 0401 03 00 00
hidraw 1-1 1 1050 0401 1
# A YubiKey 5 with OTP, FIDO and CCID (0407): interface 2 is its CCID interface.
usb_device 1-2 1050 0407 3
usb_interface 1-2 0 1050 0407 03 01 01
usb_interface 1-2 2 1050 0407 0b 00 00
# A CCID-only YubiKey (0404).
usb_device 1-3 1050 0404 4
usb_interface 1-3 0 1050 0404 0b 00 00
# Another vendor's CCID reader (ACS ACR122U).
usb_device 1-4 072f 2200 5
usb_interface 1-4 0 072f 2200 0b 00 00
# Another vendor's keyboard (Logitech): a boot keyboard with a hidraw node.
usb_device 1-5 046d c31c 6
usb_interface 1-5 0 046d c31c 03 01 01
hidraw 1-5 0 046d c31c 2
# A FIDO-only YubiKey (0402).
usb_device 1-6 1050 0402 7
usb_interface 1-6 0 1050 0402 03 00 00

mount --bind "$SYS" /sys || { echo "SKIP: cannot bind over /sys"; exit 77; }
mount -t tmpfs -o mode=0755 tmpfs /run/udev
mkdir -p /run/udev/rules.d /run/udev/data
for d in /etc/udev/rules.d /usr/lib/udev/rules.d /lib/udev/rules.d; do
  [ -d "$d" ] && mount -t tmpfs -o mode=0755 tmpfs "$d"
done
cp "$YK_UDEV_DIR"/*.rules /run/udev/rules.d/

# udev_test ACTION PORT-PATH: runs udevadm test, keeping its output in $OUT.
udev_test() {
  run env SYSTEMD_DEVICE_VERIFY_SYSFS=0 SYSTEMD_LOG_LEVEL=info udevadm test --action="$1" "/sys/$ROOT/$2"
  [ "$RC" = 0 ] || fail "udevadm test --action=$1 $2: exit $RC: $ERR"
  OUT="$OUT
$ERR"
}

has_line() { printf '%s\n' "$OUT" | grep -qx -- "$1"; }
expect_line() {
  if has_line "$1"; then pass "$2: $1"; else fail "$2: no line '$1' in: $(printf '%s\n' "$OUT" | grep -E '^(TAGS|SYSTEMD_WANTS|YKUNLOCK|run)' )"; fi
}
expect_no_match() { # expect_no_match REGEX WHAT
  if printf '%s\n' "$OUT" | grep -qE -- "$1"; then
    fail "$2: unexpected $(printf '%s\n' "$OUT" | grep -E -- "$1" | head -1)"
  else pass "$2: no $1"; fi
}

# --- insertion ------------------------------------------------------------------------------
udev_test add 1-1
expect_line 'SYSTEMD_WANTS=ykunlock-plug@1-1.service' "HID YubiKey"
expect_line 'TAGS=:systemd:' "HID YubiKey"
expect_line 'YKUNLOCK_PLUG=1' "HID YubiKey: stored for remove"

udev_test add 1-2
expect_line 'SYSTEMD_WANTS=ykunlock-plug@1-2.service' "YubiKey 5 (OTP+FIDO+CCID)"
udev_test add 1-2/1-2:1.2
expect_no_match '^SYSTEMD_WANTS=|ykunlock' "YubiKey 5 CCID interface (its device was matched already)"

udev_test add 1-3
expect_line 'SYSTEMD_WANTS=ykunlock-plug@1-3.service' "CCID YubiKey"
expect_line 'TAGS=:systemd:' "CCID YubiKey"

udev_test add 1-4/1-4:1.0
expect_line 'SYSTEMD_WANTS=ykunlock-plug@1-4:1.0.service' "non-Yubico CCID reader"
expect_line 'TAGS=:systemd:' "non-Yubico CCID reader"
udev_test add 1-4
expect_no_match '^SYSTEMD_WANTS=|^YKUNLOCK' "non-Yubico CCID reader's USB device"

udev_test add 1-5
expect_no_match '^SYSTEMD_WANTS=|^TAGS=|^YKUNLOCK' "non-Yubico keyboard"
udev_test add 1-5/1-5:1.0
expect_no_match '^SYSTEMD_WANTS=|^TAGS=|^YKUNLOCK' "non-Yubico keyboard interface"

udev_test add 1-6
expect_no_match '^SYSTEMD_WANTS=|^YKUNLOCK' "FIDO-only YubiKey"

# --- the seat's user may use the OTP interface's hidraw node, and only that ----------------------
udev_test add 1-1/1-1:1.0/0003:1050:0401.0000/hidraw/hidraw0
expect_line 'TAGS=:uaccess:' "YubiKey OTP hidraw node"
udev_test add 1-1/1-1:1.1/0003:1050:0401.0001/hidraw/hidraw1
expect_no_match '^TAGS=' "YubiKey non-keyboard hidraw node"
udev_test add 1-5/1-5:1.0/0003:046d:c31c.0002/hidraw/hidraw2
expect_no_match '^TAGS=' "non-Yubico keyboard hidraw node"

# --- removal: sysfs has lost the attributes; the add event's values are in the database -------
for f in idVendor idProduct dev; do rm -f "$SYS/$ROOT/1-1/$f" "$SYS/$ROOT/1-5/$f"; done
printf 'E:YKUNLOCK_PLUG=1\nG:systemd\nQ:systemd\nV:1\n' >/run/udev/data/c189:2
udev_test remove 1-1
expect_line "run: '/bin/systemctl --no-block start ykunlock-unplug@1-1.service'" "HID YubiKey removed"
expect_no_match '^SYSTEMD_WANTS=' "HID YubiKey removed"
udev_test remove 1-5
expect_no_match "^run: .*ykunlock" "non-Yubico keyboard removed (nothing stored at add)"

# The kernel unbinds the drivers of a device as it goes (usbfs, bound to a reader's interface
# once pcscd claimed it): udev handles the unbind when sysfs has lost the attributes already, and
# writes the database anew from that event. The value must stay for the remove that follows, and
# nothing must be wanted again (systemd would start ykunlock-plug@ as the device goes).
for f in modalias bInterfaceClass bInterfaceSubClass bInterfaceProtocol; do rm -f "$SYS/$ROOT/1-4/1-4:1.0/$f"; done
printf 'E:YKUNLOCK_PLUG=1\nE:SYSTEMD_WANTS=ykunlock-plug@1-4:1.0.service\nG:systemd\nQ:systemd\nV:1\n' \
  >/run/udev/data/+usb:1-4:1.0
udev_test unbind 1-4/1-4:1.0
expect_line 'YKUNLOCK_PLUG=1' "CCID reader unbound as it goes: kept for remove"
expect_no_match '^SYSTEMD_WANTS=|^run: ' "CCID reader unbound as it goes"
udev_test unbind 1-5/1-5:1.0
expect_no_match '^SYSTEMD_WANTS=|^TAGS=|^YKUNLOCK' "non-Yubico keyboard unbound"

finish
