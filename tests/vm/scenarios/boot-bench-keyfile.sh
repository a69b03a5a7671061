# bench/boot (not a CTest test): the same boot as boot-bench-token with a key file instead of the
# token, from an initramfs built without ykunlock: the key file (the root's recovery key) is
# copied in by cryptsetup-initramfs (KEYFILE_PATTERN).
host_prepare() {
        . "$VM_LIB/boot-lib.sh"
        local extra=$VM_RUN_DIR/initrd-extra
        "$YK_SOURCE_DIR/tests/vm/build-root.sh" tree "$BOOT_ROOT_CACHE"
        boot_root_disk
        mkdir -p "$extra/etc/keys" "$extra/etc/cryptsetup-initramfs"
        install -m 0600 "$VM_RUN_DIR/recovery.bin" "$extra/etc/keys/root.key"
        printf 'KEYFILE_PATTERN="/etc/keys/*.key"\nUMASK=0077\n' >"$extra/etc/cryptsetup-initramfs/conf-hook"
        BOOT_WITHOUT_YKUNLOCK=1 BOOT_INITRD_EXTRA=$extra \
                boot_initramfs_tools "root /dev/vdb /etc/keys/root.key luks,initramfs"
        boot_expect "YKVM-ROOT" pass root-reached
}
