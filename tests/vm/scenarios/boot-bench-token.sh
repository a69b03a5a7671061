# bench/boot (not a CTest test): initramfs-tools, the root opened by a PC/SC token present at
# power-on (crypttab without keyscript); bench/boot times QEMU's start to the root's marker.
host_prepare() {
        . "$VM_LIB/boot-lib.sh"
        boot_initramfs_tools "root /dev/vdb none luks,initramfs"
        boot_root_disk
        vm_token tok --serial 4242001
        boot_enroll tok 4242001 303132333435363738393a3b3c3d3e3f40414243
        boot_expect "" plug tok
        boot_expect "YKVM-ROOT" pass root-reached
}
