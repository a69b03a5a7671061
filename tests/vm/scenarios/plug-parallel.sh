# Issue 13, insertion flat in the number of vaults: `plug-event add` asks the token for every
# vault first, one after the other, then activates and mounts them all at once. Three vaults
# enrolled with the token; `mount` is replaced (first on ykunlock's search path) by a wrapper
# that holds each vault's mount until the mounts of all three have started, and gives up after
# 60 s: a plug-event that mounts one vault after the other fails here (the first mount is
# alone, then the next...), whatever the load. The middle vault's mount point does not exist:
# its mount fails while the two others mount, each vault has its line, and the exit status is
# the failure's, as when the vaults were done in turn.

host_prepare() {
        vm_token tok --serial 4242001
}

# The wrapper: each mount of a /mnt/p* target registers and waits for the three (a deadline by
# the clock: a count of sleeps runs long in a loaded guest).
install_mount_barrier() {
        local real
        real=$(command -v mount)
        [ -n "$real" ] && [ "$real" != /usr/sbin/mount ] && [ ! -e /usr/sbin/mount ] ||
                vm_fail barrier "mount is $real: no room for the wrapper in /usr/sbin"
        mkdir -p /usr/sbin /tmp/mount-barrier
        cat >/usr/sbin/mount <<EOF
#!/bin/sh
case "\$*" in
*" /mnt/p"*) ;;
*) exec $real "\$@" ;;
esac
: >/tmp/mount-barrier/\$\$
# (a function's own positional parameters: the mount's stay as they are)
all_started() { set -- /tmp/mount-barrier/*; [ \$# -ge 3 ]; }
end=\$((\$(date +%s) + 60))
while ! all_started; do
        [ "\$(date +%s)" -lt \$end ] || { echo "mount wrapper: alone for 60 s: the mounts run one after the other" >&2; exit 99; }
        sleep 0.2
done
exec $real "\$@"
EOF
        chmod 0755 /usr/sbin/mount
}

guest_main() {
        vm_tokens_start
        vm_token_in tok
        vm_check setup ykunlock token setup --slot 2 --generate
        for v in p1 p2 p3; do
                ykunlock create /work/$v.img --size 32M --fs ext4 >/dev/null 2>/tmp/create.err ||
                        vm_fail create-$v "$(cat /tmp/create.err)"
        done
        mkdir -p /mnt/p1 /mnt/p3
        cat >/work/vaults <<EOF
/work/p1.img p1 /mnt/p1 on-remove=close
/work/p2.img p2 /mnt/p2-missing on-remove=close
/work/p3.img p3 /mnt/p3 on-remove=close
EOF
        install_mount_barrier

        vm_expect_rc plug-add 6 ykunlock plug-event add --config /work/vaults --wait 5
        vm_output_has "p1: opened with token 4242001, mounted on /mnt/p1" || vm_fail p1-line "no line for p1"
        vm_output_has "p2: opened with token 4242001, but mount on /mnt/p2-missing failed (exit status" ||
                vm_fail p2-line "no line for p2"
        vm_output_has "p3: opened with token 4242001, mounted on /mnt/p3" || vm_fail p3-line "no line for p3"
        ! vm_output_has "alone for 60 s" || vm_fail concurrent "the mounts ran one after the other"
        [ "$(ls /tmp/mount-barrier | wc -l)" = 3 ] || vm_fail barrier-count "$(ls /tmp/mount-barrier)"
        vm_is_mounted /mnt/p1 && vm_is_mounted /mnt/p3 || vm_fail mounted "p1 or p3 not mounted"
        [ -e /dev/mapper/p2 ] || vm_fail p2-open "p2 was not left open"
        vm_pass opened-at-once
        rm /usr/sbin/mount

        # Pulled out: all three close (p2, open but not mounted, too).
        vm_token_out tok
        vm_check plug-remove ykunlock plug-event remove --config /work/vaults
        for v in p1 p2 p3; do
                vm_output_has "$v: closed" || vm_fail remove-$v "no line for $v"
                vm_no_mapping $v || vm_fail closed-$v "$v still open"
        done
        vm_pass closed
}
