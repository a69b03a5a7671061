# Issue 13, scenario 4 (the action, without udev): over USB HID — the key is `ykemu --uhid` in
# the guest, a real /dev/hidrawN — `plug-event add` opens and mounts a configured vault, waiting
# for the node when the key comes after the event; once the node is gone, `plug-event remove`
# unmounts and closes it. No pcscd runs: HID alone is enough.

host_prepare() {
        vm_state_worked_example 5550003 >"$VM_WORK/tok.state"
}

guest_main() {
        vm_start_udev
        vm_hid_start --state /work/tok.state
        ykunlock create /work/h.img --size 32M --fs ext4 --transport hid >/dev/null 2>/tmp/create.err ||
                vm_fail create "$(cat /tmp/create.err)"
        vm_hid_stop
        mkdir -p /mnt/h
        echo "/work/h.img h /mnt/h on-remove=close" >/work/vaults

        # The event starts before the key's node exists: add waits for it (--wait).
        (sleep 2 && exec ykemu --uhid --state /work/tok.state >>/tmp/ykemu-uhid.log 2>&1) &
        VM_HID_PID=$!
        vm_check plug-add ykunlock plug-event add --config /work/vaults --wait 20
        vm_output_has "h: opened with token 5550003, mounted on /mnt/h" || vm_fail plug-add-h "no line for h"
        vm_is_mounted /mnt/h || vm_fail mounted "/mnt/h is not mounted"
        echo kept >/mnt/h/file
        vm_pass opened-over-hid

        vm_hid_stop
        vm_check plug-remove ykunlock plug-event remove --config /work/vaults
        vm_output_has "h: closed" || vm_fail plug-remove-h "no line for h"
        ! vm_is_mounted /mnt/h && vm_no_mapping h || vm_fail closed "h is still open"
        vm_pass closed-when-gone
}
