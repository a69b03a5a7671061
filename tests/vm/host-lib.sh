# Helpers for scenarios on the host (bash), sourced by run-vm.py before host_prepare and
# host_check. Environment: VM_WORK (becomes /work in the guest), VM_DISKS (vdb.img, vdc.img...
# in order), VM_TOKENS, VM_RUN_DIR; YKUNLOCK and YKEMU when run from CTest.

# vm_token NAME [YKEMU_OPTIONS...]: a token the guest can plug in (vm_plug NAME). Its state
# lives in $VM_RUN_DIR/NAME.state, so it keeps its slots across plugs, unless the options name
# another --state (two names for one key that behaves differently, e.g. --touch never).
vm_token() {
        local name=$1 a
        shift
        for a in "$@"; do
                [ "$a" = --state ] && { printf '%q ' "$@" >"$VM_TOKENS/$name.args"; return; }
        done
        printf '%q ' --state "$VM_RUN_DIR/$name.state" "$@" >"$VM_TOKENS/$name.args"
}

# vm_luks_format IMAGE SIZE KEYFILE [cryptsetup options...]: a LUKS2 image with a fast PBKDF
# (the guest is slow: argon2id would add tens of seconds per unlock).
vm_luks_format() {
        local img=$1 size=$2 key=$3
        shift 3
        truncate -s "$size" "$img"
        cryptsetup luksFormat --batch-mode --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
                --key-file "$key" "$@" "$img"
}

# vm_state_worked_example SERIAL: an emulator state file (printed) for a key whose slot 2 holds
# docs/protocol.md §2's worked example (secret 30..43, no touch), so that the host's ykemu (PC/SC) and
# the guest's (HID) can start from the same key.
vm_state_worked_example() {
        local config=00000000000000000000000000000000404142430000303132333435363738393a3b3c3d3e3f0000000000000024402600000921
        local zero52=00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
        cat <<JSON
{"format":1,"serial":$1,"firmware":"5.4.3","program_sequence":1,
 "slot1":{"programmed":false,"config":"$zero52","last_write":"$zero52",
          "secret":"0000000000000000000000000000000000000000","access_code":"000000000000",
          "ext_flags":0,"tkt_flags":0,"cfg_flags":0},
 "slot2":{"programmed":true,"config":"$config","last_write":"$config",
          "secret":"303132333435363738393a3b3c3d3e3f40414243","access_code":"000000000000",
          "ext_flags":36,"tkt_flags":64,"cfg_flags":38}}
JSON
}
