# Issue 13, the actions without udev: `ykunlock plug-event add|remove` and `status` with a real
# device-mapper (the udev rules and units are tested by udev-rules; running them under systemd
# needs the Debian root of tests/vm/build-root.sh). Two vaults enrolled with the token open and
# mount, a third (another token's) stays closed, a bad line is named; pulled out, the busy
# `close` vault is reported with its holder and stays open, the `suspend` vault is suspended and
# a writer blocks; plugged back, the vault resumes, the writer finishes, the data is intact.
# One touch for a group: a touch key enrolled in two vaults as a group (`enroll
# --share-challenge-with`) opens both in one `plug-event add`, and the key saw exactly one
# challenge during that event (host_check counts them in the emulator's log).

host_prepare() {
        vm_token tok --serial 4242001
        vm_token other --serial 4242002
        # The touch key (ykemu's default: touched after 300 ms): `grp` for the setup, and the
        # same key (its state file) as `grpev` for the event, so that grpev's log holds only the
        # challenges of the event.
        vm_token grp --serial 4242003
        vm_token grpev --state "$VM_RUN_DIR/grp.state" --serial 4242003
}

host_check() {
        local n
        n=$(grep -c '^challenge slot 2$' "$VM_RUN_DIR/ykemu-grpev.log")
        [ "$n" = 1 ] || { echo "host_check: the touch key saw $n challenges in the group's event, expected 1" >&2; return 1; }
        echo "host_check: one challenge for the group of two vaults"
}

# The group: g1 and g2 enrolled with the touch key, g2 sharing g1's challenge; one event opens both.
group_main() {
        vm_token_in grp
        vm_check grp-setup ykunlock token setup --slot 2 --generate --touch
        ykunlock create /work/g1.img --size 32M --fs none --touch >/dev/null 2>/tmp/create.err ||
                vm_fail create-g1 "$(cat /tmp/create.err)"
        ykunlock create /work/g2.img --size 32M --fs none --no-enroll >/tmp/g2.key 2>/tmp/create.err ||
                vm_fail create-g2 "$(cat /tmp/create.err)"
        vm_check grp-enroll ykunlock enroll /work/g2.img --share-challenge-with /work/g1.img \
                --recovery-key-file /tmp/g2.key --touch
        vm_output_has "sharing the challenge of /work/g1.img" || vm_fail grp-enroll "no group"
        vm_token_out grp
        printf '/work/g1.img g1\n/work/g2.img g2\n' >/work/vaults-grp
        vm_token_in grpev
        vm_check grp-add ykunlock plug-event add --config /work/vaults-grp --wait 5
        vm_output_has "g1: opened with token 4242003" || vm_fail grp-g1 "g1 not opened"
        vm_output_has "g2: opened with token 4242003" || vm_fail grp-g2 "g2 not opened"
        vm_pass group-opened
        vm_token_out grpev
}

# status_of NAME: the STATE column of `ykunlock status` for vault NAME.
status_of() {
        ykunlock status --config /work/vaults 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'
}

guest_main() {
        vm_tokens_start
        vm_token_in other
        vm_check other-setup ykunlock token setup --slot 2 --generate
        ykunlock create /work/v3.img --size 32M --fs none >/dev/null 2>/tmp/create.err ||
                vm_fail create-v3 "$(cat /tmp/create.err)"
        vm_token_out other
        vm_token_in tok
        vm_check setup ykunlock token setup --slot 2 --generate
        for v in v1 v2; do
                ykunlock create /work/$v.img --size 32M --fs ext4 >/dev/null 2>/tmp/create.err ||
                        vm_fail create-$v "$(cat /tmp/create.err)"
        done
        mkdir -p /mnt/v1 /mnt/v2 /mnt/v3
        cat >/work/vaults <<EOF
/work/v1.img v1 /mnt/v1 on-remove=close
/work/v2.img v2 /mnt/v2 on-remove=suspend,mountopts=noatime
/work/v3.img v3 /mnt/v3 on-remove=close
/work/v1.img bad - frobnicate
EOF

        # ---- insertion: v1 and v2 open and mount, v3 (another token's) stays closed ----
        vm_check plug-add ykunlock plug-event add --config /work/vaults --wait 5
        vm_output_has "v1: opened with token 4242001, mounted on /mnt/v1" || vm_fail plug-add-v1 "no line for v1"
        vm_output_has "v2: opened with token 4242001, mounted on /mnt/v2" || vm_fail plug-add-v2 "no line for v2"
        vm_output_has "v3: not opened: no token enrolled in it is present" || vm_fail plug-add-v3 "no line for v3"
        vm_output_has "/work/vaults:4: unknown option 'frobnicate'; line skipped" || vm_fail plug-add-bad "bad line not named"
        vm_is_mounted /mnt/v1 && vm_is_mounted /mnt/v2 || vm_fail mounted "v1 or v2 not mounted"
        vm_no_mapping v3 || vm_fail v3-closed "v3 was opened"
        [ "$(status_of v1) $(status_of v2) $(status_of v3)" = "open open closed" ] ||
                vm_fail status-open "$(ykunlock status --config /work/vaults 2>&1)"
        vm_pass status-open
        vm_check plug-add-again ykunlock plug-event add --config /work/vaults --wait 5
        vm_output_has "v1: open already" || vm_fail plug-add-again "v1 not left alone"

        echo before >/mnt/v2/before
        sync
        (cd /mnt/v1 && exec sleep 600) &
        holder=$!

        # ---- removal: v1 is busy (reported with its holder, stays open), v2 is suspended ----
        vm_token_out tok
        vm_expect_rc plug-remove-busy 5 ykunlock plug-event remove --config /work/vaults
        vm_output_has "v1: stays open: /mnt/v1 is busy, held by processes $holder (sleep)" ||
                vm_fail plug-remove-busy "the holder is not named"
        vm_output_has "v2: suspended" || vm_fail plug-remove-v2 "v2 not suspended"
        vm_is_mounted /mnt/v1 || vm_fail busy-stays "v1 was unmounted"
        [ "$(status_of v1) $(status_of v2)" = "open suspended" ] ||
                vm_fail status-suspended "$(ykunlock status --config /work/vaults 2>&1)"
        dmsetup info v2 | grep -q SUSPENDED || vm_fail dm-suspended "$(dmsetup info v2)"
        vm_pass status-suspended

        # A writer on the suspended vault waits (luksSuspend freezes I/O, it does not fail it).
        (echo after >/mnt/v2/after && sync && echo done >/tmp/writer.done) &
        writer=$!
        sleep 3
        [ ! -e /tmp/writer.done ] && kill -0 $writer 2>/dev/null || vm_fail writer-blocks "the write did not wait"
        vm_pass writer-blocks

        kill $holder
        wait $holder 2>/dev/null || true
        vm_check plug-remove ykunlock plug-event remove --config /work/vaults
        vm_output_has "v1: closed" || vm_fail plug-remove-v1 "v1 not closed"
        vm_output_has "v2: suspended already" || vm_fail plug-remove-v2-again "v2 line missing"
        ! vm_is_mounted /mnt/v1 && vm_no_mapping v1 || vm_fail v1-closed "v1 still open"

        # ---- plugged back: v2 resumes with the token, the writer finishes, v1 opens again ----
        vm_token_in tok
        vm_check plug-add-resume ykunlock plug-event add --config /work/vaults --wait 5
        vm_output_has "v2: resumed" || vm_fail resumed "v2 not resumed"
        vm_output_has "v1: opened with token 4242001, mounted on /mnt/v1" || vm_fail reopened "v1 not reopened"
        wait $writer || vm_fail writer-done "the writer failed"
        [ "$(cat /tmp/writer.done)" = done ] && [ "$(cat /mnt/v2/before)" = before ] &&
                [ "$(cat /mnt/v2/after)" = after ] || vm_fail data-intact "files differ"
        [ "$(status_of v2)" = open ] || vm_fail status-resumed "$(ykunlock status --config /work/vaults 2>&1)"
        vm_pass data-intact

        vm_token_out tok
        group_main
}
