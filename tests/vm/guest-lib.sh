# Helpers for scenarios inside the test machine (busybox sh). run.sh sources this file and the
# scenario, then calls `vm_run guest_main`. Markers go to the serial console, which the runner
# (run-vm.py) reads; see its docstring for the list.
export PATH=/usr/sbin:/usr/bin
VM_WORK=/work

vm_log() { echo "ykvm: $*"; }
vm_pass() { echo "YKVM-PASS $*"; }
# vm_fail NAME REASON: reports and ends the scenario.
vm_fail() { echo "YKVM-FAIL $*"; exit 1; }

# vm_plug NAME [DELAY]: the runner plugs token NAME (described by host_prepare) in.
vm_plug() { echo "YKVM-PLUG $1 ${2:-0}"; }
# vm_unplug NAME [DELAY|challenge]: ... and pulls it out, "challenge" = once it was challenged.
vm_unplug() { echo "YKVM-UNPLUG $1 ${2:-0}"; }

# vm_check NAME CMD...: CMD must succeed; its output is shown either way.
vm_check() {
        local name=$1 rc=0
        shift
        "$@" >/tmp/vm_check.out 2>&1 || rc=$?
        sed 's/^/    /' /tmp/vm_check.out
        [ $rc = 0 ] || vm_fail "$name" "'$*' exited $rc"
        vm_pass "$name"
}

# vm_expect_rc NAME RC CMD...: CMD must exit with RC exactly.
vm_expect_rc() {
        local name=$1 want=$2 rc=0
        shift 2
        "$@" >/tmp/vm_check.out 2>&1 || rc=$?
        sed 's/^/    /' /tmp/vm_check.out
        [ "$rc" = "$want" ] || vm_fail "$name" "'$*' exited $rc, expected $want"
        vm_pass "$name"
}

# vm_output_has TEXT: the output of the last vm_check / vm_expect_rc contains TEXT.
vm_output_has() { grep -qF -- "$1" /tmp/vm_check.out; }

# vm_no_mapping NAME: device-mapper has no device NAME.
vm_no_mapping() {
        [ ! -e "/dev/mapper/$1" ] && ! dmsetup info "$1" >/dev/null 2>&1
}

# systemd-udevd, with the dm rules, so that /dev/mapper links and USB hot-plug events appear.
vm_start_udev() {
        /usr/lib/systemd/systemd-udevd --daemon --resolve-names=never || vm_fail udev "systemd-udevd did not start"
        udevadm trigger --action=add --type=subsystems
        udevadm trigger --action=add --type=devices
        udevadm settle --timeout=20
}

# pcscd with libccid (hot-plug through libudev: start udev first).
vm_start_pcscd() {
        mkdir -p /run/pcscd
        pcscd || vm_fail pcscd "pcscd did not start"
        local i=0
        while [ ! -S /run/pcscd/pcscd.comm ]; do
                i=$((i + 1))
                [ $i -gt 100 ] && vm_fail pcscd "no /run/pcscd/pcscd.comm"
                sleep 0.1
        done
}

# vm_wait_reader SUBSTRING [SECONDS]: a reader matching appeared and its card answers SELECT OTP.
vm_wait_reader() { ykvm-probe --wait "${2:-20}" "$1"; }
# vm_wait_reader_gone SUBSTRING [SECONDS]
vm_wait_reader_gone() { ykvm-probe --gone --wait "${2:-20}" "$1"; }

# Tokens: udev and pcscd, then vm_token_in / vm_token_out around what needs the token.
vm_tokens_start() {
        vm_start_udev
        vm_start_pcscd
}
# vm_token_in NAME: plugs token NAME in and waits until pcscd sees its card.
vm_token_in() {
        vm_plug "$1"
        vm_wait_reader Gemalto 30 >/tmp/vm_token.out || vm_fail "plug-$1" "$(cat /tmp/vm_token.out)"
}
# vm_token_out NAME: pulls it out and waits until its reader is gone.
# pcscd 1.9.9 sometimes misses the removal of a reader that was plugged in seconds before (seen
# about once in ten runs of the scenarios that plug tokens in and out; the kernel has removed the
# USB device, pcscd still lists the reader, and `pcscd --hotplug` does not help). The kernel is
# the truth for "pulled out": wait for it, then give pcscd 5 s, then restart it (and say so).
vm_token_out() {
        vm_unplug "$1"
        local i=0
        while ls /sys/bus/usb/devices | grep -Eq '^[0-9]+-[0-9.]+$'; do
                i=$((i + 1))
                [ $i -gt 100 ] && vm_fail "unplug-$1" "the kernel still has a USB device: $(ls /sys/bus/usb/devices | tr '\n' ' ')"
                sleep 0.1
        done
        vm_wait_reader_gone Gemalto 5 >/tmp/vm_token.out && return 0
        vm_log "pcscd still lists the reader the kernel removed; restarting pcscd"
        kill "$(cat /run/pcscd/pcscd.pid)" 2>/dev/null
        i=0
        while [ -e /run/pcscd/pcscd.comm ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
        rm -f /run/pcscd/pcscd.comm /run/pcscd/pcscd.pid
        vm_start_pcscd
        vm_wait_reader_gone Gemalto 10 >/tmp/vm_token.out || vm_fail "unplug-$1" "$(cat /tmp/vm_token.out)"
}

# vm_is_mounted DIR: something is mounted on DIR (busybox-static has no mountpoint).
vm_is_mounted() { awk -v d="$1" '$2 == d { found = 1 } END { exit !found }' /proc/mounts; }

# vm_header_sum IMAGE: a checksum of the LUKS2 header area (metadata and keyslots, 16 MiB).
vm_header_sum() { head -c 16777216 "$1" | sha256sum | cut -d' ' -f1; }
# vm_tree_sum DIR: one checksum of the tree under DIR: directories, files' contents, symlinks.
vm_tree_sum() {
        (
                cd "$1" || exit 1
                find . -type d | sort
                find . -type f -exec sha256sum {} + | sort -k 2
                find . -type l | sort | while read -r l; do echo "$l -> $(readlink "$l")"; done
        ) | sha256sum | cut -d' ' -f1
}

vm_run() {
        set -eu
        vm_log "scenario starts at $(cut -d' ' -f1 /proc/uptime) s"
        "$1"
        vm_log "scenario done at $(cut -d' ' -f1 /proc/uptime) s"
}

# USB HID tokens: `ykemu --uhid` inside the guest (the kernel's uhid gives a real /dev/hidrawN).
# vm_hid_start [YKEMU_OPTIONS...]: starts it, waits for its node; VM_HID_PID, VM_HID_NODE.
vm_hid_start() {
        ykemu --uhid "$@" >>/tmp/ykemu-uhid.log 2>&1 &
        VM_HID_PID=$!
        local i=0
        VM_HID_NODE=
        while [ -z "$VM_HID_NODE" ]; do
                VM_HID_NODE=$(vm_hid_node)
                i=$((i + 1))
                [ $i -gt 100 ] && vm_fail hid-start "no Yubico hidraw node: $(cat /tmp/ykemu-uhid.log)"
                [ -n "$VM_HID_NODE" ] || sleep 0.1
        done
        udevadm settle --timeout=10 2>/dev/null || true
}
# vm_hid_node: the /dev/hidrawN of a Yubico (1050) device, or nothing.
vm_hid_node() {
        local u
        for u in /sys/class/hidraw/*/device/uevent; do
                [ -e "$u" ] || continue
                if grep -q '^HID_ID=0003:00001050:' "$u"; then
                        u=${u%/device/uevent}
                        [ -c "/dev/${u##*/}" ] && echo "/dev/${u##*/}" && return 0
                fi
        done
        return 0
}
# vm_hid_stop: SIGTERM (ykemu destroys the uhid device) and waits for the node to go.
vm_hid_stop() {
        kill "$VM_HID_PID" 2>/dev/null || true
        wait "$VM_HID_PID" 2>/dev/null || true
        local i=0
        while [ -n "$(vm_hid_node)" ]; do
                i=$((i + 1))
                [ $i -gt 50 ] && vm_fail hid-stop "the hidraw node stays"
                sleep 0.1
        done
}
