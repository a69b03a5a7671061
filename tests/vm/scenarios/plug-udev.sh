# Issue 13 under systemd as PID 1 with the real udev: the Debian root of tests/vm/build-root.sh,
# ykunlock installed into it by `cmake --install` (rules, units), /etc/ykunlock/vaults
# configured; nothing is run by hand, the token is plugged in and pulled out through QMP.
#  - insertion: v1, v2, v4 (enrolled with the token) open and mount, v3 (another token's) stays
#    closed, the bad line 5 is named as FILE:LINE; one journal line per vault;
#  - removal: v1 (close) is unmounted and closed, v2 (suspend) is suspended and a writer blocks,
#    v4 (close) is busy: the journal names its holder, it stays open;
#  - plugged back: v2 resumes, the writer finishes, a file written before removal is intact;
#  - over USB HID (scenario 4): another key, ykemu --usb-ffs in the guest behind a configfs
#    gadget 1050:0010 on dummy_hcd (a real USB device: usbhid, hidraw, the rules' match):
#    its slot needs a touch and v5, v6 are enrolled with it as a group: binding the gadget
#    opens and mounts both with exactly one touch asked for, `status` shows them as one group;
#    unbinding it closes both (the CCID key's vaults stay).
# The vaults are made and enrolled on the host (tests/vm/plug-enroll.sh).

host_prepare() {
        . "$VM_LIB/plug-lib.sh"
        plug_boot
        vm_token tok --serial 4242001
        vm_token other --serial 4242002
        "$VM_LIB/plug-enroll.sh" "$VM_WORK" "$VM_RUN_DIR/tok.state:4242001:v1,v2,v4" \
                "$VM_RUN_DIR/other.state:4242002:v3" "$VM_RUN_DIR/hid.state:4242003:v5,v6:touch-group" ||
                boot_die "cannot make the vaults"
        cp "$VM_RUN_DIR/hid.state" "$VM_WORK/hid.state"
        cp "$YKEMU" "$VM_WORK/ykemu"
        cat >"$VM_WORK/vaults" <<'VAULTS'
# SOURCE       NAME  MOUNTPOINT  OPTIONS
/work/v1.img   v1    /mnt/v1     on-remove=close
/work/v2.img   v2    /mnt/v2     on-remove=suspend,mountopts=noatime
/work/v3.img   v3    /mnt/v3     on-remove=close
/work/v1.img   bad   -           frobnicate
/work/v4.img   v4    /mnt/v4     on-remove=close
/work/v5.img   v5    /mnt/v5     on-remove=close
/work/v6.img   v6    /mnt/v6     on-remove=close
VAULTS
}

# journal_new FILE: the journal's lines about ykunlock since the last call (journalctl's cursor;
# not -u 'ykunlock-*': journalctl matches such a pattern against the units it knows already).
journal_new() {
        journalctl --cursor-file=/tmp/journal.cursor -o cat --no-pager | grep ykunlock >"$1" || true
}

# wait_for SECONDS CMD...: until CMD succeeds, or fail after SECONDS (of uptime: under a loaded
# TCG one round of CMD can take a second).
wait_for() {
        local end
        end=$(($(cut -d. -f1 /proc/uptime) + $1))
        shift
        until "$@" 2>/dev/null; do
                [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] || return 1
                sleep 0.2
        done
}

# units_done: no ykunlock-plug@ or -unplug@ unit is queued or running.
units_done() {
        ! systemctl list-units --no-legend --state=activating,deactivating 'ykunlock-*' | grep -q .
}

# fail NAME REASON: resumes v2 if it is suspended (with its recovery key: `sync` at power-off
# would wait for it forever), then fails.
fail() {
        if suspended; then
                base64 -d /work/v2.recovery >/tmp/v2.key
                cryptsetup luksResume v2 --key-file /tmp/v2.key || true
        fi
        vm_fail "$@"
}

# once FILE TEXT: TEXT is in FILE exactly once.
once() { [ "$(grep -cF -- "$2" "$1")" = 1 ]; }

suspended() { dmsetup info v2 | grep -q SUSPENDED; }
opened_all() { vm_is_mounted /mnt/v1 && vm_is_mounted /mnt/v2 && vm_is_mounted /mnt/v4; }
closed_v1() { [ ! -e /dev/mapper/v1 ] && ! vm_is_mounted /mnt/v1; }

guest_main() {
        export PATH=/usr/local/bin:/usr/sbin:/usr/bin
        mkdir -p /mnt/v1 /mnt/v2 /mnt/v3 /mnt/v4 /mnt/v5 /mnt/v6
        cp /work/vaults /etc/ykunlock/vaults
        # What udev, pcscd and the units do, on the console as it happens.
        journalctl -f -n 0 -o short-monotonic | grep --line-buffered -E 'ykunlock|udev|pcscd' | sed 's/^/    > /' &
        journal_new /tmp/j0 >/dev/null

        # ---- insertion: udev wants ykunlock-plug@, which opens and mounts v1, v2, v4 ----
        vm_plug tok
        wait_for 90 opened_all || fail insertion "not mounted: $(grep /mnt/ /proc/mounts)"
        wait_for 30 units_done || fail units-done "$(systemctl list-units 'ykunlock-*')"
        journal_new /tmp/j1
        for v in v1 v2 v4; do
                once /tmp/j1 "$v: opened with token 4242001, mounted on /mnt/$v" || fail "journal-$v" "not one line for $v"
        done
        once /tmp/j1 "v3: not opened: no token enrolled in it is present" || fail journal-v3 "not one line for v3"
        vm_no_mapping v3 || fail v3-closed "v3 was opened"
        once /tmp/j1 "/etc/ykunlock/vaults:5: unknown option 'frobnicate'; line skipped" ||
                vm_fail bad-line "the bad line is not named once"
        vm_pass opened-on-insertion

        echo before >/mnt/v2/before
        sync
        (cd /mnt/v4 && exec sleep 600) &
        holder=$!

        # ---- removal: v1 closed, v2 suspended, v4 busy (named with its holder, stays open) ----
        vm_unplug tok
        wait_for 60 closed_v1 || fail v1-closed "v1 is still open"
        wait_for 30 suspended || fail v2-suspended "$(dmsetup info v2)"
        wait_for 30 units_done || fail units-done "$(systemctl list-units 'ykunlock-*')"
        journal_new /tmp/j2
        once /tmp/j2 "v1: closed" || fail journal-v1-closed "no line for v1"
        once /tmp/j2 "v2: suspended" || fail journal-v2-suspended "no line for v2"
        once /tmp/j2 "v4: stays open: /mnt/v4 is busy, held by processes $holder (sleep)" ||
                vm_fail busy-named "the holder of v4 is not named"
        vm_is_mounted /mnt/v4 || fail busy-stays "v4 was unmounted"
        ! grep -qF "ykunlock-plug@" /tmp/j2 || fail plug-on-removal "ykunlock-plug@ was started again as the token went"
        vm_pass locked-on-removal

        # A writer on the suspended vault waits (luksSuspend freezes I/O, it does not fail it).
        (echo after >/mnt/v2/after && sync -f /mnt/v2/after && echo done >/tmp/writer.done) &
        sleep 3
        [ ! -e /tmp/writer.done ] || fail writer-blocks "the write did not wait"
        vm_pass writer-blocks

        # ---- plugged back: v2 resumes, the writer finishes, v1 opens again ----
        vm_plug tok
        wait_for 90 test -e /tmp/writer.done || fail writer-done "the writer did not finish"
        wait_for 90 opened_all || fail reinsertion "not mounted: $(grep /mnt/ /proc/mounts)"
        wait_for 30 units_done || fail units-done "$(systemctl list-units 'ykunlock-*')"
        journal_new /tmp/j3
        once /tmp/j3 "v2: resumed" || fail journal-v2-resumed "no line for v2"
        once /tmp/j3 "v4: open already" || fail journal-v4 "no line for v4"
        once /tmp/j3 "v1: opened with token 4242001, mounted on /mnt/v1" || fail journal-v1 "no line for v1"
        ! suspended || fail resumed "v2 is still suspended"
        [ "$(cat /mnt/v2/before) $(cat /mnt/v2/after)" = "before after" ] || fail data-intact "files differ"
        vm_pass resumed-on-insertion
        kill $holder

        usb_hid_scenario
}

# ---- a key that is a real USB HID device: a configfs gadget whose one function is ykemu's
# FunctionFS (tests/emulator/ffs.c), on dummy_hcd's virtual bus; binding it to the UDC is the
# insertion, unbinding it the removal. plug-init loaded the modules.
GADGET=/sys/kernel/config/usb_gadget/yk

# usb_key_make STATE: the gadget 1050:0010 (a YubiKey with the OTP interface alone) and ykemu
# serving its function; not bound yet.
usb_key_make() {
        mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
        mkdir -p $GADGET/strings/0x409 $GADGET/configs/c.1 $GADGET/functions/ffs.ykotp /dev/ffs-ykotp
        echo 0x1050 >$GADGET/idVendor
        echo 0x0010 >$GADGET/idProduct
        echo Yubico >$GADGET/strings/0x409/manufacturer
        echo YubiKey >$GADGET/strings/0x409/product
        ln -s $GADGET/functions/ffs.ykotp $GADGET/configs/c.1/
        # The source names the instance (functions/ffs.ykotp); mount takes it for a path when a
        # file of that name is in the working directory, hence the cd.
        (cd / && mount -t functionfs ykotp /dev/ffs-ykotp) || vm_fail usb-key "cannot mount functionfs: $(usb_key_diag)"
        /work/ykemu --usb-ffs /dev/ffs-ykotp --state "$1" >/tmp/ykemu-ffs.log 2>&1 &
        USB_KEY_PID=$!
        wait_for 20 grep -q "usb-ffs ready" /tmp/ykemu-ffs.log || vm_fail usb-key "ykemu: $(cat /tmp/ykemu-ffs.log)"
}
usb_key_diag() {
        echo; grep -E 'configfs|functionfs' /proc/filesystems; grep -E 'dummy|usb_f_fs|libcomposite|udc|configfs' /proc/modules
        ls -la $GADGET $GADGET/functions $GADGET/configs/c.1; grep -E 'config|ffs' /proc/mounts; dmesg | tail -n 15
}
usb_key_plug() { echo dummy_udc.0 >$GADGET/UDC; }
usb_key_unplug() { echo >$GADGET/UDC; }

# yubico_hidraw: the hidraw node of a Yubico HID device (HID_ID 0003:00001050:...) exists.
yubico_hidraw() { grep -qs '^HID_ID=0003:00001050:' /sys/class/hidraw/hidraw*/device/uevent; }

# usb_key_device: the sysfs path of the USB device above that node (hidraw -> HID device ->
# interface -> device).
usb_key_device() {
        local h
        for h in /sys/class/hidraw/hidraw*; do
                grep -qs '^HID_ID=0003:00001050:0*10$' "$h/device/uevent" && readlink -f "$h/device/../.."
        done
}

usb_hid_scenario() {
        usb_key_make /work/hid.state
        journal_new /tmp/j4 >/dev/null
        usb_key_plug
        wait_for 30 yubico_hidraw || vm_fail usb-hidraw "no Yubico hidraw node: $(cat /tmp/ykemu-ffs.log)"
        wait_for 90 eval 'vm_is_mounted /mnt/v5 && vm_is_mounted /mnt/v6' ||
                fail usb-insertion "not mounted: $(grep /mnt/ /proc/mounts; cat /tmp/ykemu-ffs.log)"
        wait_for 30 units_done || fail units-done "$(systemctl list-units 'ykunlock-*')"
        journal_new /tmp/j4
        once /tmp/j4 "v5: opened with token 4242003, mounted on /mnt/v5" || fail journal-v5 "not one line for v5"
        once /tmp/j4 "v6: opened with token 4242003, mounted on /mnt/v6" || fail journal-v6 "not one line for v6"
        [ "$(grep -c '^ykemu: touch asked$' /tmp/ykemu-ffs.log)" = 1 ] ||
                fail one-touch "not one touch for the group: $(cat /tmp/ykemu-ffs.log)"
        once /tmp/j4 "v1: open already" || fail journal-v1-open "no line for v1"
        # udev matched our rule on the USB device (it keeps the value for the remove event), and
        # the key is seen over HID alone.
        dev=$(usb_key_device)
        [ -n "$dev" ] && udevadm info -q property -p "$dev" | grep -qx YKUNLOCK_PLUG=1 ||
                fail usb-udev-rule "no YKUNLOCK_PLUG=1 on the USB device '$dev': $(udevadm info -q property -p "$dev")"
        ykunlock token list >/tmp/tokens 2>&1
        grep -E '^hid .* 4242003 ' /tmp/tokens || fail usb-token-list "$(cat /tmp/tokens)"
        vm_pass opened-on-usb-hid-insertion
        ykunlock status >/tmp/status 2>&1
        # STATE and GROUP of v5 and v6: both open, in one group (a number, not "-").
        g=$(awk '$1 == "v5" || $1 == "v6" { print $2, $5 }' /tmp/status | sort -u)
        [ "$(echo "$g" | wc -l)" = 1 ] && [ "${g% *}" = open ] && [ "${g#* }" != - ] ||
                fail status-group "v5 and v6 are not one open group: $(cat /tmp/status)"
        vm_pass one-touch-for-the-group

        usb_key_unplug
        wait_for 60 eval '[ ! -e /dev/mapper/v5 ] && [ ! -e /dev/mapper/v6 ] && ! vm_is_mounted /mnt/v6' ||
                fail v5-closed "v5 or v6 is still open"
        wait_for 30 units_done || fail units-done "$(systemctl list-units 'ykunlock-*')"
        journal_new /tmp/j5
        once /tmp/j5 "v5: closed" || fail journal-v5-closed "no line for v5"
        once /tmp/j5 "v6: closed" || fail journal-v6-closed "no line for v6"
        once /tmp/j5 "v1: stays open: a token enrolled in it (4242001) is still present" ||
                fail journal-v1-stays "no line for v1"
        vm_is_mounted /mnt/v1 || fail v1-stays "v1 was closed as the HID key went"
        vm_pass closed-on-usb-hid-removal
        kill $USB_KEY_PID
}
