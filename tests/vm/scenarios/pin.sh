# Issue 4, scenario 5: a token enrolled with a PIN (argon2id with a small --pbkdf-memory, so that
# it fits the guest) opens with the right PIN from --pin-file and refuses a wrong one.

host_prepare() {
        vm_token tok --serial 4242001
        printf '2468\n' >"$VM_WORK/pin"
        printf '1357\n' >"$VM_WORK/wrong-pin"
}

guest_main() {
        vm_tokens_start
        vm_token_in tok
        vm_check token-setup ykunlock token setup --slot 2 --generate
        ykunlock create /work/v.img --size 32M --fs none --pin-file /work/pin --pbkdf-memory 32768 \
                >/dev/null 2>/tmp/create.err || vm_fail create "$(cat /tmp/create.err)"
        vm_pass create
        before=$(vm_header_sum /work/v.img)
        vm_expect_rc wrong-pin 2 ykunlock open /work/v.img v --pin-file /work/wrong-pin --timeout 2
        vm_no_mapping v || vm_fail wrong-pin "a mapping was left"
        [ "$(vm_header_sum /work/v.img)" = "$before" ] || vm_fail header-unchanged "the header changed"
        vm_check right-pin ykunlock open /work/v.img v --pin-file /work/pin --timeout 2
        [ -b /dev/mapper/v ] || vm_fail opened "no /dev/mapper/v"
        vm_check close ykunlock close v
}
