# The token as a USB CCID reader: ykemu behind QEMU's usb-ccid, hot-plugged through QMP 3 s
# after the scenario starts, seen by pcscd + libccid in the guest, answering SELECT OTP; then
# pulled out, and pcscd notices. `ykunlock token list` finds it behind that non-Yubico reader.

host_prepare() {
        vm_token tok --serial 4242001
}

guest_main() {
        vm_start_udev
        vm_start_pcscd
        vm_expect_rc no-reader-yet 1 ykvm-probe --wait 0 Gemalto
        vm_plug tok 3
        vm_check reader-appears ykvm-probe --wait 30 Gemalto
        vm_output_has "select:" || vm_fail select "no SELECT answer"
        vm_output_has "protocol: T=0" || vm_fail t0 "not T=0"
        vm_pass select-t0
        # The YubiKey's status: firmware 5.4.3 (ykemu's default) leads the answer.
        vm_output_has "select: 05 04 03" || vm_fail firmware "unexpected status"
        vm_pass firmware
        lsusb 2>/dev/null | grep -qi '08e6:4433' || grep -qi 'PRODUCT=8e6/4433' /sys/bus/usb/devices/*/uevent ||
                vm_fail usb-id "no 08e6:4433 device"
        vm_pass usb-id
        # ykunlock itself finds the token behind a reader that is not named Yubico.
        vm_check token-list ykunlock token list
        vm_output_has 4242001 || vm_fail token-list-serial "serial 4242001 not listed"
        vm_output_has Gemalto || vm_fail token-list-reader "reader not listed"
        vm_pass token-list-serial
        vm_unplug tok
        vm_check reader-gone ykvm-probe --gone --wait 20 Gemalto
}
