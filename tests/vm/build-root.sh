#!/usr/bin/env bash
# A real Debian 12 root for the test machine: systemd as PID 1, made from Debian packages with
# mmdebstrap at test time, for the scenarios that boot a real initrd into a real root.
#
#   build-root.sh tree  OUT_DIR                      make (or find cached) OUT_DIR/tree
#   build-root.sh image OUT_DIR IMAGE [ADD_DIR]      an ext4 image of the tree (mke2fs -d), with
#                                                    the files of ADD_DIR laid over it
#   build-root.sh run   OUT_DIR ADD_DIR CMD [ARG]... CMD chrooted into the tree with ADD_DIR laid
#                                                    over it (a private overlay: nothing in the
#                                                    cache or on the host changes); the host
#                                                    directory $YKVM_ROOT_BIND is bind-mounted
#                                                    at /out in it, $YKVM_ROOT_MODULES (a
#                                                    kernel's lib/modules) at /usr/lib/modules
#
# The tree is cached in OUT_DIR/tree and keyed on OUT_DIR/key: the hash of the package list,
# the mirror, the excluded paths and TREE_FORMAT (bump it when build_tree changes). The root's own
# files (customize) are not in the cache: they are laid over the tree by `image` and `run`, so
# changing them costs no rebuild. A cold build downloads about 100 MB. Needs root (mmdebstrap
# --mode=root, chroot, overlay mounts in a private mount namespace); exits 77 without it or
# without mmdebstrap.
#
# The root boots to ykvm-root.service, which runs /etc/ykvm/run.sh when a scenario put one
# there (its output on the serial console), prints "YKVM-ROOT" and "YKVM-EXIT RC" and powers
# the machine off. The root has no kernel modules of its own: a scenario that builds an initrd
# in it lays the guest kernel's modules over it (ADD_DIR/usr/lib/modules/VERSION).
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MIRROR=${YKVM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm

die() { echo "build-root: $*" >&2; exit 1; }
say() { echo "build-root: $*" >&2; }
skip() { echo "SKIP: $*"; exit 77; }

# What every guest scenario needs in the root (iproute2: bench/remote-throughput shapes the
# loopback link with tc). initramfs-tools and dracut-core do not conflict
# (the `dracut` package does); the libraries are those of ykunlock and its token plugin.
PACKAGES=(systemd systemd-sysv udev kmod cryptsetup cryptsetup-initramfs initramfs-tools
        dracut-core zstd busybox pcscd libccid e2fsprogs rsync openssh-server openssh-client
        dropbear-bin sshfs fuse3 util-linux mount procps iproute2
        libcryptsetup12 libpcsclite1 libykpers-1-1 libyubikey0 libjson-c5 libssl3)

# Files dpkg never unpacks into the root (documentation, manuals, translations): patterns for
# dpkg's path-exclude, quoted so that the shell leaves them alone.
EXCLUDES=('/usr/share/doc/*' '/usr/share/man/*' '/usr/share/info/*' '/usr/share/locale/*'
        '/usr/share/lintian/*' '/usr/share/linda/*')
TREE_FORMAT=1

cache_key() {
        printf '%s\n' "$TREE_FORMAT" "$MIRROR" "$SUITE" "${PACKAGES[@]}" "${EXCLUDES[@]}" | sha256sum | cut -d' ' -f1
}

# The root's own files, written into an empty directory that is laid over the tree: the unit that
# reports reaching the real root, and a quiet boot.
customize() {
        local root=$1
        rm -rf "$root"
        mkdir -p "$root/etc/systemd/system"
        echo ykvm-root >"$root/etc/hostname"
        mkdir -p "$root/etc/ykvm" "$root/usr/local/sbin"
        cat >"$root/usr/local/sbin/ykvm-root" <<'EOF'
#!/bin/sh
# Reports on the serial console that the real root runs, runs the scenario's part, powers off.
# Started by ykvm-root.service, or as PID 1 itself (init=/usr/local/sbin/ykvm-root: a boot test
# that needs only the real root, without systemd's start, which takes minutes under a loaded TCG).
exec >/dev/ttyS0 2>&1
echo "YKVM-ROOT $(cat /etc/ykvm/id 2>/dev/null || echo root)"
rc=0
[ -x /etc/ykvm/run.sh ] && { /etc/ykvm/run.sh || rc=$?; }
echo "YKVM-EXIT $rc"
sync
if [ $$ = 1 ]; then
        echo o >/proc/sysrq-trigger
        sleep 60
fi
systemctl --force --force poweroff
EOF
        chmod 0755 "$root/usr/local/sbin/ykvm-root"
        cat >"$root/etc/systemd/system/ykvm-root.service" <<'EOF'
[Unit]
Description=Report the test machine's real root on the console
After=local-fs.target

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/ykvm-root
StandardOutput=tty
TTYPath=/dev/ttyS0

[Install]
WantedBy=multi-user.target
EOF
        mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
        ln -sf /etc/systemd/system/ykvm-root.service "$root/etc/systemd/system/multi-user.target.wants/"
        # Nothing on the console but our lines and the prompts; no getty racing for ttyS0.
        ln -sf /dev/null "$root/etc/systemd/system/serial-getty@ttyS0.service"
        ln -sf /dev/null "$root/etc/systemd/system/getty@tty1.service"
        : >"$root/etc/machine-id"
        printf '%s\n' '/dev/mapper/root / ext4 defaults 0 1' >"$root/etc/fstab"
}

build_tree() {
        local out=$1 key t0=$SECONDS opts=()
        key=$(cache_key)
        if [ -d "$out/tree" ] && [ "$(cat "$out/key" 2>/dev/null)" = "$key" ]; then
                say "root is up to date ($out/tree)"
                return 0
        fi
        [ "$(id -u)" = 0 ] || skip "building the Debian root needs root (mmdebstrap --mode=root)"
        command -v mmdebstrap >/dev/null || skip "mmdebstrap is not installed (scripts/test installs it)"
        rm -rf "$out/tree" "$out/tree.new" "$out/key"
        local e
        for e in "${EXCLUDES[@]}"; do opts+=(--dpkgopt="path-exclude=$e"); done
        say "building the Debian root with mmdebstrap (${#PACKAGES[@]} packages)"
        # A mirror that fails once (apt-get update --error-on=any is strict: seen once in a CI
        # run) is tried again, twice, before the scenario fails.
        local try
        for try in 1 2 3; do
                rm -rf "$out/tree.new"
                mmdebstrap --mode=root --variant=apt --format=directory --quiet \
                        --aptopt='APT::Install-Recommends "false"' "${opts[@]}" \
                        --include="$(IFS=,; echo "${PACKAGES[*]}")" \
                        "$SUITE" "$out/tree.new" "$MIRROR" >&2 && break
                [ "$try" = 3 ] && die "mmdebstrap failed three times"
                say "mmdebstrap failed (try $try of 3); trying again in 20 s"
                sleep 20
        done
        # The apt lists are big and useless in a guest without network.
        rm -rf "$out/tree.new/var/lib/apt/lists/"* "$out/tree.new/var/cache/apt/"*.bin
        mv "$out/tree.new" "$out/tree"
        echo "$key" >"$out/key"
        say "built the root in $((SECONDS - t0)) s: $(du -sh "$out/tree" | cut -f1)"
}

# stage_tree OUT STAGE ADD_DIR: STAGE = the tree (hard links, cheap) with the root's own files
# and ADD_DIR laid over it. Files laid over replace links (--remove-destination), so the cache
# never changes.
stage_tree() {
        local out=$1 stage=$2 add=${3:-}
        rm -rf "$stage"
        cp -al "$out/tree" "$stage"
        cp -a --remove-destination "$out/base/." "$stage/"
        [ -z "$add" ] || cp -a --remove-destination "$add/." "$stage/"
}

make_image() {
        local out=$1 img=$2 add=${3:-} stage mb
        stage=$(dirname "$img")/.root-stage
        stage_tree "$out" "$stage" "$add"
        mb=$(( $(du -sm "$stage" | cut -f1) * 5 / 4 + 64 ))
        rm -f "$img"
        mke2fs -q -F -t ext4 -L ykvm-root -d "$stage" "$img" "${mb}M" >/dev/null
        rm -rf "$stage"
}

# run_in OUT ADD_DIR CMD...: CMD chrooted into an overlay of the tree and ADD_DIR (tmpfs upper).
run_in() {
        local out=$1 add=$2
        shift 2
        [ "$(id -u)" = 0 ] || skip "a chroot into the Debian root needs root"
        unshare --mount --propagation private -- bash -euo pipefail -c '
                out=$1 add=$2; shift 2
                mnt=$(mktemp -d) ; tmp=$(mktemp -d)
                mount -t tmpfs ykvm-root "$tmp"
                mkdir "$tmp/upper" "$tmp/work"
                lower=$out/base:$out/tree
                [ -z "$add" ] || lower=$add:$lower
                mount -t overlay overlay -o "lowerdir=$lower,upperdir=$tmp/upper,workdir=$tmp/work" "$mnt"
                mount -t proc proc "$mnt/proc"
                mount --rbind /dev "$mnt/dev"
                mount -t sysfs sysfs "$mnt/sys"
                mount -t tmpfs tmpfs "$mnt/tmp"
                mount -t tmpfs tmpfs "$mnt/run"
                mount -t tmpfs tmpfs "$mnt/var/tmp"
                if [ -n "${YKVM_ROOT_MODULES:-}" ]; then
                        mkdir -p "$mnt/usr/lib/modules"
                        mount --bind "$YKVM_ROOT_MODULES" "$mnt/usr/lib/modules"
                fi
                if [ -n "${YKVM_ROOT_BIND:-}" ]; then
                        mkdir -p "$mnt/out"
                        mount --bind "$YKVM_ROOT_BIND" "$mnt/out"
                fi
                exec chroot "$mnt" "$@"' bash "$out" "$add" "$@"
}

[ $# -ge 2 ] || die "usage: build-root.sh tree|image|run OUT_DIR ..."
cmd=$1
OUT=$(mkdir -p "$2" && cd "$2" && pwd)
shift 2
exec 9>"$OUT/.lock"
flock 9
build_tree "$OUT"
customize "$OUT/base"
case $cmd in
tree) ;;
image)
        [ $# -ge 1 ] || die "usage: build-root.sh image OUT_DIR IMAGE [ADD_DIR]"
        make_image "$OUT" "$@"
        ;;
run)
        [ $# -ge 2 ] || die "usage: build-root.sh run OUT_DIR ADD_DIR CMD [ARG]..."
        flock -u 9
        run_in "$OUT" "$@"
        ;;
*) die "unknown command $cmd" ;;
esac
