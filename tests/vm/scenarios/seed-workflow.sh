# Issue 4, scenario 2: the manual recipe ykunlock replaces. An image formatted with stock
# cryptsetup and a random key kept as base64, given a file system by stock cryptsetup; enrolled
# with ykunlock (authorised by that key); opened with the token; a directory tree rsynced in;
# closed; reopened with the base64 key by stock cryptsetup: the checksums are equal.

host_prepare() {
        vm_token tok --serial 4242001
        head -c 32 /dev/urandom | base64 >"$VM_WORK/recovery.b64"
        truncate -s 64M "$VM_WORK/seed.img"
        base64 -d "$VM_WORK/recovery.b64" | cryptsetup luksFormat --batch-mode --type luks2 \
                --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file - "$VM_WORK/seed.img"
        # A tree to back up: nested directories, a symlink, an empty file, a larger file.
        local t=$VM_WORK/tree
        mkdir -p "$t/a/b/c" "$t/empty-dir"
        seq 1 5000 >"$t/a/numbers"
        head -c 2000000 /dev/urandom >"$t/a/b/random.bin"
        : >"$t/a/b/c/empty"
        printf 'x%.0s' $(seq 300) >"$t/a/b/c/name with spaces"
        ln -s ../numbers "$t/a/b/link"
}

guest_main() {
        base64 -d /work/recovery.b64 | cryptsetup open --disable-external-tokens --key-file - /work/seed.img seed ||
                vm_fail stock-open "stock cryptsetup did not open the seed image"
        mkfs.ext4 -q /dev/mapper/seed
        cryptsetup close seed
        vm_pass stock-mkfs

        vm_tokens_start
        vm_token_in tok
        vm_check token-setup ykunlock token setup --slot 2 --generate
        vm_check enroll ykunlock enroll /work/seed.img --recovery-key-file /work/recovery.b64

        mkdir -p /mnt/seed
        vm_check open-token ykunlock open /work/seed.img seed --mount /mnt/seed
        vm_check rsync rsync -a /work/tree/ /mnt/seed/tree/
        sum=$(vm_tree_sum /work/tree)
        [ "$(vm_tree_sum /mnt/seed/tree)" = "$sum" ] || vm_fail rsync-copy "copy differs"
        [ -L /mnt/seed/tree/a/b/link ] || vm_fail rsync-copy "symlink not kept"
        vm_check close ykunlock close seed --unmount
        vm_no_mapping seed || vm_fail closed "mapping seed still there"
        vm_token_out tok

        base64 -d /work/recovery.b64 | cryptsetup open --disable-external-tokens --key-file - /work/seed.img seed2 ||
                vm_fail recovery-open "stock cryptsetup refused the base64 key after enrollment"
        mount -o ro /dev/mapper/seed2 /mnt/seed
        [ "$(vm_tree_sum /mnt/seed/tree)" = "$sum" ] || vm_fail checksums "tree differs after reopening"
        umount /mnt/seed
        cryptsetup close seed2
        vm_pass checksums-equal
}
