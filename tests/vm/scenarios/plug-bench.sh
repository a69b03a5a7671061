# Not a CTest test: bench/plug-insertion boots this scenario to time insertion -> every configured
# vault mounted, with $PLUG_BENCH_VAULTS vaults (default 1) enrolled with one token and
# $PLUG_BENCH_ROUNDS rounds (default 3) of plug in, all mounted, pull out, all closed. The times
# come from the guest's journal (monotonic clock): from the kernel's "New USB device found" line
# to ykunlock's last "mounted on" line (the vaults are mounted at once, in any order); printed as
# "plug-bench: ..." lines on the console.

host_prepare() {
        . "$VM_LIB/plug-lib.sh"
        plug_boot
        local n=${PLUG_BENCH_VAULTS:-1} i list=
        vm_token tok --serial 4242001
        for i in $(seq "$n"); do list=$list${list:+,}b$i; done
        # PLUG_BENCH_GROUP=1: a touch slot, the vaults one group (one challenge, one touch).
        [ "${PLUG_BENCH_GROUP:-0}" = 0 ] || list=$list:touch-group
        "$VM_LIB/plug-enroll.sh" "$VM_WORK" "$VM_RUN_DIR/tok.state:4242001:$list" || boot_die "cannot make the vaults"
        for i in $(seq "$n"); do echo "/work/b$i.img b$i /mnt/b$i on-remove=close"; done >"$VM_WORK/vaults"
        echo "$n ${PLUG_BENCH_ROUNDS:-3}" >"$VM_WORK/bench"
}

# mono TEXT: the monotonic time (s) of the journal's last line with TEXT.
mono() {
        journalctl -o short-monotonic --no-pager | grep -F -- "$1" | tail -n 1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/'
}

# mono_after TEXT T: the time of the journal's first line with TEXT after time T (the vaults
# open at once: the first to finish is not always b1).
mono_after() {
        journalctl -o short-monotonic --no-pager | grep -F -- "$1" | sed 's/^\[ *\([0-9.]*\)\].*/\1/' |
                awk -v t="$2" '$1 > t { print; exit }'
}

# fail NAME REASON: with the journal's lines about ykunlock, pcscd and udev.
fail() {
        journalctl -o short-monotonic --no-pager | grep -E 'ykunlock|pcscd|udev' | tail -n 30 | sed 's/^/    | /'
        vm_fail "$@"
}

mounted_count() { grep -c ' /mnt/b' /proc/mounts || true; }

guest_main() {
        export PATH=/usr/local/bin:/usr/sbin:/usr/bin
        local n rounds r i t_dev t_start t_first t_last
        read -r n rounds </work/bench
        for i in $(seq "$n"); do mkdir -p /mnt/b$i; done
        cp /work/vaults /etc/ykunlock/vaults
        for r in $(seq "$rounds"); do
                vm_plug tok
                i=0
                while [ "$(mounted_count)" != "$n" ]; do
                        i=$((i + 1))
                        [ $i -lt 600 ] || fail "round-$r" "$(mounted_count) of $n mounted"
                        sleep 0.2
                done
                sleep 1 # the journal's last lines
                t_dev=$(mono "New USB device found")
                t_start=$(mono "Starting ykunlock-plug@")
                t_first=$(mono_after ": opened with token" "$t_dev")
                t_last=$(mono ", mounted on /mnt/b")
                echo "plug-bench: vaults=$n round=$r device=$t_dev unit=$t_start first=$t_first last=$t_last" \
                        "total_ms=$(echo "$t_dev $t_last" | awk '{ printf "%d", ($2 - $1) * 1000 }')"
                vm_unplug tok
                i=0
                while [ "$(mounted_count)" != 0 ] || [ -e /dev/mapper/b1 ]; do
                        i=$((i + 1))
                        [ $i -lt 600 ] || fail "round-$r-out" "still mounted after removal"
                        sleep 0.2
                done
                sleep 2
        done
        vm_pass bench
}
