# Issue 4, scenario 3: hot-plug. `ykunlock open` starts with no token present; the token is
# plugged in 3 s later; the vault opens. Then the token is pulled out while `open` waits for the
# touch: a clear error, and no mapping left behind.

host_prepare() {
        vm_token tok --serial 4242001
        # The same key (same state file) with nobody touching it.
        vm_token untouched --state "$VM_RUN_DIR/tok.state" --touch never
}

guest_main() {
        vm_tokens_start
        vm_token_in tok
        vm_check token-setup ykunlock token setup --slot 2 --generate --touch
        ykunlock create /work/v.img --size 32M --fs none --touch >/dev/null 2>/tmp/create.err ||
                vm_fail create "$(cat /tmp/create.err)"
        vm_token_out tok

        vm_plug tok 3
        vm_check open-waits ykunlock open /work/v.img v --timeout 30
        [ -b /dev/mapper/v ] || vm_fail opened "no /dev/mapper/v"
        vm_pass opened
        vm_check close ykunlock close v
        vm_token_out tok

        vm_token_in untouched
        vm_unplug untouched challenge
        rc=0
        ykunlock open /work/v.img v --timeout 5 >/tmp/open.out 2>&1 || rc=$?
        sed 's/^/    /' /tmp/open.out
        vm_log "open exited $rc"
        # 6: token or reader I/O error (the reader vanished mid-command), not 7 (touch not received).
        [ $rc = 6 ] || vm_fail pulled-out "open exited $rc, expected 6"
        grep -q 'removed' /tmp/open.out || vm_fail pulled-out "the error does not say the token was removed"
        vm_no_mapping v || vm_fail pulled-out "a mapping was left behind"
        vm_pass pulled-out
}
