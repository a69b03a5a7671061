# A YubiKey on USB HID: `ykemu --uhid` in the guest makes the kernel create a real
# /dev/hidrawN (1050:0407, keyboard interface with the OTP feature report), udev sees it, and
# ykunlock lists and programs it over HID; the HMAC answer matches OpenSSL's (computed on the
# host); a user without read+write access to the node gets a message naming it; a touch slot
# prompts once and answers after the touch, or times out (the key gives up); a key pulled out
# during the touch wait is reported as gone.
SECRET=303132333435363738393a3b3c3d3e3f40414243
CHAL=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

host_prepare() {
        printf '%s\n' "$SECRET" >"$VM_WORK/secret"
        printf %s "$CHAL" | xxd -r -p | openssl dgst -sha1 -mac HMAC -macopt "hexkey:$SECRET" |
                awk '{print $NF}' >"$VM_WORK/expected"
}

uptime_ms() { awk '{printf "%d\n", $1 * 1000}' /proc/uptime; }

guest_main() {
        local expected node t0 t1
        expected=$(cat /work/expected)
        vm_start_udev
        vm_hid_start --state /tmp/tok.state --serial 5550001 --touch 1500
        node=$VM_HID_NODE
        vm_log "hidraw node $node"
        vm_check udev-sees-it udevadm info --query=property --name="$node"
        vm_output_has "DEVNAME=$node" || vm_fail udev-devname "udev has no $node"
        vm_pass udev-devname

        vm_check token-list ykunlock token list
        grep -E "^hid +$node +5550001 +5\.4\.3 +empty +empty" /tmp/vm_check.out >/dev/null ||
                vm_fail token-list-row "no 'hid $node 5550001 5.4.3 empty empty' row"
        vm_pass token-list-row
        vm_check token-list-hid-json ykunlock token list --transport hid --json
        vm_output_has '"transport":"hid"' || vm_fail token-list-json "no hid transport in the JSON"
        vm_pass token-list-json-transport
        # No pcscd in this guest: asked for PC/SC alone, "no PC/SC service" (exit 8).
        vm_expect_rc pcsc-only-no-service 8 ykunlock token list --transport pcsc

        # Programmed over HID, then answered over HID with OpenSSL's HMAC.
        vm_check setup ykunlock token setup --slot 2 --secret-file /work/secret
        vm_check token-list-programmed ykunlock token list
        grep -E "^hid +$node +5550001 +5\.4\.3 +empty +programmed" /tmp/vm_check.out >/dev/null ||
                vm_fail setup-row "slot 2 not programmed"
        vm_pass setup-row
        vm_check challenge ykvm-hid --transport hid challenge 2 "$CHAL"
        vm_output_has "response $expected" || vm_fail challenge-answer "not $expected"
        vm_output_has "touch requested" && vm_fail challenge-no-touch "a slot without touch prompted"
        vm_pass challenge-answer

        # Without read+write access to the node: the message names the node and the access.
        cp /work/secret /tmp/secret && chmod 0644 /tmp/secret
        chmod 0600 "$node"
        grep -q '^nobody:' /etc/passwd || echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
        vm_expect_rc no-access-list 0 su -s /bin/sh nobody -c "ykunlock token list"
        vm_output_has "no read+write access to $node" || vm_fail no-access-list-msg "node not named"
        vm_pass no-access-list-msg
        vm_expect_rc no-access-setup 9 su -s /bin/sh nobody -c "ykunlock token setup --slot 1 --secret-file /tmp/secret"
        vm_output_has "no read+write access to $node" || vm_fail no-access-setup-msg "node not named"
        vm_pass no-access-setup-msg

        # A touch slot: the key asks (0x20), the host prompts once, the person touches at 1.5 s.
        vm_check setup-touch ykunlock token setup --slot 2 --touch --force --secret-file /work/secret
        t0=$(uptime_ms)
        vm_check touch ykvm-hid --transport hid challenge 2 "$CHAL"
        t1=$(uptime_ms)
        vm_output_has "response $expected" || vm_fail touch-answer "not $expected"
        [ "$(grep -c 'touch requested' /tmp/vm_check.out)" = 1 ] || vm_fail touch-prompt "not prompted exactly once"
        [ $((t1 - t0)) -ge 1500 ] || vm_fail touch-wait "answered after $((t1 - t0)) ms, before the touch"
        vm_pass touch-prompt-once-and-wait

        # Nobody touches: the key gives up after 3 s, the host says "touch not received".
        vm_hid_stop
        vm_hid_start --state /tmp/tok.state --touch never --touch-timeout 3
        t0=$(uptime_ms)
        vm_expect_rc touch-timeout 1 ykvm-hid --transport hid challenge 2 "$CHAL"
        t1=$(uptime_ms)
        vm_output_has "error -110" || vm_fail touch-timeout-errno "not ETIMEDOUT"
        vm_output_has "touch requested" || vm_fail touch-timeout-prompt "no prompt"
        [ $((t1 - t0)) -ge 3000 ] && [ $((t1 - t0)) -lt 12000 ] || vm_fail touch-timeout-time "$((t1 - t0)) ms"
        vm_pass touch-timeout-errno

        # Pulled out while the key waits for the touch: gone (ENOMEDIUM), not a timeout.
        vm_hid_stop
        vm_hid_start --state /tmp/tok.state --touch never --touch-timeout 15
        ykvm-hid --transport hid challenge 2 "$CHAL" >/tmp/pull.out 2>&1 &
        local probe=$! rc=0
        sleep 1.5
        vm_hid_stop
        wait $probe || rc=$?
        sed 's/^/    /' /tmp/pull.out
        [ $rc = 1 ] && grep -q "error -123" /tmp/pull.out || vm_fail pulled-out "rc $rc, not ENOMEDIUM"
        vm_pass pulled-out-during-touch
        vm_check token-list-gone ykunlock token list --transport hid
        vm_output_has "$node" && vm_fail token-list-gone "$node still listed"
        vm_pass token-list-gone
}
