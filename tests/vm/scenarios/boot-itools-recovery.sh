# initramfs-tools with keyscript=ykunlock: a wrong token (the enrolled serial, another secret) is
# present at power-on: ykunlock refuses it and writes nothing; the one prompt then takes the
# recovery key typed on the serial console, and the real root comes up. The key is the text one
# `ykunlock recovery-key` prints (it replaces the disk's base64 version-1 key, which the keyscript
# also reads: tests/integration/cli-vault-recovery-key.sh).
host_prepare() {
        . "$VM_LIB/boot-lib.sh"
        boot_initramfs_tools "root /dev/vdb none luks,initramfs,keyscript=ykunlock"
        boot_root_disk
        vm_token tok --serial 4242001
        boot_enroll tok 4242001 303132333435363738393a3b3c3d3e3f40414243
        vm_token bad --serial 4242001
        boot_program bad 4242001 a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3
        "$YKUNLOCK" recovery-key "$VM_DISKS/vdb.img" --recovery-key-file "$VM_RUN_DIR/recovery.txt" \
                >"$VM_RUN_DIR/recovery-text.txt" 2>/dev/null || boot_die "recovery-key failed"
        grep -Eq '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' "$VM_RUN_DIR/recovery-text.txt" ||
                boot_die "not a text recovery key: $(cat "$VM_RUN_DIR/recovery-text.txt")"
        boot_expect "" plug bad
        boot_expect "does not open its keyslot" pass wrong-token-refused
        boot_expect "Enter the recovery key or a passphrase" type recovery-text.txt
        boot_expect "YKVM-ROOT" pass root-reached
}
