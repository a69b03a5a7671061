# One key, two transports: a vault enrolled over PC/SC (the key behind QEMU's usb-ccid and the
# guest's pcscd) opens over USB HID (the same key state behind the guest's uhid). While the
# key is on both, `token list` (auto) shows it once, over HID; asked for PC/SC it is there too.
# The key: serial 5550002, slot 2 holding docs/protocol.md §2's worked example (no touch), written as
# an emulator state file on the host; the host's ykemu (PC/SC) and the guest's (HID) start
# from the same file. The vault is opened for real (device-mapper) over HID, and closed.

host_prepare() {
        vm_state_worked_example 5550002 >"$VM_WORK/tok.state"
        vm_state_worked_example 5550002 >"$VM_RUN_DIR/tok-pcsc.state"
        vm_token tok --state "$VM_RUN_DIR/tok-pcsc.state"
}

guest_main() {
        local keyslot
        vm_tokens_start
        vm_token_in tok
        vm_check list-pcsc ykunlock token list
        grep -E "^pcsc +Gemalto.* 5550002 +5\.4\.3 +empty +programmed" /tmp/vm_check.out >/dev/null ||
                vm_fail list-pcsc-row "the key is not listed behind the Gemalto reader"
        vm_pass list-pcsc-row

        vm_check create-over-pcsc ykunlock create /tmp/vault.img --size 32M --fs none --transport pcsc
        vm_check list-vault ykunlock list /tmp/vault.img
        vm_output_has 5550002 || vm_fail list-vault-serial "serial 5550002 not enrolled"
        vm_pass list-vault-serial
        keyslot=$(awk '$3 == "5550002" && $NF == "YubiKey" {print $1}' /tmp/vm_check.out)
        [ -n "$keyslot" ] || vm_fail list-vault-keyslot "no keyslot for 5550002"
        vm_pass list-vault-keyslot

        # The same key on USB HID too: listed once (auto asks HID first), over HID.
        vm_hid_start --state /work/tok.state
        vm_check list-both ykunlock token list
        [ "$(grep -c 5550002 /tmp/vm_check.out)" = 1 ] || vm_fail list-once "serial 5550002 not listed exactly once"
        grep -E "^hid +$VM_HID_NODE +5550002 " /tmp/vm_check.out >/dev/null || vm_fail list-once-hid "not over HID"
        vm_pass list-once-over-hid
        vm_check list-pcsc-asked ykunlock token list --transport pcsc
        vm_output_has 5550002 || vm_fail list-pcsc-asked-serial "not behind pcscd"
        vm_pass list-pcsc-asked-serial

        # Off the PC/SC reader; the vault opens over HID: checked, then for real and closed.
        vm_token_out tok
        vm_check open-test-over-hid ykunlock open /tmp/vault.img --test --transport hid --timeout 0
        vm_output_has "token 5550002 (token id 1, keyslot $keyslot)" || vm_fail open-hid-keyslot "not keyslot $keyslot"
        vm_pass open-hid-keyslot
        vm_check open-over-hid ykunlock open /tmp/vault.img hidvault --transport hid --timeout 0
        dmsetup info hidvault >/dev/null 2>&1 || vm_fail open-mapping "no mapping hidvault"
        vm_pass open-mapping
        vm_check close ykunlock close hidvault
        vm_no_mapping hidvault || vm_fail close-mapping "hidvault still mapped"
        vm_pass close-mapping
        vm_check open-test-auto ykunlock open /tmp/vault.img --test --timeout 0
        # And without the key at all: no enrolled token present (exit 3). Not from the console,
        # which is a terminal: there the CLI would ask for the recovery key instead.
        vm_hid_stop
        vm_expect_rc open-no-key 3 sh -c 'ykunlock open /tmp/vault.img --test --transport hid --timeout 0 </dev/null'
        vm_output_has 5550002 || vm_fail open-no-key-serial "the enrolled serial is not named"
        vm_pass open-no-key-serial
}
