# Issue 13 under systemd as PID 1 with the real udev: the Debian root of tests/vm/build-root.sh,
# ykunlock installed into it by `cmake --install` (rules, units), /etc/ykunlock/vaults
# configured; nothing is run by hand, the token is plugged in and pulled out through QMP.
#  - insertion: v1, v2, v4 (enrolled with the token) open and mount, v3 (another token's) stays
#    closed, the bad line 5 is named as FILE:LINE; one journal line per vault;
#  - removal: v1 (close) is unmounted and closed, v2 (suspend) is suspended and a writer blocks,
#    v4 (close) is busy: the journal names its holder, it stays open;
#  - plugged back: v2 resumes, the writer finishes, a file written before removal is intact.
# The vaults are made and enrolled on the host (tests/vm/plug-enroll.sh).

host_prepare() {
        . "$VM_LIB/plug-lib.sh"
        plug_boot
        vm_token tok --serial 4242001
        vm_token other --serial 4242002
        "$VM_LIB/plug-enroll.sh" "$VM_WORK" "$VM_RUN_DIR/tok.state:4242001:v1,v2,v4" \
                "$VM_RUN_DIR/other.state:4242002:v3" || boot_die "cannot make the vaults"
        cat >"$VM_WORK/vaults" <<'VAULTS'
# SOURCE       NAME  MOUNTPOINT  OPTIONS
/work/v1.img   v1    /mnt/v1     on-remove=close
/work/v2.img   v2    /mnt/v2     on-remove=suspend,mountopts=noatime
/work/v3.img   v3    /mnt/v3     on-remove=close
/work/v1.img   bad   -           frobnicate
/work/v4.img   v4    /mnt/v4     on-remove=close
VAULTS
}

# journal_new FILE: the journal's lines about ykunlock since the last call (journalctl's cursor;
# not -u 'ykunlock-*': journalctl matches such a pattern against the units it knows already).
journal_new() {
        journalctl --cursor-file=/tmp/journal.cursor -o cat --no-pager | grep ykunlock >"$1" || true
}

# wait_for SECONDS CMD...: until CMD succeeds, or fail after SECONDS (of uptime: under a loaded
# TCG one round of CMD can take a second).
wait_for() {
        local end
        end=$(($(cut -d. -f1 /proc/uptime) + $1))
        shift
        until "$@" 2>/dev/null; do
                [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] || return 1
                sleep 0.2
        done
}

# units_done: no ykunlock-plug@ or -unplug@ unit is queued or running.
units_done() {
        ! systemctl list-units --no-legend --state=activating,deactivating 'ykunlock-*' | grep -q .
}

# fail NAME REASON: resumes v2 if it is suspended (with its recovery key: `sync` at power-off
# would wait for it forever), then fails.
fail() {
        if suspended; then
                base64 -d /work/v2.recovery >/tmp/v2.key
                cryptsetup luksResume v2 --key-file /tmp/v2.key || true
        fi
        vm_fail "$@"
}

# once FILE TEXT: TEXT is in FILE exactly once.
once() { [ "$(grep -cF -- "$2" "$1")" = 1 ]; }

suspended() { dmsetup info v2 | grep -q SUSPENDED; }
opened_all() { vm_is_mounted /mnt/v1 && vm_is_mounted /mnt/v2 && vm_is_mounted /mnt/v4; }
closed_v1() { [ ! -e /dev/mapper/v1 ] && ! vm_is_mounted /mnt/v1; }

guest_main() {
        export PATH=/usr/local/bin:/usr/sbin:/usr/bin
        mkdir -p /mnt/v1 /mnt/v2 /mnt/v3 /mnt/v4
        cp /work/vaults /etc/ykunlock/vaults
        # What udev, pcscd and the units do, on the console as it happens.
        journalctl -f -n 0 -o short-monotonic | grep --line-buffered -E 'ykunlock|udev|pcscd' | sed 's/^/    > /' &
        journal_new /tmp/j0 >/dev/null

        # ---- insertion: udev wants ykunlock-plug@, which opens and mounts v1, v2, v4 ----
        vm_plug tok
        wait_for 90 opened_all || fail insertion "not mounted: $(grep /mnt/ /proc/mounts)"
        wait_for 30 units_done || fail units-done "$(systemctl list-units 'ykunlock-*')"
        journal_new /tmp/j1
        for v in v1 v2 v4; do
                once /tmp/j1 "$v: opened with token 4242001, mounted on /mnt/$v" || fail "journal-$v" "not one line for $v"
        done
        once /tmp/j1 "v3: not opened: no token enrolled in it is present" || fail journal-v3 "not one line for v3"
        vm_no_mapping v3 || fail v3-closed "v3 was opened"
        once /tmp/j1 "/etc/ykunlock/vaults:5: unknown option 'frobnicate'; line skipped" ||
                vm_fail bad-line "the bad line is not named once"
        vm_pass opened-on-insertion

        echo before >/mnt/v2/before
        sync
        (cd /mnt/v4 && exec sleep 600) &
        holder=$!

        # ---- removal: v1 closed, v2 suspended, v4 busy (named with its holder, stays open) ----
        vm_unplug tok
        wait_for 60 closed_v1 || fail v1-closed "v1 is still open"
        wait_for 30 suspended || fail v2-suspended "$(dmsetup info v2)"
        wait_for 30 units_done || fail units-done "$(systemctl list-units 'ykunlock-*')"
        journal_new /tmp/j2
        once /tmp/j2 "v1: closed" || fail journal-v1-closed "no line for v1"
        once /tmp/j2 "v2: suspended" || fail journal-v2-suspended "no line for v2"
        once /tmp/j2 "v4: stays open: /mnt/v4 is busy, held by processes $holder (sleep)" ||
                vm_fail busy-named "the holder of v4 is not named"
        vm_is_mounted /mnt/v4 || fail busy-stays "v4 was unmounted"
        ! grep -qF "ykunlock-plug@" /tmp/j2 || fail plug-on-removal "ykunlock-plug@ was started again as the token went"
        vm_pass locked-on-removal

        # A writer on the suspended vault waits (luksSuspend freezes I/O, it does not fail it).
        (echo after >/mnt/v2/after && sync -f /mnt/v2/after && echo done >/tmp/writer.done) &
        sleep 3
        [ ! -e /tmp/writer.done ] || fail writer-blocks "the write did not wait"
        vm_pass writer-blocks

        # ---- plugged back: v2 resumes, the writer finishes, v1 opens again ----
        vm_plug tok
        wait_for 90 test -e /tmp/writer.done || fail writer-done "the writer did not finish"
        wait_for 90 opened_all || fail reinsertion "not mounted: $(grep /mnt/ /proc/mounts)"
        wait_for 30 units_done || fail units-done "$(systemctl list-units 'ykunlock-*')"
        journal_new /tmp/j3
        once /tmp/j3 "v2: resumed" || fail journal-v2-resumed "no line for v2"
        once /tmp/j3 "v4: open already" || fail journal-v4 "no line for v4"
        once /tmp/j3 "v1: opened with token 4242001, mounted on /mnt/v1" || fail journal-v1 "no line for v1"
        ! suspended || fail resumed "v2 is still suspended"
        [ "$(cat /mnt/v2/before) $(cat /mnt/v2/after)" = "before after" ] || fail data-intact "files differ"
        vm_pass resumed-on-insertion
        kill $holder
}
