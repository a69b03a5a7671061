# initramfs-tools, crypttab without keyscript: the token is plugged in (PC/SC, the emulated CCID
# reader) as the machine powers on; ykunlock's watcher answers cryptroot's askpass through its
# FIFO and the real root comes up without anything typed.
host_prepare() {
        . "$VM_LIB/boot-lib.sh"
        boot_initramfs_tools "root /dev/vdb none luks,initramfs"
        boot_root_disk
        vm_token tok --serial 4242001
        boot_enroll tok 4242001 303132333435363738393a3b3c3d3e3f40414243
        boot_expect "" plug tok
        boot_expect "Please unlock disk root" pass prompt-shown
        boot_expect "YKVM-ROOT" pass root-reached
}
