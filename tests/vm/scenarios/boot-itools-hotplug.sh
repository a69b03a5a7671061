# initramfs-tools, crypttab without keyscript: no token at power-on; it is plugged in 5 s after
# cryptroot's prompt appears, and the watcher's ykunlock (waiting) unlocks the root with it.
host_prepare() {
        . "$VM_LIB/boot-lib.sh"
        boot_initramfs_tools "root /dev/vdb none luks,initramfs"
        boot_root_disk
        vm_token tok --serial 4242001
        boot_enroll tok 4242001 303132333435363738393a3b3c3d3e3f40414243
        boot_expect "Please unlock disk root" plug tok 5
        boot_expect "waiting for a token enrolled in /dev/vdb" pass waiting-message
        boot_expect "YKVM-ROOT" pass root-reached
}
