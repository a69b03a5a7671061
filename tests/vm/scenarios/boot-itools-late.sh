# initramfs-tools, two volumes in crypttab, independent of each other:
# - root (no keyscript): no token at power-on; a touch-slot token is plugged in 5 s after
#   cryptroot's prompt appears; the watcher's ykunlock sees it, the console says "Touch your
#   YubiKey" (the key answers 4 s after the challenge), and the root opens without typing;
# - data (keyscript=ykunlock): a PIN token present from power-on; a wrong PIN typed at the one
#   prompt writes nothing and the prompt comes back; the right PIN opens the volume.
host_prepare() {
        . "$VM_LIB/boot-lib.sh"
        boot_initramfs_tools "root /dev/vdb none luks,initramfs
data /dev/vdc none luks,initramfs,keyscript=ykunlock"
        boot_root_disk
        boot_data_disk vdc
        vm_token tok --serial 4242011 --touch 4000
        YKVM_SETUP_OPTS=--touch boot_enroll tok 4242011 303132333435363738393a3b3c3d3e3f40414243 --touch
        vm_token pin --serial 4242012
        printf '2468\n' >"$VM_RUN_DIR/pin.txt"
        printf '1357\n' >"$VM_RUN_DIR/wrong-pin.txt"
        boot_enroll_in vdc pin 4242012 a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3 \
                --pin-file "$VM_RUN_DIR/pin.txt" --pbkdf-memory 32768 --iter-time 100
        boot_expect "" plug pin
        boot_expect "Please unlock disk root" plug tok 5
        boot_expect "waiting for a token enrolled in /dev/vdb" pass waiting-message
        boot_expect "Touch your YubiKey" pass touch-message
        boot_expect "root: set up successfully" pass root-by-late-token
        boot_expect "Enter the PIN of your token for data" type wrong-pin.txt
        boot_expect "data: cryptsetup failed" pass wrong-pin-refused
        boot_expect "Enter the PIN of your token for data" type pin.txt
        boot_expect "data: set up successfully" pass data-by-pin
        boot_expect "YKVM-ROOT" pass root-reached
}

# The touch came after the message: the key saw the challenge (it answers 4 s later).
host_check() {
        grep -q 'challenge slot 2' "$VM_RUN_DIR/ykemu-tok.log"
}
