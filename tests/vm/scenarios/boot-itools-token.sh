# initramfs-tools, crypttab without keyscript, two volumes with their tokens present from power-on
# and nothing typed; ykunlock's watcher answers cryptroot's askpass through its FIFO:
# - root: a USB HID key (ykemu on the guest's uhid, started in the initramfs by a test hook,
#   tests/vm/initrd-hid), with no PC/SC token enrolled in root;
# - data: a PC/SC token behind the emulated CCID reader.
host_prepare() {
        . "$VM_LIB/boot-lib.sh"
        local extra=$VM_RUN_DIR/initrd-extra state=$VM_RUN_DIR/state-cpio
        mkdir -p "$extra/usr/local/bin" "$extra/etc/initramfs-tools" "$state/ykvm"
        cp "$YKEMU" "$extra/usr/local/bin/ykemu"
        cp -r "$VM_LIB/initrd-hid/." "$extra/etc/initramfs-tools/"
        BOOT_INITRD_EXTRA=$extra boot_initramfs_tools "root /dev/vdb none luks,initramfs
data /dev/vdc none luks,initramfs"
        boot_root_disk
        boot_data_disk vdc
        vm_state_worked_example 4242002 >"$VM_RUN_DIR/hid.state"
        boot_enroll hid 4242002 303132333435363738393a3b3c3d3e3f40414243
        cp "$VM_RUN_DIR/hid.state" "$state/ykvm/hid.state"
        boot_initrd_prepend "$state"
        vm_token tok --serial 4242001
        boot_enroll_in vdc tok 4242001 a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3
        boot_expect "" plug tok
        boot_expect "Please unlock disk root" pass prompt-shown
        boot_expect "root: set up successfully" pass root-by-hid-token
        boot_expect "data: set up successfully" pass data-by-pcsc-token
        boot_expect "YKVM-ROOT" pass root-reached
}
