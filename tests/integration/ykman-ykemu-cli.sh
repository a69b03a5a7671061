#!/usr/bin/env bash
# The ykemu program's own command line: conflicting or missing modes, bad values, and a state
# file it must refuse without touching it. No world needed: nothing here reaches pcscd.
set -u
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

run "$YKEMU"
expect_rc 1 "no mode"
expect_err_line "ykemu: one of --vpcd, --vscard, --uhid or --usb-ffs is needed" "no mode"
run "$YKEMU" --vpcd 35963 --uhid
expect_rc 1 "two modes"
expect_err_line "ykemu: --vpcd, --vscard, --uhid and --usb-ffs are mutually exclusive" "two modes"
run "$YKEMU" --vpcd 35963 --vscard "$dir/sock"
expect_rc 1 "vpcd and vscard"
expect_err_line "ykemu: --vpcd, --vscard, --uhid and --usb-ffs are mutually exclusive" "vpcd and vscard"
run "$YKEMU" --vpcd 35963 --touch sometimes
expect_rc 1 "bad --touch"
expect_err_line "ykemu: invalid value for --touch: 'sometimes'" "bad --touch"
run "$YKEMU" --vpcd 35963 --firmware 5.4
expect_rc 1 "bad --firmware"
expect_err_line "ykemu: invalid value for --firmware: '5.4'" "bad --firmware"
run "$YKEMU" --vpcd 35963 --serial 4294967296
expect_rc 1 "serial over 32 bits"
expect_err_line "ykemu: invalid value for --serial: '4294967296'" "serial over 32 bits"
run "$YKEMU" --vpcd host:0
expect_rc 1 "port 0"
expect_err_line "ykemu: invalid value for --vpcd: 'host:0'" "port 0"
run "$YKEMU" --vpcd 35963 extra
expect_rc 1 "extra argument"
expect_err_line "ykemu: unexpected argument 'extra'" "extra argument"
# --uhid itself is tested in the VM (tests/vm/scenarios/hid-*.sh); here only without /dev/uhid.
if [ ! -e /dev/uhid ]; then
        run "$YKEMU" --uhid
        expect_rc 1 "--uhid without /dev/uhid"
        expect_err_line "ykemu: cannot open /dev/uhid: No such file or directory" "--uhid without /dev/uhid"
fi
# --usb-ffs likewise (tests/vm/scenarios/plug-udev.sh); here a directory that is no functionfs.
run "$YKEMU" --usb-ffs "$dir/no-ffs"
expect_rc 1 "--usb-ffs without a functionfs"
expect_err_line "ykemu: cannot open $dir/no-ffs/ep0: No such file or directory" "--usb-ffs without a functionfs"
run "$YKEMU" --uhid --usb-ffs "$dir/no-ffs"
expect_rc 1 "uhid and usb-ffs"
expect_err_line "ykemu: --vpcd, --vscard, --uhid and --usb-ffs are mutually exclusive" "uhid and usb-ffs"

printf '{"format":1}' >"$dir/bad.json"
before=$(fingerprint "$dir/bad.json")
run "$YKEMU" --vpcd 127.0.0.1:1 --state "$dir/bad.json"
expect_rc 1 "malformed state file"
expect_err_line "ykemu: cannot create the card (state $dir/bad.json): Bad message" "malformed state file"
expect_unchanged "$before" "malformed state file" "$dir/bad.json"
ln -s "$dir/bad.json" "$dir/link.json"
run "$YKEMU" --vpcd 127.0.0.1:1 --state "$dir/link.json"
expect_rc 1 "state file behind a symbolic link"
expect_err_contains "Too many levels of symbolic links" "symbolic link"

# A new state file gets --serial and --firmware; SIGTERM while it waits for vpcd ends it with 0.
"$YKEMU" --vpcd 127.0.0.1:1 --state "$dir/new.json" --serial 77 --firmware 4.3.7 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do [ -e "$dir/new.json" ] && grep -q waiting "$dir/log" && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "SIGTERM while waiting for vpcd: exit 0"
expect_eq "$(grep -o '"serial":[0-9]*' "$dir/new.json")" '"serial":77' "new state has the serial"
expect_eq "$(grep -o '"firmware":"[0-9.]*"' "$dir/new.json")" '"firmware":"4.3.7"' "new state has the firmware"
expect_eq "$(stat -c %a "$dir/new.json")" 600 "state file mode 0600"
finish
