# Issue 4, scenario 1: `ykunlock create --fs ext4` with the token present, `open --mount`, files
# written, `close --unmount`, opened again (a second open under the same name is refused, 5): the files are intact and dm-crypt uses aes-xts-plain64.

host_prepare() {
        vm_token tok --serial 4242001
}

guest_main() {
        vm_tokens_start
        vm_token_in tok
        vm_check token-setup ykunlock token setup --slot 2 --generate
        ykunlock create /work/v.img --size 64M --fs ext4 >/work/recovery.key 2>/tmp/create.err ||
                vm_fail create "$(cat /tmp/create.err)"
        grep -Eq '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' /work/recovery.key ||
                vm_fail recovery-key "stdout is not one recovery key: $(cat /work/recovery.key)"
        [ "$(wc -l </work/recovery.key)" = 1 ] || vm_fail recovery-key "more than one line on stdout"
        vm_pass create

        mkdir -p /mnt/v
        vm_check open-mount ykunlock open /work/v.img v --mount /mnt/v
        vm_is_mounted /mnt/v || vm_fail mounted "/mnt/v is not a mount point"
        # A second open under the same name is refused (5) before the token is asked, and says so.
        vm_expect_rc open-name-taken 5 ykunlock open /work/v.img v
        vm_output_has "ykunlock: a vault is open as /dev/mapper/v already (ykunlock close v closes it)" ||
                vm_fail open-name-taken-message "$(cat /tmp/vm_check.out)"
        dmsetup table v | grep -q ' crypt aes-xts-plain64 ' || vm_fail dm-table "$(dmsetup table v)"
        vm_pass dm-table
        mkdir -p /mnt/v/dir
        seq 1 20000 >/mnt/v/dir/numbers
        head -c 3000000 /dev/urandom >/mnt/v/random.bin
        sum=$(vm_tree_sum /mnt/v)
        vm_check close-unmount ykunlock close v --unmount
        ! vm_is_mounted /mnt/v || vm_fail unmounted "/mnt/v still mounted"
        vm_no_mapping v || vm_fail closed "mapping v still there"
        vm_pass closed

        vm_check reopen ykunlock open /work/v.img v --mount /mnt/v
        [ "$(vm_tree_sum /mnt/v)" = "$sum" ] || vm_fail files-intact "checksums differ"
        vm_pass files-intact
        vm_check close-again ykunlock close v --unmount
        vm_no_mapping v || vm_fail closed-again "mapping v still there"

        # The recovery key printed by create opens the vault with stock cryptsetup, as typed.
        cryptsetup open --disable-external-tokens /work/v.img rk </work/recovery.key ||
                vm_fail recovery-open "cryptsetup refused the recovery key"
        mount -o ro /dev/mapper/rk /mnt/v
        [ "$(vm_tree_sum /mnt/v)" = "$sum" ] || vm_fail recovery-files "checksums differ"
        umount /mnt/v
        cryptsetup close rk
        vm_pass recovery-open
}
