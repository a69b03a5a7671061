# Issue 5 in the test machine (real device-mapper): the token plugin, loaded by the stock tools.
# - plain `cryptsetup open IMAGE NAME` without a key file opens the mapping through the plugin;
# - `systemd-cryptsetup attach NAME IMAGE - headless=true`, what a crypttab line without a key
#   file runs at boot, opens it too (systemd-cryptsetup 252 tries every token type itself);
# - with the key absent both give up after YKUNLOCK_TOKEN_TIMEOUT and leave no mapping;
# - the same key over USB HID (ykemu on the guest's uhid) opens it too (the plugin asks every
#   transport).
# The key: serial 4242003, slot 2 holding docs/protocol.md §2's worked example, as an emulator state
# file that the host's ykemu (PC/SC, QEMU usb-ccid) and the guest's (HID) both start from.
# systemd-cryptsetup is not in the guest image: it is copied from the host's systemd package
# onto the work disk, with the libraries the guest lacks (libsystemd-shared...).

host_prepare() {
        vm_state_worked_example 4242003 >"$VM_WORK/tok.state"
        vm_state_worked_example 4242003 >"$VM_RUN_DIR/tok-pcsc.state"
        vm_token tok --state "$VM_RUN_DIR/tok-pcsc.state"
        local sdc=/lib/systemd/systemd-cryptsetup lib
        [ -x "$sdc" ] || { echo "host_prepare: $sdc is missing (Debian package systemd)" >&2; return 1; }
        mkdir -p "$VM_WORK/sdc/lib"
        cp "$sdc" "$VM_WORK/sdc/"
        for lib in $(ldd "$sdc" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
                case $(basename "$lib") in
                libc.so.*|libm.so.*|ld-linux*) ;; # the guest's own (same Debian release)
                *) cp -L "$lib" "$VM_WORK/sdc/lib/" ;;
                esac
        done
}

# sdc ARGS...: the host's systemd-cryptsetup with its libraries.
sdc() { LD_LIBRARY_PATH=/work/sdc/lib /work/sdc/systemd-cryptsetup "$@"; }

# gives_up NAME SECONDS CMD...: CMD fails within SECONDS + 15 and leaves no mapping NAME.
gives_up() {
        local name=$1 max=$2 start rc=0
        shift 2
        start=$(cut -d. -f1 /proc/uptime)
        "$@" >/tmp/vm_check.out 2>&1 || rc=$?
        sed 's/^/    /' /tmp/vm_check.out
        [ "$rc" != 0 ] || vm_fail "$name" "'$*' succeeded without the token"
        [ $(($(cut -d. -f1 /proc/uptime) - start)) -le $((max + 15)) ] || vm_fail "$name" "took too long"
        vm_no_mapping "${name%%-*}" || vm_fail "$name" "a mapping was left"
        vm_pass "$name"
}

guest_main() {
        vm_tokens_start
        vm_token_in tok
        ykunlock create /work/v.img --size 32M --fs none >/work/rec 2>/tmp/create.err ||
                vm_fail create "$(cat /tmp/create.err)"
        vm_pass create
        [ -f /lib/x86_64-linux-gnu/cryptsetup/libcryptsetup-token-ykunlock.so ] ||
                vm_fail plugin-installed "not in libcryptsetup's plugin directory"
        vm_check luksdump cryptsetup luksDump /work/v.img
        vm_output_has "Serial:       4242003" || vm_fail luksdump-lines "no serial line from the plugin"
        export YKUNLOCK_TOKEN_TIMEOUT=20

        # plain cryptsetup, no key file: the token opens the real mapping
        vm_check cryptsetup-open cryptsetup open /work/v.img plainv
        [ -b /dev/mapper/plainv ] || vm_fail cryptsetup-mapping "no /dev/mapper/plainv"
        vm_check cryptsetup-close cryptsetup close plainv

        # a crypttab line without a key file, headless, as systemd runs it at boot
        vm_check sd-attach sdc attach sdv /work/v.img - headless=true
        [ -b /dev/mapper/sdv ] || vm_fail sd-mapping "no /dev/mapper/sdv"
        vm_check sd-detach sdc detach sdv
        vm_no_mapping sdv || vm_fail sd-detached "sdv is still there"

        # the key pulled out: both wait YKUNLOCK_TOKEN_TIMEOUT, then give up cleanly
        vm_token_out tok
        export YKUNLOCK_TOKEN_TIMEOUT=3
        gives_up plainv-absent 3 cryptsetup open --token-only /work/v.img plainv
        vm_output_has "Insert your token" || vm_fail plainv-insert-message "cryptsetup did not say 'Insert your token'"
        gives_up sdv-absent 3 sdc attach sdv /work/v.img - headless=true,tries=1

        # the same key over USB HID
        vm_hid_start --state /work/tok.state
        export YKUNLOCK_TOKEN_TIMEOUT=10
        vm_check hid-cryptsetup-open cryptsetup open --token-only /work/v.img hidv
        [ -b /dev/mapper/hidv ] || vm_fail hid-mapping "no /dev/mapper/hidv"
        vm_check hid-cryptsetup-close cryptsetup close hidv
        vm_check hid-sd-attach sdc attach hidsdv /work/v.img - headless=true
        vm_check hid-sd-detach sdc detach hidsdv
        vm_hid_stop
}
