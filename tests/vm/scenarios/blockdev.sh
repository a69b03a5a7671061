# Issue 14, scenarios 4-6 and grow's "grown partition", with a real device-mapper on the
# guest's own disks, in one boot:
# a. create on a whole disk (vdb) without a terminal and without -q: refused with 5 and the
#    message, the disk's bytes as they were; with -q, a disk open as a mapping (vdb) or with a
#    mounted partition (vdc while vdc1 is) is refused too (5, nothing written);
# b. create --batch-mode (no --size): opened with the token, mounted, a tree written, closed,
#    reopened, checksums equal; stock cryptsetup opens it with the recovery key;
# c. header backup; both binary headers zeroed (zeroing only the first 4 KiB is not damage:
#    libcryptsetup loads the secondary header at 64 KiB, checked here too); the token
#    no longer opens it; header restore -q; the token opens it and the tree is intact; another
#    vault's backup is refused (5, message, header unchanged);
# d. recovery-key rotation: the old key no longer opens it (stock cryptsetup), the new one opens
#    it for real with stock cryptsetup, the token still opens it;
# e. a vault on a GPT partition (vdc1), mounted; the partition grown the growpart way (sfdisk
#    --no-reread, partx -u) while in use; `ykunlock grow /dev/vdc1`: the mapping and ext4 grow
#    online, df shows it, the files are intact; --size for a partition is refused (1); closed,
#    the partition grown again and `grow` resizes ext4 offline (e2fsck + resize2fs);
# f. adoption: a LUKS2 volume made by stock luksFormat with a passphrase (vdc2): enroll
#    authorised by the passphrase (a wrong one refused, header unchanged), then recovery-key adds
#    its first recovery key; the token opens it for real, the new key opens it (stock).

host_prepare() {
        vm_token tok --serial 4242001
        # vdb: a whole disk filled with a pattern that a refused create must leave as it was.
        head -c $((40 << 20)) <(yes 'data that must survive a refused create') >"$VM_DISKS/vdb.img"
        # vdc: partitioned in the guest (GPT).
        truncate -s 160M "$VM_DISKS/vdc.img"
}

# size_kib DIR: the file system's size in KiB, from df.
size_kib() { df -k "$1" | awk 'NR == 2 { print $2 }'; }
# sectors PART: the kernel's size of a partition, in 512-byte sectors.
sectors() { cat "/sys/class/block/$1/size"; }
# stock_test DEVICE KEYFILE: stock cryptsetup opens DEVICE with KEYFILE's line as typed.
stock_test() { cryptsetup open --test-passphrase --disable-external-tokens "$1" <"$2" 2>/dev/null; }
# fill DIR: a small tree (a directory, numbers, random bytes, a symlink).
fill() {
        mkdir -p "$1/dir"
        seq 1 20000 >"$1/dir/numbers"
        head -c 2000000 /dev/urandom >"$1/random.bin"
        ln -s dir/numbers "$1/link"
}
# zero_headers DEVICE: both LUKS2 binary headers (the secondary one is at 64 KiB: ykunlock's
# 64 KiB of metadata).
zero_headers() {
        dd if=/dev/zero of="$1" bs=4096 count=1 conv=notrunc,fsync 2>/dev/null
        dd if=/dev/zero of="$1" bs=4096 seek=16 count=1 conv=notrunc,fsync 2>/dev/null
}

whole_disk_refused() {
        before=$(sha256sum </dev/vdb)
        vm_expect_rc create-no-terminal 5 ykunlock create /dev/vdb
        vm_output_has "ykunlock: create formats the block device /dev/vdb (40 MiB): everything on it is lost" ||
                vm_fail create-no-terminal-warning "$(cat /tmp/vm_check.out)"
        vm_output_has "ykunlock: this asks for confirmation at a terminal, and standard input is not one; -q (--batch-mode) confirms it; nothing was written" ||
                vm_fail create-no-terminal-message "$(cat /tmp/vm_check.out)"
        [ "$(sha256sum </dev/vdb)" = "$before" ] || vm_fail create-no-terminal-unchanged "the disk changed"
        vm_pass create-no-terminal-unchanged
}

whole_disk_create() {
        ykunlock create /dev/vdb --batch-mode >/work/vdb.key 2>/tmp/create.err ||
                vm_fail create-batch "$(cat /tmp/create.err)"
        grep -Eq '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' /work/vdb.key ||
                vm_fail create-batch-key "stdout is not one recovery key: $(cat /work/vdb.key)"
        vm_pass create-batch
        mkdir -p /mnt/b
        vm_check open-b ykunlock open /dev/vdb b --mount /mnt/b
        dmsetup deps -o devname b | grep -q '(vdb)' || vm_fail open-b-device "dmsetup deps: $(dmsetup deps -o devname b)"
        fill /mnt/b
        SUM=$(vm_tree_sum /mnt/b)
        # Open as a mapping: create refuses the device even with -q, and writes nothing.
        hdr=$(vm_header_sum /dev/vdb)
        vm_expect_rc create-busy 5 ykunlock -q create /dev/vdb
        vm_output_has "ykunlock: /dev/vdb is in use (mounted, open as a mapping, or held by another program); nothing was written" ||
                vm_fail create-busy-message "$(cat /tmp/vm_check.out)"
        [ "$(vm_header_sum /dev/vdb)" = "$hdr" ] || vm_fail create-busy-unchanged "the header changed"
        vm_pass create-busy-unchanged
        vm_check close-b ykunlock close b --unmount
        vm_no_mapping b || vm_fail close-b-mapping "mapping b still there"
        vm_check reopen-b ykunlock open /dev/vdb b --mount /mnt/b
        [ "$(vm_tree_sum /mnt/b)" = "$SUM" ] || vm_fail reopen-b-files "checksums differ"
        vm_pass reopen-b-files
        vm_check close-b2 ykunlock close b --unmount
        cryptsetup open --disable-external-tokens /dev/vdb rk </work/vdb.key ||
                vm_fail stock-recovery-open "cryptsetup refused the recovery key"
        mount -o ro /dev/mapper/rk /mnt/b
        [ "$(vm_tree_sum /mnt/b)" = "$SUM" ] || vm_fail stock-recovery-files "checksums differ"
        umount /mnt/b
        cryptsetup close rk
        vm_pass stock-recovery-open
}

header_backup_restore() {
        vm_check header-backup ykunlock header backup /dev/vdb /work/vdb.hdr
        vm_output_has "saved the LUKS2 header of /dev/vdb into /work/vdb.hdr (mode 0400)" ||
                vm_fail header-backup-message "$(cat /tmp/vm_check.out)"
        # The first 4 KiB alone is no damage: libcryptsetup loads the secondary header.
        dd if=/dev/zero of=/dev/vdb bs=4096 count=1 conv=notrunc,fsync 2>/dev/null
        vm_check header-first-4k-only ykunlock open /dev/vdb --test --timeout 0
        zero_headers /dev/vdb
        vm_expect_rc header-destroyed 4 ykunlock open /dev/vdb --test --timeout 0
        vm_check header-restore ykunlock -q header restore /dev/vdb /work/vdb.hdr
        vm_output_has "has no readable LUKS2 header, so ykunlock cannot check that /work/vdb.hdr" ||
                vm_fail header-restore-message "$(cat /tmp/vm_check.out)"
        vm_check header-restored-open ykunlock open /dev/vdb b --mount /mnt/b
        [ "$(vm_tree_sum /mnt/b)" = "$SUM" ] || vm_fail header-restored-files "checksums differ"
        vm_pass header-restored-files
        vm_check header-restored-close ykunlock close b --unmount

        # Another vault's backup: refused, the header as it was.
        ykunlock create /work/other.img --size 32M --fs none --no-enroll >/dev/null 2>/tmp/create.err ||
                vm_fail create-other "$(cat /tmp/create.err)"
        ykunlock header backup /work/other.img /work/other.hdr 2>/dev/null || vm_fail backup-other "header backup"
        before=$(vm_header_sum /dev/vdb)
        vm_expect_rc header-restore-other 5 ykunlock -q header restore /dev/vdb /work/other.hdr
        vm_output_has "ykunlock: /work/other.hdr is the header of another vault (UUID $(cryptsetup luksUUID /work/other.img); /dev/vdb has UUID $(cryptsetup luksUUID /dev/vdb)); refusing to restore it; nothing was changed" ||
                vm_fail header-restore-other-message "$(cat /tmp/vm_check.out)"
        [ "$(vm_header_sum /dev/vdb)" = "$before" ] || vm_fail header-restore-other-unchanged "the header changed"
        vm_pass header-restore-other-unchanged
}

recovery_key_rotation() {
        ykunlock recovery-key /dev/vdb >/work/vdb-new.key 2>/tmp/rk.err || vm_fail recovery-key "$(cat /tmp/rk.err)"
        sed 's/^/    /' /tmp/rk.err
        grep -q "the old recovery key (keyslot [0-9]*) no longer opens" /tmp/rk.err ||
                vm_fail recovery-key-message "$(cat /tmp/rk.err)"
        grep -Eq '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' /work/vdb-new.key ||
                vm_fail recovery-key-stdout "stdout is not one recovery key: $(cat /work/vdb-new.key)"
        vm_pass recovery-key
        stock_test /dev/vdb /work/vdb.key && vm_fail recovery-key-old "the old key still opens /dev/vdb"
        vm_pass recovery-key-old-refused
        cryptsetup open --disable-external-tokens /dev/vdb rk </work/vdb-new.key ||
                vm_fail recovery-key-new "stock cryptsetup refused the new key"
        mount -o ro /dev/mapper/rk /mnt/b
        [ "$(vm_tree_sum /mnt/b)" = "$SUM" ] || vm_fail recovery-key-new-files "checksums differ"
        umount /mnt/b
        cryptsetup close rk
        vm_pass recovery-key-new-opens
        vm_check recovery-key-token-opens ykunlock open /dev/vdb b --mount /mnt/b
        [ "$(vm_tree_sum /mnt/b)" = "$SUM" ] || vm_fail recovery-key-token-files "checksums differ"
        vm_check recovery-key-close ykunlock close b --unmount
}

# vdc: GPT, vdc1 40 MiB at 1 MiB (the vault that grows), vdc2 40 MiB at 101 MiB (adoption).
partition() {
        printf 'label: gpt\nstart=2048, size=81920\nstart=206848, size=81920\n' | sfdisk -q /dev/vdc >/tmp/sfdisk.out 2>&1 ||
                vm_fail sfdisk "$(cat /tmp/sfdisk.out)"
        udevadm settle --timeout=10 || true
        [ -b /dev/vdc1 ] && [ -b /dev/vdc2 ] || vm_fail partitions "no /dev/vdc1 and /dev/vdc2: $(ls /dev/vdc*)"
        vm_pass partitions
}

# grow_part SFDISK_LINE: vdc1 changed in the table without re-reading the disk, then in the
# kernel (partx -u: BLKPG_RESIZE_PARTITION, allowed while the partition is in use).
grow_part() {
        echo "$1" | sfdisk -q --no-reread -N 1 /dev/vdc >/tmp/sfdisk.out 2>&1 || vm_fail grow-partition "$(cat /tmp/sfdisk.out)"
        partx -u --nr 1 /dev/vdc || vm_fail grow-partition "partx -u failed"
        vm_log "vdc1: $(sectors vdc1) sectors"
}

grown_partition() {
        vm_check create-part ykunlock create /dev/vdc1 -q
        mkdir -p /mnt/p
        vm_check open-p ykunlock open /dev/vdc1 p --mount /mnt/p
        fill /mnt/p
        sum=$(vm_tree_sum /mnt/p)
        before=$(size_kib /mnt/p)
        old=$(sectors vdc1)
        # The whole disk while one of its partitions is in use: refused (the kernel's exclusive
        # claim of the disk fails), the partition table and the vault's header as they were.
        disk=$(head -c $((17 << 20)) /dev/vdc | sha256sum)
        vm_expect_rc create-disk-busy 5 ykunlock -q create /dev/vdc
        vm_output_has "ykunlock: /dev/vdc is in use (mounted, open as a mapping, or held by another program); nothing was written" ||
                vm_fail create-disk-busy-message "$(cat /tmp/vm_check.out)"
        [ "$(head -c $((17 << 20)) /dev/vdc | sha256sum)" = "$disk" ] || vm_fail create-disk-busy-unchanged "the disk changed"
        vm_pass create-disk-busy-unchanged
        # --size names no partition size: refused, nothing changed.
        hdr=$(vm_header_sum /dev/vdc1)
        vm_expect_rc grow-part-size 1 ykunlock grow /dev/vdc1 --size +8M
        vm_output_has "ykunlock: --size does not apply to a block device: grow its partition, then run ykunlock grow /dev/vdc1 without --size" ||
                vm_fail grow-part-size-message "$(cat /tmp/vm_check.out)"
        [ "$(vm_header_sum /dev/vdc1)" = "$hdr" ] && [ "$(size_kib /mnt/p)" = "$before" ] ||
                vm_fail grow-part-size-unchanged "the header or the file system changed"
        vm_pass grow-part-size-unchanged
        # The partition grows while in use, as growpart does it: the table first (no re-read of a
        # busy disk), then the kernel's view of the one partition (BLKPG through partx). 40 MiB
        # -> 72 MiB (147456 sectors) now; to the start of vdc2 later, closed.
        grow_part 'size=147456'
        [ "$(sectors vdc1)" = 147456 ] || vm_fail grow-partition "vdc1 has $(sectors vdc1) sectors (was $old)"
        vm_pass grow-partition
        vm_check grow-part ykunlock grow /dev/vdc1
        vm_output_has "grew the file system on /dev/mapper/p (online, mounted)" || vm_fail grow-part-online "no online resize"
        after=$(size_kib /mnt/p)
        vm_log "df: $before KiB -> $after KiB"
        [ $((after - before)) -ge $((28 << 10)) ] || vm_fail grow-part-df "df: $before KiB -> $after KiB"
        vm_pass grow-part-df
        [ "$(vm_tree_sum /mnt/p)" = "$sum" ] || vm_fail grow-part-files "checksums differ after grow"
        vm_pass grow-part-files-intact
        vm_check close-p ykunlock close p --unmount

        # Closed: the partition grows to vdc2's start, grow opens it under a name of its own for
        # e2fsck and resize2fs, and closes it again.
        grow_part ', +'
        [ "$(sectors vdc1)" -ge $((147456 + (24 << 11))) ] || vm_fail grow-partition-closed "vdc1 has $(sectors vdc1) sectors"
        vm_check grow-part-closed ykunlock grow /dev/vdc1
        vm_output_has "grew the file system on /dev/mapper/ykunlock-grow-" || vm_fail grow-part-closed-fs "no offline resize"
        dmsetup ls 2>/dev/null | grep -q 'ykunlock-grow' && vm_fail grow-part-closed-left "left open: $(dmsetup ls)"
        vm_check reopen-p ykunlock open /dev/vdc1 p --mount /mnt/p
        closed=$(size_kib /mnt/p)
        vm_log "df after the closed grow: $after KiB -> $closed KiB"
        [ $((closed - after)) -ge $((22 << 10)) ] || vm_fail reopen-p-df "df: $after KiB -> $closed KiB"
        [ "$(vm_tree_sum /mnt/p)" = "$sum" ] || vm_fail reopen-p-files "checksums differ"
        vm_pass reopen-p-grown
        vm_check close-p2 ykunlock close p --unmount
}

adoption() {
        printf 'correct horse' >/work/pass.txt
        cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
                --key-file /work/pass.txt /dev/vdc2 || vm_fail stock-format "luksFormat failed"
        printf 'wrong horse' >/work/wrong.txt
        hdr=$(vm_header_sum /dev/vdc2)
        vm_expect_rc adopt-wrong 2 ykunlock enroll /dev/vdc2 --passphrase-file /work/wrong.txt
        vm_output_has "ykunlock: the passphrase does not open " || vm_fail adopt-wrong-message "$(cat /tmp/vm_check.out)"
        [ "$(vm_header_sum /dev/vdc2)" = "$hdr" ] || vm_fail adopt-wrong-unchanged "the header changed"
        vm_pass adopt-wrong-unchanged
        vm_check adopt-enroll ykunlock enroll /dev/vdc2 --passphrase-file /work/pass.txt
        ykunlock recovery-key /dev/vdc2 --passphrase-file /work/pass.txt >/work/vdc2.key 2>/tmp/rk.err ||
                vm_fail adopt-recovery-key "$(cat /tmp/rk.err)"
        sed 's/^/    /' /tmp/rk.err
        grep -q "had no recovery key: this one was added" /tmp/rk.err || vm_fail adopt-recovery-key-message "$(cat /tmp/rk.err)"
        vm_pass adopt-recovery-key
        stock_test /dev/vdc2 /work/vdc2.key || vm_fail adopt-recovery-key-opens "the new recovery key does not open vdc2"
        cryptsetup open --test-passphrase --disable-external-tokens --key-file /work/pass.txt /dev/vdc2 ||
                vm_fail adopt-passphrase "the passphrase no longer opens vdc2"
        vm_pass adopt-keys-open
        vm_check adopt-open ykunlock open /dev/vdc2 f
        dmsetup table f | grep -q ' crypt aes-xts-plain64 ' || vm_fail adopt-dm-table "$(dmsetup table f)"
        vm_pass adopt-dm-table
        vm_check adopt-close ykunlock close f
        vm_no_mapping f || vm_fail adopt-closed "mapping f still there"
}

guest_main() {
        vm_tokens_start
        vm_token_in tok
        vm_check token-setup ykunlock token setup --slot 2 --generate
        whole_disk_refused
        whole_disk_create
        header_backup_restore
        recovery_key_rotation
        partition
        grown_partition
        adoption
}
