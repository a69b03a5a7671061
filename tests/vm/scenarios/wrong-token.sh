# Issue 4, scenario 4: the wrong token. A token of another serial is not tried (no enrolled token
# present); a token with the enrolled serial but another secret fails authentication. Either
# way no mapping is left and the header is unchanged.

host_prepare() {
        vm_token tok --serial 4242001
        vm_token other --serial 4242002
        vm_token twin --serial 4242001
}

guest_main() {
        vm_tokens_start
        vm_token_in tok
        vm_check token-setup ykunlock token setup --slot 2 --generate
        ykunlock create /work/v.img --size 32M --fs none >/dev/null 2>/tmp/create.err ||
                vm_fail create "$(cat /tmp/create.err)"
        vm_token_out tok
        before=$(vm_header_sum /work/v.img)

        vm_token_in other
        vm_check other-setup ykunlock token setup --slot 2 --generate
        vm_expect_rc other-serial 3 ykunlock open /work/v.img v --timeout 2
        vm_no_mapping v || vm_fail other-serial "a mapping was left"
        vm_token_out other

        vm_token_in twin
        vm_check twin-setup ykunlock token setup --slot 2 --generate
        vm_expect_rc twin-secret 2 ykunlock open /work/v.img v --timeout 2
        vm_no_mapping v || vm_fail twin-secret "a mapping was left"
        [ "$(vm_header_sum /work/v.img)" = "$before" ] || vm_fail header-unchanged "the header changed"
        vm_pass header-unchanged
        vm_token_out twin

        # The right token still opens it.
        vm_token_in tok
        vm_check right-token ykunlock open /work/v.img v --timeout 2
        vm_check close ykunlock close v
}
