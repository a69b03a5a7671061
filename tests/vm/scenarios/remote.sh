# Issue 14, remote vaults (docs/remote.md), in the Debian root of build-root.sh (systemd as PID 1,
# the same boot as plug-udev): OpenSSH's sshd and Dropbear's server listen on the guest's
# loopback and hold the images under /srv.
#  - through ssh (sshd, port 22): create, open --mount, a tree and a plaintext marker written,
#    sshfs and ssh run as I/O flushers (PR_SET_IO_FLUSHER), close --unmount (nothing left: no
#    sshfs, no loop, no state), reopen with the token,
#    checksums equal, then grown by 64 MiB while mounted (ykunlock grow ssh://…: df shows it,
#    files intact); the marker is not in the remote image; the server's log and every
#    process's arguments hold neither the recovery key nor the marker;
#  - through dbclient (Dropbear's server on 127.0.0.2:2222, a key made by dropbearkey): the same
#    (another address than sshd's: dbclient looks a host key up by address alone, without the
#    port, and would find sshd's);
#  - the connection killed on the server side while mounted: ykunlock reports it, the mapping,
#    the file system, the loop device and the sshfs mount are gone within 30 s (docs/remote.md),
#    and `close` succeeds afterwards;
#  - the server's session processes stopped (SIGSTOP) while mounted, through dbclient (Dropbear's
#    server; -K) and through ssh (sshd; ServerAliveInterval/CountMax): the client's keepalives
#    give up, and the same teardown follows, within 45 s;
#  - the other verbs on a remote vault: backup ssh://… of a small tree (nothing left mounted
#    after, checksums equal after reopening), header backup ssh://… through dbclient (the same
#    bytes as cryptsetup's luksHeaderBackup of the server's file), list ssh://…; a host that
#    refuses the connection: exit 8 with ssh's message, nothing mounted. No message names the
#    temporary mount under /run/ykunlock/remote: the vault is the address as typed; a verb
#    killed (SIGKILL) while it waits leaves no sshfs mount behind;
#  - a large write: the loop device is in direct I/O mode, and 96 MiB with conv=fsync into the
#    vault finish within 240 s (they stalled before).

# bench/remote-throughput boots this scenario with REMOTE_BENCH=1: then guest_main measures
# instead of testing (remote_bench below).

host_prepare() {
        . "$VM_LIB/plug-lib.sh"
        plug_boot
        vm_token tok --serial 4242001
        # The root has no modules of its own, and the machine's initrd does not load FUSE.
        cp "$BOOT_KROOT/lib/modules/$BOOT_KVER/kernel/fs/fuse/fuse.ko" "$VM_WORK/fuse.ko"
        # The root disk has little room: large images go to a disk of their own (sparse here).
        truncate -s 1G "$VM_DISKS/vdc.img"
        if [ -n "${REMOTE_BENCH:-}" ]; then
                echo "${REMOTE_BENCH_MIB:-256} ${REMOTE_BENCH_LINK:--} ${REMOTE_BENCH_CLIENTS:-ssh dbclient}" >"$VM_WORK/bench"
                cp "$BOOT_KROOT/lib/modules/$BOOT_KVER/kernel/net/sched/sch_netem.ko" "$VM_WORK/"
                [ -z "${REMOTE_BENCH_DIAG:-}" ] || touch "$VM_WORK/bench-diag"
        fi
}

# wait_for SECONDS CMD...: until CMD succeeds, or fail after SECONDS of uptime.
wait_for() {
        local end
        end=$(($(cut -d. -f1 /proc/uptime) + $1))
        shift
        until "$@" 2>/dev/null; do
                [ "$(cut -d. -f1 /proc/uptime)" -lt "$end" ] || return 1
                sleep 0.2
        done
}

servers_start() {
        insmod /work/fuse.ko || vm_fail fuse "cannot load fuse.ko"
        mkdir -p /srv /run/sshd /root/.ssh /etc/dropbear
        chmod 0700 /root/.ssh
        ssh-keygen -A >/dev/null
        /usr/sbin/sshd -E /tmp/sshd.log -o ListenAddress=127.0.0.1 -o LogLevel=VERBOSE ||
                vm_fail sshd "$(cat /tmp/sshd.log)"
        dropbearkey -t ed25519 -f /etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1
        dropbear -E -F -p 127.0.0.2:2222 -r /etc/dropbear/dropbear_ed25519_host_key 2>/tmp/dropbear.log &
        echo $! >/tmp/dropbear.pid
        # The clients' keys: OpenSSH's, and Dropbear's own format (dropbearkey), its public half
        # from dropbearkey -y.
        ssh-keygen -q -t ed25519 -N '' -f /root/.ssh/id_ed25519
        cat /root/.ssh/id_ed25519.pub >/root/.ssh/authorized_keys
        dropbearkey -t rsa -f /root/.ssh/id_dropbear >/dev/null 2>&1
        dropbearkey -y -f /root/.ssh/id_dropbear | grep '^ssh-rsa ' >>/root/.ssh/authorized_keys
        chmod 0600 /root/.ssh/authorized_keys
        wait_for 30 ssh-keyscan -T 5 127.0.0.1 >/root/.ssh/known_hosts || vm_fail keyscan "sshd does not answer"
        vm_pass servers
}

# io_flushers NAME: sshfs and the SSH client under it run with PR_SET_IO_FLUSHER: the kernel's
# flags of each (field 9 of /proc/PID/stat) hold PF_MEMALLOC_NOIO (0x80000) and
# PF_LOCAL_THROTTLE (0x100000). An ssh client has -oCompression=no.
io_flushers() {
        local p flags n=0
        for p in $(pgrep -x sshfs) $(pgrep -x ssh) $(pgrep -x dbclient); do
                flags=$(sed 's/^.*) //' /proc/$p/stat | cut -d' ' -f7)
                vm_log "$(cat /proc/$p/comm) $p: flags $(printf %#x "$flags")"
                [ $((flags & 0x180000)) = $((0x180000)) ] ||
                        vm_fail "$1-io-flusher" "$(cat /proc/$p/comm) $p is no I/O flusher: flags $(printf %#x "$flags")"
                n=$((n + 1))
        done
        # ssh is told not to compress ciphertext (a user's ssh_config may ask for compression).
        for p in $(pgrep -x ssh); do
                tr '\0' '\n' </proc/$p/cmdline | grep -qx -- -oCompression=no ||
                        vm_fail "$1-no-compression" "ssh $p: $(tr '\0' ' ' </proc/$p/cmdline)"
        done
        [ $n = 2 ] || vm_fail "$1-io-flusher" "expected sshfs and one client: $(pgrep -a 'sshfs|ssh|dbclient')"
        vm_pass "$1-io-flusher"
}

# vault_round NAME URL [--ssh-command CMD]: create, fill, close, reopen, compare, close.
vault_round() {
        local name=$1 url=$2 img=/srv/${1}.img sum
        shift 2
        ykunlock create "$url" --size 48M --fs ext4 "$@" >/tmp/$name.key 2>/tmp/create.err ||
                vm_fail "$name-create" "$(cat /tmp/create.err)"
        grep -Eq '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' /tmp/$name.key || vm_fail "$name-recovery-key" "$(cat /tmp/$name.key)"
        [ -s "$img" ] || vm_fail "$name-remote-image" "no $img on the server"
        [ -z "$(ls /run/ykunlock/remote 2>/dev/null)" ] || vm_fail "$name-create-clean" "$(ls -l /run/ykunlock/remote)"
        ! grep -F /run/ykunlock/remote /tmp/create.err || vm_fail "$name-create-names" "a message names the mount path"
        vm_pass "$name-create"

        mkdir -p /mnt/$name
        vm_check "$name-open" ykunlock open "$url" "$name" --mount /mnt/$name "$@"
        vm_is_mounted /mnt/$name || vm_fail "$name-mounted" "/mnt/$name is not mounted"
        losetup -l | grep -q "/run/ykunlock/remote/" || vm_fail "$name-loop" "no loop device on the sshfs image: $(losetup -l)"
        io_flushers "$name"
        mkdir -p /mnt/$name/dir
        seq 1 20000 >/mnt/$name/dir/numbers
        head -c 2000000 /dev/urandom >/mnt/$name/random.bin
        for i in 1 2 3 4 5 6 7 8; do echo "YKVM-PLAINTEXT-MARKER-$name-0123456789"; done >/mnt/$name/marker.txt
        sum=$(vm_tree_sum /mnt/$name)
        # Every process's arguments while it is open: no key, no plaintext.
        cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' ' ' >/tmp/$name.argv
        vm_check "$name-close" ykunlock close "$name" --unmount
        vm_no_mapping "$name" || vm_fail "$name-closed" "mapping still there"
        [ -z "$(ls /run/ykunlock/remote 2>/dev/null)" ] || vm_fail "$name-state-gone" "$(ls -l /run/ykunlock/remote)"
        ! grep -q ' fuse.sshfs ' /proc/mounts || vm_fail "$name-sshfs-gone" "$(grep sshfs /proc/mounts)"
        ! losetup -l | grep -q /run/ykunlock || vm_fail "$name-loop-gone" "$(losetup -l)"
        wait_for 10 sh -c '! pgrep -x sshfs' || vm_fail "$name-no-sshfs" "$(pgrep -a sshfs)"
        vm_pass "$name-closed"

        vm_check "$name-reopen" ykunlock open "$url" "$name" --mount /mnt/$name "$@"
        [ "$(vm_tree_sum /mnt/$name)" = "$sum" ] || vm_fail "$name-files-intact" "checksums differ"
        if [ "$name" = a ]; then
                # Issue 14, test 3 remotely: grow the mounted remote vault by 64 MiB.
                local before after
                before=$(df -k /mnt/$name | awk 'NR == 2 { print $2 }')
                vm_check "$name-grow" ykunlock grow "$url" --size +64M "$@"
                after=$(df -k /mnt/$name | awk 'NR == 2 { print $2 }')
                vm_log "remote grow: df $before KiB -> $after KiB, $img is $(stat -c %s "$img") bytes"
                [ "$(stat -c %s "$img")" = $((112 << 20)) ] || vm_fail "$name-grow-image" "$(stat -c %s "$img") bytes"
                [ $((after - before)) -ge $((60 << 10)) ] || vm_fail "$name-grow-df" "df: $before -> $after KiB"
                [ "$(vm_tree_sum /mnt/$name)" = "$sum" ] || vm_fail "$name-grow-files" "checksums differ after grow"
                vm_pass "$name-grow-df"
        fi
        vm_check "$name-close-again" ykunlock close "$name" --unmount
        vm_pass "$name-files-intact"

        ! grep -q "YKVM-PLAINTEXT-MARKER" "$img" || vm_fail "$name-ciphertext" "the marker is in the remote image"
        local key
        key=$(cat /tmp/$name.key)
        ! grep -qF -- "$key" /tmp/sshd.log /tmp/dropbear.log /tmp/$name.argv ||
                vm_fail "$name-no-key" "the recovery key is in a server log or an argv"
        ! grep -qF YKVM-PLAINTEXT-MARKER /tmp/sshd.log /tmp/dropbear.log /tmp/$name.argv ||
                vm_fail "$name-no-plaintext" "the marker is in a server log or an argv"
        vm_pass "$name-ciphertext-only"
}

bad_addresses() {
        vm_expect_rc bad-url 1 ykunlock create 'ssh://-oProxyCommand=x/srv/x.img' --size 48M
        vm_output_has "is not a remote vault address" || vm_fail bad-url-message "$(cat /tmp/vm_check.out)"
        vm_expect_rc bad-path 1 ykunlock open 'ssh://root@127.0.0.1/srv/../x.img'
        vm_expect_rc bad-command 1 ykunlock open 'ssh://root@127.0.0.1/srv/x.img' --ssh-command 'ssh,x'
        [ ! -e /srv/x.img ] && [ -z "$(ls /run/ykunlock/remote 2>/dev/null)" ] || vm_fail bad-url-nothing "something was made"
        # A server that refuses the key: exit 8, nothing left mounted.
        vm_expect_rc refused 8 ykunlock open 'ssh://nobody@127.0.0.1/srv/x.img'
        ! grep -q ' fuse.sshfs ' /proc/mounts || vm_fail refused-clean "$(grep sshfs /proc/mounts)"
        vm_pass bad-addresses
}

lost_connection() {
        mkdir -p /mnt/a
        vm_check lost-open ykunlock open ssh://root@127.0.0.1/srv/a.img a --mount /mnt/a
        echo before >/mnt/a/before
        sync
        local t0 sessions
        t0=$(cut -d. -f1 /proc/uptime)
        # The server's processes of this connection (children of the listening sshd) die.
        sessions=$(pgrep -P "$(cat /run/sshd.pid)")
        [ -n "$sessions" ] || vm_fail lost-sessions "no sshd session process"
        kill -9 $sessions
        wait_for 30 sh -c '[ ! -e /dev/mapper/a ]' || vm_fail lost-mapping "/dev/mapper/a still there: $(dmsetup info a)"
        wait_for 10 sh -c '! grep -q " /mnt/a " /proc/mounts' || vm_fail lost-unmounted "$(grep /mnt/a /proc/mounts)"
        wait_for 10 sh -c '! grep -q " fuse.sshfs " /proc/mounts' || vm_fail lost-sshfs "$(grep sshfs /proc/mounts)"
        ! losetup -l | grep -q /run/ykunlock || vm_fail lost-loop "$(losetup -l)"
        vm_log "torn down $(($(cut -d. -f1 /proc/uptime) - t0)) s after the connection was killed"
        journalctl -o cat --no-pager | grep -F "the connection to 127.0.0.1 was lost" >/dev/null ||
                vm_fail lost-reported "no journal line: $(journalctl -o cat --no-pager | grep ykunlock | tail -5)"
        vm_check lost-close ykunlock close a
        vm_output_has "was closed when its SSH connection was lost" || vm_fail lost-close-message "$(cat /tmp/vm_check.out)"
        [ -z "$(ls /run/ykunlock/remote 2>/dev/null)" ] || vm_fail lost-state "$(ls -l /run/ykunlock/remote)"
        vm_pass lost-connection
}

# write_mib DIR MIB SRC: writes MIB MiB of SRC into DIR/data and syncs it; prints the MiB/s and
# the MiB that crossed the loopback meanwhile (both directions: lo counts a packet once). Each
# write starts with clean caches (the server's file of the write before stays in this guest's
# page cache otherwise: a real remote host has its own).
write_mib() {
        local t0 t1 b0 b1
        sync
        echo 3 >/proc/sys/vm/drop_caches
        b0=$(cat /sys/class/net/lo/statistics/tx_bytes)
        t0=$(date +%s%N)
        dd if="$3" of="$1/data" bs=1M count="$2" conv=fsync status=none || vm_fail bench-write "dd into $1"
        t1=$(date +%s%N)
        b1=$(cat /sys/class/net/lo/statistics/tx_bytes)
        rm -f "$1/data"
        sync
        echo "$2 $t0 $t1 $b0 $b1" | awk '{ printf "%.2f %.0f", $1 / (($3 - $2) / 1e9), ($5 - $4) / 1048576 }'
}

# bench_ceiling: what dm-crypt alone writes in this machine: aes-xts-plain64 with 4096-byte
# sectors (the vaults' cipher and sector size) over a file in tmpfs, so that neither a disk nor
# the network counts.
bench_ceiling() {
        local t0 t1
        mkdir -p /tmp/ceil && mount -t tmpfs -o size=300M tmpfs /tmp/ceil
        truncate -s 256M /tmp/ceil/img
        head -c 64 /dev/urandom >/tmp/ceil.key
        cryptsetup open --type plain --cipher aes-xts-plain64 --key-size 512 --sector-size 4096 --key-file /tmp/ceil.key \
                /tmp/ceil/img ceil || vm_fail bench-ceiling "cannot open a plain dm-crypt mapping"
        t0=$(date +%s%N)
        dd if=/dev/zero of=/dev/mapper/ceil bs=1M count=192 oflag=direct status=none
        t1=$(date +%s%N)
        cryptsetup close ceil
        umount /tmp/ceil
        echo "192 $t0 $t1" | awk '{ printf "%.1f", $1 / (($3 - $2) / 1e9) }'
}

# bench_sample: what the machine does while the vault is written, every 5 s (REMOTE_BENCH_DIAG=1:
# memory, in-flight I/O, the busiest processes, the kernel stacks of the I/O path).
bench_sample() {
        sleep 3
        while :; do
                echo "diag: t=$(cut -d' ' -f1 /proc/uptime) $(grep -E '^(Dirty|Writeback):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')" \
                        "loop-inflight=$(cat /sys/block/loop*/inflight 2>/dev/null | tr -s ' ' | tr '\n' ,)" \
                        "dm-inflight=$(cat /sys/block/dm-*/inflight 2>/dev/null | tr -s ' ' | tr '\n' ,)"
                top -b -n 1 -w 120 | sed -n '8,14p' | sed 's/^/diag-top: /'
                echo "diag-mem: $(grep -E '^(MemFree|MemAvailable|Cached):' /proc/meminfo | tr -s ' ' | tr '\n' ' ')" \
                        "fuse-waiting=$(cat /sys/fs/fuse/connections/*/waiting 2>/dev/null | tr '\n' ,)" \
                        "max_bg=$(cat /sys/fs/fuse/connections/*/max_background 2>/dev/null | tr '\n' ,)"
                for p in $(pgrep -x sshfs) $(pgrep -x ssh) $(pgrep -x sftp-server) \
                        $(ps -eo pid=,comm= | awk '/loop|kcryptd|dmcrypt_write/ {print $1}') $(pgrep -x dd); do
                        for t in /proc/$p/task/*; do
                                echo "diag-stack $p/${t##*/} $(cat $t/comm 2>/dev/null) $(cat $t/wchan 2>/dev/null):" \
                                        "$(awk '{print $2}' $t/stack 2>/dev/null | head -n 8 | tr '\n' ' ')"
                        done
                done
                sleep 5
        done
}

# remote_bench: plain sshfs (no encryption of ours) against a vault over the same sshfs, for
# ssh (sshd) and dbclient (dropbear), MIB MiB each, over the bare loopback or a link shaped by
# netem (REMOTE_BENCH_LINK: a rate such as 20mbit), and the parts of the vault's cost apart:
# dm-crypt alone (bench_ceiling) and a vault on a local image in the server's directory (dm-crypt,
# the loop device and ext4, no network). "remote-bench: ..." lines on the console.
remote_bench() {
        local mib link clients cmd sc addr url port plain vault sampler zeros
        read -r mib link clients </work/bench
        # The server keeps its files in tmpfs. On a disk, its writes would be throttled by the
        # kernel's global dirty limit, which counts the vault's own pages under writeback: in one
        # kernel the vault waits for the server, and the server for the vault (docs/remote.md,
        # "A vault whose server is the same machine"). A real server has a kernel of its own.
        mount -t tmpfs -o size=$((2 * mib + 200))M tmpfs /srv || vm_fail bench-srv "cannot mount tmpfs on /srv"
        if [ "$link" != - ]; then
                # A WAN link on the loopback: LINK bit/s each way, 10 ms each way (20 ms round trip).
                insmod /work/sch_netem.ko && tc qdisc add dev lo root netem delay 10ms rate "$link" ||
                        vm_fail bench-link "cannot shape lo to $link"
                echo "remote-bench-link: $(tc qdisc show dev lo | head -n 1)"
        fi
        # What a backup writes is mostly incompressible (compressed media and archives; the vault's
        # ciphertext always is), and dbclient compresses what it sends (docs/remote.md): the writes
        # copy random bytes from tmpfs. Plain sshfs is also written zeros, to show compression.
        mkdir -p /bench-src && mount -t tmpfs -o size=$((mib + 8))M tmpfs /bench-src &&
                head -c $((mib << 20)) /dev/urandom >/bench-src/random || vm_fail bench-src "cannot make the random source"
        echo "remote-bench-ceiling: dmcrypt_mibs=$(bench_ceiling)"
        echo "remote-bench-cpu: $(nproc) vCPU, $(grep -m1 -o -w aes /proc/cpuinfo || echo no) AES-NI," \
                "$(grep -A2 '^name *: xts(aes)' /proc/crypto | sed -n 's/^driver *: //p' | head -n 1)"
        ykunlock create /srv/local.img --size $((mib + 64))M --fs ext4 >/dev/null 2>/tmp/c.err ||
                vm_fail bench-create "$(cat /tmp/c.err)"
        mkdir -p /mnt/plain /mnt/vault
        vm_check bench-open-local ykunlock open /srv/local.img bench --mount /mnt/vault
        vault=$(write_mib /mnt/vault "$mib" /bench-src/random)
        vault=${vault% *}
        vm_check bench-close-local ykunlock close bench --unmount
        rm -f /srv/local.img
        echo "remote-bench-local: mib=$mib vault_mibs=$vault"
        for cmd in $clients; do
                # CLIENT or CLIENT-SERVER: ssh to sshd, dbclient to Dropbear's server, dbclient-sshd.
                case $cmd in
                ssh) port=22 sc=ssh addr=127.0.0.1 ;;
                dbclient) port=2222 sc="dbclient -y" addr=127.0.0.2 ;;
                dbclient-sshd) port=22 sc="dbclient -y" addr=127.0.0.1 ;;
                *) vm_fail bench-client "no bench client $cmd" ;;
                esac
                url=ssh://root@$addr:$port/srv/bench-$cmd.img
                if [ "$sc" = ssh ]; then
                        sshfs -o ServerAliveInterval=5,ServerAliveCountMax=3,BatchMode=yes root@$addr:/srv /mnt/plain
                else
                        sshfs -o "ssh_command=dbclient -y -K 5" -p $port root@$addr:/srv /mnt/plain
                fi
                # write_mib prints "MiB/s wire-MiB"; the remote-bench line below splits them.
                zeros=$(write_mib /mnt/plain "$mib" /dev/zero)
                plain=$(write_mib /mnt/plain "$mib" /bench-src/random)
                fusermount3 -u /mnt/plain
                ykunlock create "$url" --size $((mib + 64))M --fs ext4 --ssh-command "$sc" >/dev/null 2>/tmp/c.err ||
                        vm_fail bench-create "$(cat /tmp/c.err)"
                vm_check "bench-open-$cmd" ykunlock open "$url" bench --mount /mnt/vault --ssh-command "$sc"
                sampler=
                if [ -e /work/bench-diag ]; then
                        bench_sample &
                        sampler=$!
                fi
                vault=$(write_mib /mnt/vault "$mib" /bench-src/random)
                [ -z "$sampler" ] || { kill "$sampler"; wait "$sampler" || :; }
                vm_check "bench-close-$cmd" ykunlock close bench --unmount
                rm -f /srv/bench-$cmd.img
                echo "remote-bench: client=$cmd mib=$mib plain_mibs=${plain% *} vault_mibs=${vault% *}" \
                        "zeros_mibs=${zeros% *} zeros_wire=${zeros#* } plain_wire=${plain#* } vault_wire=${vault#* }"
        done
        vm_pass remote-bench
}

# A large write (issue 14): the loop device under a remote vault is in direct I/O mode, and
# 96 MiB written with conv=fsync into ext4 in the vault finish within 240 s (a few MiB/s under
# TCG). Through the FUSE file's page cache (the loop device's default) the same write stalled
# (docs/protocol.md §11, "Large writes").
large_write() {
        local url=ssh://root@127.0.0.1/srv/big/c.img t0
        mkdir -p /srv/big /mnt/c
        mkfs.ext4 -q /dev/vdc && mount /dev/vdc /srv/big || vm_fail large-srv "cannot mount /dev/vdc on /srv/big"
        ykunlock create "$url" --size 160M --fs ext4 >/dev/null 2>/tmp/create.err ||
                vm_fail large-create "$(cat /tmp/create.err)"
        vm_check large-open ykunlock open "$url" c --mount /mnt/c
        losetup -l -n -O DIO,BACK-FILE | grep -Eq '^ *1 +/run/ykunlock/remote/.*/c\.img$' ||
                vm_fail large-dio "not in direct I/O mode: $(losetup -l -O NAME,DIO,BACK-FILE)"
        t0=$(cut -d. -f1 /proc/uptime)
        rm -f /tmp/large.rc
        (rc=0; dd if=/dev/zero of=/mnt/c/big bs=1M count=96 conv=fsync status=none || rc=$?; echo $rc >/tmp/large.rc) &
        wait_for 240 test -e /tmp/large.rc ||
                vm_fail large-write "96 MiB not written after 240 s: $(grep -E '^(Dirty|Writeback):' /proc/meminfo | tr -s ' \n' '  ')"
        [ "$(cat /tmp/large.rc)" = 0 ] || vm_fail large-write "dd failed: $(cat /tmp/large.rc)"
        vm_log "96 MiB written with conv=fsync into a remote vault in $(($(cut -d. -f1 /proc/uptime) - t0)) s"
        [ "$(stat -c %s /mnt/c/big)" = $((96 << 20)) ] || vm_fail large-size "$(stat -c %s /mnt/c/big) bytes"
        vm_check large-close ykunlock close c --unmount
        umount /srv/big
        vm_pass large-write
}

# descendants PID: the children of PID, their children, and so on.
descendants() {
        local c
        for c in $(pgrep -P "$1"); do
                echo "$c"
                descendants "$c"
        done
}

# lost_keepalive NAME URL SERVER_PID [--ssh-command CMD]: the server's processes of the vault's
# connection are stopped (SIGSTOP: the TCP connection stays up, nothing answers); the client's
# keepalives give up and the vault is torn down within 45 s.
lost_keepalive() {
        local name=$1 url=$2 server=$3 t0 sessions
        shift 3
        mkdir -p /mnt/$name
        vm_check "$name-silent-open" ykunlock open "$url" "$name" --mount /mnt/$name "$@"
        sessions=$(descendants "$server")
        [ -n "$sessions" ] || vm_fail "$name-silent-sessions" "no session process under the server $server"
        t0=$(cut -d. -f1 /proc/uptime)
        kill -STOP $sessions
        wait_for 45 sh -c "[ ! -e /dev/mapper/$name ]" || vm_fail "$name-silent-mapping" "/dev/mapper/$name still there after 45 s"
        wait_for 10 sh -c '! grep -q " fuse.sshfs " /proc/mounts' || vm_fail "$name-silent-sshfs" "$(grep sshfs /proc/mounts)"
        vm_log "$name: torn down $(($(cut -d. -f1 /proc/uptime) - t0)) s after the server stopped answering"
        kill -KILL $sessions
        vm_check "$name-silent-close" ykunlock close "$name"
        vm_output_has "was closed when its SSH connection was lost" ||
                vm_fail "$name-silent-close-message" "$(cat /tmp/vm_check.out)"
        vm_pass "$name-lost-keepalive"
}

# nothing_left NAME: no sshfs mount or process, no loop device on it, no remote state.
nothing_left() {
        ! grep -q ' fuse.sshfs ' /proc/mounts || vm_fail "$1-sshfs-gone" "$(grep sshfs /proc/mounts)"
        ! losetup -l | grep -q /run/ykunlock || vm_fail "$1-loop-gone" "$(losetup -l)"
        [ -z "$(ls /run/ykunlock/remote 2>/dev/null)" ] || vm_fail "$1-state-gone" "$(ls -l /run/ykunlock/remote)"
        wait_for 10 sh -c '! pgrep -x sshfs' || vm_fail "$1-no-sshfs" "$(pgrep -a sshfs)"
        ! grep -F /run/ykunlock/remote /tmp/vm_check.out || vm_fail "$1-names" "a message names the mount path"
}

# The verbs other than create/open/close/grow on remote vaults a (ssh) and b (dbclient).
remote_verbs() {
        local a=ssh://root@127.0.0.1/srv/a.img b=ssh://root@127.0.0.2:2222/srv/b.img sum
        mkdir -p /tmp/tree/sub
        seq 1 30000 >/tmp/tree/sub/numbers
        head -c 500000 /dev/urandom >/tmp/tree/random.bin
        ln -s sub/numbers /tmp/tree/link
        sum=$(vm_tree_sum /tmp/tree)
        vm_check backup-remote ykunlock backup "$a" /tmp/tree
        vm_output_has ": complete" || vm_fail backup-remote-message "$(cat /tmp/vm_check.out)"
        ! ls /dev/mapper | grep -q ykunlock-backup || vm_fail backup-remote-closed "$(ls /dev/mapper)"
        nothing_left backup-remote
        vm_check backup-reopen ykunlock open "$a" a --mount /mnt/a
        [ "$(vm_tree_sum /mnt/a/tree)" = "$sum" ] || vm_fail backup-remote-files "checksums differ"
        vm_check backup-reclose ykunlock close a --unmount
        vm_pass backup-remote-files

        rm -f /tmp/b.hdr /tmp/b.ref
        vm_check header-backup-remote ykunlock header backup "$b" /tmp/b.hdr --ssh-command "dbclient -y"
        nothing_left header-backup-remote
        cryptsetup luksHeaderBackup /srv/b.img --header-backup-file /tmp/b.ref
        cmp -s /tmp/b.hdr /tmp/b.ref || vm_fail header-backup-remote-bytes "not the bytes of luksHeaderBackup"
        vm_check list-remote ykunlock list "$b" --ssh-command "dbclient -y"
        vm_output_has 4242001 || vm_fail list-remote-token "$(cat /tmp/vm_check.out)"
        nothing_left list-remote
        vm_pass header-backup-remote-bytes

        # A command killed (SIGKILL) while it waits for a token that never comes: its temporary
        # sshfs mount goes with it (the keeper sees the pipe close without a mapping's name).
        ykunlock passphrase "$b" --ssh-command "dbclient -y" --serial 1 --timeout 60 --output /tmp/pp \
                >/tmp/killed.out 2>&1 &
        local pid=$!
        wait_for 30 grep -q ' fuse.sshfs ' /proc/mounts || vm_fail killed-mounted "$(cat /tmp/killed.out)"
        sleep 1
        kill -0 $pid || vm_fail killed-waiting "it ended by itself: $(cat /tmp/killed.out)"
        kill -KILL $pid
        wait $pid || true
        wait_for 10 sh -c '! grep -q " fuse.sshfs " /proc/mounts' || vm_fail killed-sshfs "$(grep sshfs /proc/mounts)"
        wait_for 10 sh -c '[ -z "$(ls /run/ykunlock/remote)" ]' || vm_fail killed-dir "$(ls -l /run/ykunlock/remote)"
        : >/tmp/vm_check.out
        nothing_left killed
        vm_pass killed-unmounted

        # Nobody listens there: ssh's own message, exit 8, nothing mounted, nothing opened.
        vm_expect_rc unreachable 8 ykunlock backup ssh://root@127.0.0.1:2299/srv/a.img /tmp/tree
        vm_output_has "port 2299: Connection refused" || vm_fail unreachable-ssh-message "$(cat /tmp/vm_check.out)"
        vm_output_has "ykunlock: ssh://root@127.0.0.1:2299/srv/a.img: sshfs could not mount 127.0.0.1" ||
                vm_fail unreachable-message "$(cat /tmp/vm_check.out)"
        nothing_left unreachable
        ! ls /dev/mapper | grep -q ykunlock-backup || vm_fail unreachable-mapping "$(ls /dev/mapper)"
        vm_pass unreachable-clean
}

guest_main() {
        export PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin
        export HOME=/root
        servers_start
        vm_plug tok
        wait_for 60 ykunlock token list --serial 4242001 >/dev/null || vm_fail token "$(ykunlock token list 2>&1)"
        vm_check token-setup ykunlock token setup --slot 2 --generate
        if [ -e /work/bench ]; then
                remote_bench
                return
        fi
        bad_addresses
        vault_round a ssh://root@127.0.0.1/srv/a.img
        vault_round b ssh://root@127.0.0.2:2222/srv/b.img --ssh-command "dbclient -y"
        remote_verbs
        lost_connection
        lost_keepalive b ssh://root@127.0.0.2:2222/srv/b.img "$(cat /tmp/dropbear.pid)" --ssh-command "dbclient -y"
        lost_keepalive a ssh://root@127.0.0.1/srv/a.img "$(cat /run/sshd.pid)"
        large_write
}
