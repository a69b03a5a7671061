# Issue 14, grow and backup with a real device-mapper, in one boot.
# grow: a mounted vault grows by 64 MiB (the image, the mapping through the keyring key, ext4
# online: df shows it, the files are intact); the same command again finishes nothing more and
# exits 0; a closed vault grows (opened under a name of ours for e2fsck + resize2fs, closed
# again), and open then shows the new size. backup: a tree copied into a vault (checksums equal
# after reopening, --exclude honoured); a backup stopped by SIGTERM in the middle of rsync
# exits 128+15 with the mapping closed, nothing mounted and no mount point left; the next run
# completes.

host_prepare() {
        vm_token tok --serial 4242001
        # The tree that SIGTERM interrupts: 48 MiB in 1 MiB files, made here (random data is
        # slow to make in the TCG guest) and put on the work disk as /work/big.
        mkdir -p "$VM_WORK/big"
        for i in $(seq 1 48); do head -c 1048576 /dev/urandom >"$VM_WORK/big/f$i"; done
}

# size_kib DIR: the file system's size in KiB, from df.
size_kib() { df -k "$1" | awk 'NR == 2 { print $2 }'; }

# no_leftovers WHAT: no mapping or mount point of ours is left.
no_leftovers() {
        dmsetup ls 2>/dev/null | grep -q 'ykunlock-' && vm_fail "$1-mapping" "left open: $(dmsetup ls)"
        grep -q ' /run/ykunlock/' /proc/mounts && vm_fail "$1-mount" "left mounted: $(grep ykunlock /proc/mounts)"
        ls -d /run/ykunlock/backup-* >/dev/null 2>&1 && vm_fail "$1-dir" "left: $(ls -d /run/ykunlock/backup-*)"
        vm_pass "$1-nothing-left"
}

grow_main() {
        ykunlock create /work/g.img --size 32M --fs ext4 >/dev/null 2>/tmp/create.err ||
                vm_fail create-g "$(cat /tmp/create.err)"
        mkdir -p /mnt/g
        vm_check open-g ykunlock open /work/g.img g --mount /mnt/g
        mkdir -p /mnt/g/dir
        seq 1 20000 >/mnt/g/dir/numbers
        head -c 3000000 /dev/urandom >/mnt/g/random.bin
        sum=$(vm_tree_sum /mnt/g)
        before=$(size_kib /mnt/g)
        vm_check grow-mounted ykunlock grow /work/g.img --size +64M
        vm_output_has "grew the file system on /dev/mapper/g (online, mounted)" || vm_fail grow-online "no online resize"
        [ "$(stat -c %s /work/g.img)" = $((96 << 20)) ] || vm_fail grow-image "image is $(stat -c %s /work/g.img) bytes"
        after=$(size_kib /mnt/g)
        vm_log "df: $before KiB -> $after KiB"
        [ $((after - before)) -ge $((60 << 10)) ] || vm_fail grow-df "df: $before KiB -> $after KiB"
        vm_pass grow-df
        [ "$(vm_tree_sum /mnt/g)" = "$sum" ] || vm_fail grow-files "checksums differ after grow"
        vm_pass grow-files-intact
        # Run again at the size reached: no image step, the rest done again, exit 0.
        vm_check grow-again ykunlock grow /work/g.img --size 96M
        [ "$(size_kib /mnt/g)" = "$after" ] || vm_fail grow-again-df "size changed: $(size_kib /mnt/g)"
        vm_expect_rc grow-shrink 5 ykunlock grow /work/g.img --size 64M
        vm_check close-g ykunlock close g --unmount

        ykunlock create /work/c.img --size 32M --fs ext4 >/dev/null 2>/tmp/create.err ||
                vm_fail create-c "$(cat /tmp/create.err)"
        vm_check grow-closed ykunlock grow /work/c.img --size 64M
        vm_output_has "grew the file system on /dev/mapper/ykunlock-grow-" || vm_fail grow-closed-fs "no offline resize"
        no_leftovers grow-closed
        mkdir -p /mnt/c
        vm_check open-c ykunlock open /work/c.img c --mount /mnt/c
        size=$(size_kib /mnt/c)
        vm_log "closed vault after grow: df $size KiB"
        [ "$size" -ge $((40 << 10)) ] || vm_fail grow-closed-df "df shows $size KiB"
        vm_pass grow-closed-df
        # A copy of an open vault (same UUID, another file) is not grown: refused, unchanged.
        cp /work/c.img /work/c2.img
        sum2=$(sha256sum </work/c2.img)
        vm_expect_rc grow-copy 5 ykunlock grow /work/c2.img --size +1M
        vm_output_has "a vault with the UUID of /work/c2.img is open as /dev/mapper/c from another file or device" ||
                vm_fail grow-copy-message "$(cat /tmp/vm_check.out)"
        [ "$(sha256sum </work/c2.img)" = "$sum2" ] || vm_fail grow-copy-unchanged "the copy changed"
        rm /work/c2.img
        # backup refuses a vault that is open already (two mounts of one ext4 would break it).
        vm_expect_rc backup-open 5 ykunlock backup /work/c.img /work/g.img
        vm_output_has "c.img is open already as /dev/mapper/c" || vm_fail backup-open-message "$(cat /tmp/vm_check.out)"
        vm_check close-c ykunlock close c --unmount
}

backup_main() {
        ykunlock create /work/b.img --size 128M --fs ext4 >/dev/null 2>/tmp/create.err ||
                vm_fail create-b "$(cat /tmp/create.err)"
        mkdir -p /work/src/dir /work/src/deep/er
        seq 1 30000 >/work/src/dir/numbers
        head -c 1000000 /dev/urandom >/work/src/deep/er/r.bin
        ln -s dir/numbers /work/src/link
        echo skip >/work/src/x.skip
        vm_check backup ykunlock backup /work/b.img /work/src --exclude '*.skip'
        vm_output_has "copied into b.img: complete" || vm_fail backup-complete "$(cat /tmp/vm_check.out)"
        no_leftovers backup
        rm /work/src/x.skip
        sum=$(vm_tree_sum /work/src)
        mkdir -p /mnt/b
        vm_check open-b ykunlock open /work/b.img b --mount /mnt/b
        [ "$(vm_tree_sum /mnt/b/src)" = "$sum" ] || vm_fail backup-files "checksums differ"
        vm_pass backup-files
        vm_check close-b ykunlock close b --unmount

        # SIGTERM in the middle of the copy of /work/big (host_prepare), once rsync is running.
        ykunlock backup /work/b.img /work/big >/tmp/term.out 2>&1 &
        pid=$!
        n=0
        until pidof rsync >/dev/null; do
                n=$((n + 1))
                [ $n -lt 600 ] || vm_fail backup-term-start "rsync never started: $(cat /tmp/term.out)"
                sleep 0.1
        done
        sleep 0.5
        kill -TERM $pid
        rc=0
        wait $pid || rc=$?
        sed 's/^/    /' /tmp/term.out
        [ $rc = 143 ] || vm_fail backup-term-rc "exit $rc, expected 143"
        grep -qF "stopped by signal 15: rsync was stopped" /tmp/term.out || vm_fail backup-term-message "no message"
        vm_pass backup-term
        pidof rsync >/dev/null && vm_fail backup-term-rsync "rsync still runs"
        no_leftovers backup-term
        vm_check backup-rerun ykunlock backup /work/b.img /work/big
        vm_check open-b2 ykunlock open /work/b.img b --mount /mnt/b
        [ "$(vm_tree_sum /mnt/b/big)" = "$(vm_tree_sum /work/big)" ] || vm_fail backup-rerun-files "checksums differ"
        [ "$(vm_tree_sum /mnt/b/src)" = "$sum" ] || vm_fail backup-rerun-src "the first copy changed"
        vm_pass backup-rerun-files
        vm_check close-b2 ykunlock close b --unmount
}

guest_main() {
        vm_tokens_start
        vm_token_in tok
        vm_check token-setup ykunlock token setup --slot 2 --generate
        grow_main
        backup_main
}
