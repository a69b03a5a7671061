#!/usr/bin/env bash
# The boot tests (CTest label vm): the test machine's Debian kernel boots a real initrd made
# by dracut with ykunlock's module (tests/vm/dracut-initrd.sh, cached), from an encrypted root
# disk made and enrolled by ykunlock (tests/vm/luks-root.sh), driven from the serial console by
# tests/vm/boot-vm.py. The root is minimal: /etc/os-release (systemd switches into nothing
# else) and an init that prints the mappings it finds and powers off.
#
#   boot-test.sh SCENARIO       dracut-token | dracut-fallback | dracut-recovery | dracut-pin
#                               | dracut-bench-token | dracut-bench-keyfile (bench/boot, not CTest)
# Environment: YK_SOURCE_DIR, YK_BINARY_DIR, YKUNLOCK, YKEMU, YK_PLUGIN, YK_VPCD_DIR.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${YK_BINARY_DIR:?}" "${YKUNLOCK:?}" "${YKEMU:?}" "${YK_PLUGIN:?}"
VM=$YK_BINARY_DIR/vm
RUN=$VM/runs/$1
for p in qemu-system-x86_64 dracut; do
        command -v "$p" >/dev/null || { echo "SKIP: $p is not installed (scripts/test installs it)"; exit 77; }
done

# ---- the initrd (shared by every scenario) and the kernel of the guest fixture ------------------
kroot=$(ls -d "$VM"/guest/roots/linux-image-[0-9]* 2>/dev/null | head -n 1)
[ -n "$kroot" ] || { echo "no guest kernel in $VM/guest (the vm_guest test builds it)" >&2; exit 1; }
kver=${kroot##*/linux-image-}
"$HERE/dracut-initrd.sh" "$VM/dracut" "$kroot" "$kver" "$YK_BINARY_DIR/initramfs/dracut/91ykunlock" \
        "$YKUNLOCK" "$YK_PLUGIN"

rm -rf "$RUN"
mkdir -p "$RUN/root"/{etc,sbin,bin,proc,sys,dev,run,tmp} "$RUN/tokens" "$RUN/keys"

# ---- the root ------------------------------------------------------------------------------------
printf 'PRETTY_NAME="ykunlock boot test root"\nID=ykboot\n' >"$RUN/root/etc/os-release"
cp /bin/busybox "$RUN/root/bin/busybox"
cat >"$RUN/root/sbin/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc 2>/dev/null
echo "YKBOOT-ROOT $(/bin/busybox awk '$2 == "/" {print $1}' /proc/mounts)"
for m in /dev/mapper/*; do echo "YKBOOT-MAPPING ${m#/dev/mapper/}"; done
/bin/busybox poweroff -f
INIT
chmod 0755 "$RUN/root/sbin/init"

# token NAME STATE [ykemu options]: what the runner plugs in as NAME.
token() {
        local name=$1 state=$2
        shift 2
        printf '%q ' --state "$state" "$@" >"$RUN/tokens/$name.args"
}
luks_disk() { # IMG ROOT_DIR KEYS_DIR ACTIONS...
        env YKUNLOCK="$YKUNLOCK" YKEMU="$YKEMU" "$HERE/luks-root.sh" "$1" 24 "$2" "$3" "${@:4}"
}
# An uncompressed cpio ahead of dracut's image (like early microcode): the kernel unpacks both
# (here: /etc/crypttab). After a zstd archive the kernel would not find it.
initrd_with_crypttab() {
        mkdir -p "$RUN/extra/etc"
        cat >"$RUN/extra/etc/crypttab"
        (cd "$RUN/extra" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$RUN/extra.cpio"
        cat "$RUN/extra.cpio" "${BASE_INITRD:-$VM/dracut/initrd.img}" >"$RUN/initrd.img"
}
# systemd gives up on a device after 90 s; a loaded build machine under TCG can take longer
# than that to get udev going.
WAIT="systemd.default_timeout_start_sec=900 systemd.default_device_timeout_sec=900"
boot() { # SCRIPT_FILE DISKS...
        local script=$1 disks=() d
        shift
        for d in "$@"; do disks+=(--disk "$d"); done
        python3 "$HERE/boot-vm.py" --kernel "$kroot/boot/vmlinuz-$kver" --initrd "$RUN/initrd.img" \
                --append "console=ttyS0 root=/dev/mapper/root rw panic=-1 rd.emergency=reboot rd.shell=0 loglevel=4 $WAIT" \
                "${disks[@]}" --run-dir "$RUN" --tokens "$RUN/tokens" --ykemu "$YKEMU" \
                --timeout "${YKVM_BOOT_TIMEOUT:-900}" --script "$script"
}

case $1 in
dracut-token)
        # 1. a key present at power-on opens the root through the plugin, no typing; its slot
        #    needs a touch, and the console says so before the touch comes (6);
        # 2. a second volume's key, plugged in 5 s after that volume's prompt, opens it (agent).
        mkdir -p "$RUN/data/etc" && echo data >"$RUN/data/etc/marker"
        luks_disk "$RUN/root.img" "$RUN/root" "$RUN/keys" enroll "$RUN/a.state" 4242201 touch
        luks_disk "$RUN/data.img" "$RUN/data" "$RUN/keys-data" enroll "$RUN/b.state" 4242202
        token a "$RUN/a.state" --touch 4000
        token b "$RUN/b.state"
        initrd_with_crypttab <<TAB
root UUID=$(cat "$RUN/keys/uuid") - luks
data UUID=$(cat "$RUN/keys-data/uuid") - luks
TAB
        cat >"$RUN/script" <<'SCRIPT'
plug a
wait touch it when it blinks
pass touch-message-before-touch
wait passphrase for disk data
mark data-prompt
sleep 5
plug b
wait data opened with a YubiKey
pass late-token
wait YKBOOT-ROOT /dev/mapper/root
pass root-by-token
wait YKBOOT-MAPPING data
pass data-open
absent Please enter passphrase for disk root
SCRIPT
        boot "$RUN/script" "$RUN/root.img" "$RUN/data.img"
        ;;
dracut-fallback)
        # 3./4. a wrong key (same serial, another secret) opens nothing and the agent says so;
        #    the passphrase typed at the console prompt opens the root.
        luks_disk "$RUN/root.img" "$RUN/root" "$RUN/keys" enroll "$RUN/a.state" 4242203 \
                program "$RUN/wrong.state" 4242203
        token wrong "$RUN/wrong.state"
        initrd_with_crypttab <<<"root UUID=$(cat "$RUN/keys/uuid") - luks"
        cat >"$RUN/script" <<SCRIPT
plug wrong
wait passphrase for disk root
wait this YubiKey does not open root
pass wrong-token-refused
type $(cat "$RUN/keys/passphrase")
wait YKBOOT-ROOT /dev/mapper/root
pass passphrase-typed
SCRIPT
        boot "$RUN/script" "$RUN/root.img"
        ;;
dracut-recovery)
        # 3. no token at all: the plugin gives up, systemd asks, and the recovery key that
        #    `ykunlock recovery-key` printed, typed on the serial console as printed, opens the
        #    root (systemd hands the text to the keyslot unchanged: nothing decodes it).
        luks_disk "$RUN/root.img" "$RUN/root" "$RUN/keys" enroll "$RUN/a.state" 4242206 recovery-key
        grep -Eq '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' "$RUN/keys/recovery-text" ||
                { echo "not a text recovery key: $(cat "$RUN/keys/recovery-text")" >&2; exit 1; }
        initrd_with_crypttab <<<"root UUID=$(cat "$RUN/keys/uuid") - luks"
        cat >"$RUN/script" <<SCRIPT
wait passphrase for disk root
pass prompt-without-token
type $(cat "$RUN/keys/recovery-text")
wait YKBOOT-ROOT /dev/mapper/root
pass recovery-key-typed
SCRIPT
        boot "$RUN/script" "$RUN/root.img"
        ;;
dracut-pin)
        # 5. a PIN token present at power-on: a wrong PIN is asked again, the right one opens.
        luks_disk "$RUN/root.img" "$RUN/root" "$RUN/keys" enroll "$RUN/a.state" 4242204 pin
        token a "$RUN/a.state"
        initrd_with_crypttab <<<"root UUID=$(cat "$RUN/keys/uuid") - luks"
        cat >"$RUN/script" <<SCRIPT
plug a
wait LUKS2 token PIN
type 1357
wait LUKS2 token PIN
pass wrong-pin-asked-again
type $(cat "$RUN/keys/pin")
wait YKBOOT-ROOT /dev/mapper/root
pass pin-typed
absent Please enter passphrase for disk root
SCRIPT
        boot "$RUN/script" "$RUN/root.img"
        ;;
dracut-bench-token)
        # bench/boot: a key present at power-on opens the root through the plugin.
        luks_disk "$RUN/root.img" "$RUN/root" "$RUN/keys" enroll "$RUN/a.state" 4242205
        token a "$RUN/a.state"
        initrd_with_crypttab <<<"root UUID=$(cat "$RUN/keys/uuid") - luks"
        printf 'plug a\nwait YKBOOT-ROOT /dev/mapper/root\nmark root\n' >"$RUN/script"
        boot "$RUN/script" "$RUN/root.img"
        ;;
dracut-bench-keyfile)
        # bench/boot: the same boot with a key file, from the image built without ykunlock.
        "$HERE/dracut-initrd.sh" "$VM/dracut-plain" "$kroot" "$kver" \
                "$YK_BINARY_DIR/initramfs/dracut/91ykunlock" "$YKUNLOCK" "$YK_PLUGIN" --without-ykunlock
        luks_disk "$RUN/root.img" "$RUN/root" "$RUN/keys"
        mkdir -p "$RUN/extra/etc"
        cp "$RUN/keys/passphrase" "$RUN/extra/etc/root.key"
        BASE_INITRD=$VM/dracut-plain/initrd.img initrd_with_crypttab <<<"root UUID=$(cat "$RUN/keys/uuid") /etc/root.key luks"
        printf 'wait YKBOOT-ROOT /dev/mapper/root\nmark root\n' >"$RUN/script"
        boot "$RUN/script" "$RUN/root.img"
        ;;
*)
        echo "unknown boot scenario $1" >&2
        exit 1
        ;;
esac
