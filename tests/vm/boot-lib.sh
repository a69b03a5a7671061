# Host helpers for the boot scenarios (tests/vm/scenarios/boot-*.sh): a real initrd built by the
# real mkinitramfs inside the Debian root of build-root.sh, for the test machine's kernel, and a
# LUKS2 root disk made from that root, enrolled by ykunlock. Source it from host_prepare.
# Environment: YK_SOURCE_DIR, YK_BINARY_DIR, YKUNLOCK, plus run-vm.py's VM_* variables.

BOOT_ROOT_CACHE=$YK_BINARY_DIR/vm/root
# init=ykvm-root: the marker comes from the real root as soon as the initrd switched to it;
# systemd's own start adds minutes under TCG on a loaded machine and is not what is tested here.
BOOT_KERNEL_CMDLINE="console=ttyS0 root=/dev/mapper/root rw panic=-1 quiet loglevel=3 init=/usr/local/sbin/ykvm-root"
# The modules the initrd needs in the test machine: MODULES=list builds in seconds. cryptroot's
# hook cannot read the cipher of a disk that is not there, so dm-crypt's ciphers are listed too.
BOOT_MODULES="virtio_pci virtio_blk ext4 crc32c_generic dm_mod dm_crypt xts ecb aes_generic
algif_skcipher algif_hash xhci_pci xhci_hcd usbhid hid_generic"

boot_die() { echo "boot-lib: $*" >&2; exit 1; }

# The test machine's kernel, extracted by build-guest.sh (the vm_guest fixture).
boot_kernel() {
        BOOT_KROOT=$(ls -d "$YK_BINARY_DIR"/vm/guest/roots/linux-image-* 2>/dev/null | head -n 1)
        [ -n "$BOOT_KROOT" ] || boot_die "no guest kernel in $YK_BINARY_DIR/vm/guest (run the vm_guest test)"
        BOOT_KVER=${BOOT_KROOT##*/linux-image-}
}

# boot_expect PATTERN ACTION [ARGS...]: a console rule for run-vm.py.
boot_expect() {
        local pattern=$1
        shift
        printf '%s\t%s\n' "$pattern" "$*" >>"$VM_RUN_DIR/expect"
}

# boot_initramfs_tools CRYPTTAB_LINE: $VM_RUN_DIR/boot/ with the kernel, an initrd made by
# mkinitramfs in the Debian root with ykunlock's hook and scripts, and the command line. The
# initrd is cached in $YK_BINARY_DIR/vm/initrd/HASH (of its inputs): mkinitramfs takes minutes
# on a loaded machine.
boot_initramfs_tools() {
        local crypttab=$1 add=$VM_RUN_DIR/initrd-add it=$YK_SOURCE_DIR/initramfs/initramfs-tools t0=$SECONDS
        local key cache
        boot_kernel
        "$YK_SOURCE_DIR/tests/vm/build-root.sh" tree "$BOOT_ROOT_CACHE" || exit
        mkdir -p "$VM_RUN_DIR/boot"
        cp "$BOOT_KROOT/boot/vmlinuz-$BOOT_KVER" "$VM_RUN_DIR/boot/vmlinuz"
        echo "$BOOT_KERNEL_CMDLINE" >"$VM_RUN_DIR/boot/cmdline"
        key=$( { echo "$crypttab $BOOT_KVER $BOOT_MODULES ${BOOT_WITHOUT_YKUNLOCK:-}"; cat "$BOOT_ROOT_CACHE/key" "$YKUNLOCK" \
                "$YK_BINARY_DIR/initramfs/initramfs-tools/hooks/ykunlock" "$it"/scripts/*/ykunlock \
                "$it/ykunlock-boot" "$it/keyscript/ykunlock"
                [ -z "${BOOT_INITRD_EXTRA:-}" ] || (cd "$BOOT_INITRD_EXTRA" && find . -type f | LC_ALL=C sort | xargs cat); } |
                sha256sum | cut -c1-16)
        cache=$YK_BINARY_DIR/vm/initrd/$key
        if [ -e "$cache/initrd.img" ]; then
                cp "$cache/initrd.img" "$VM_RUN_DIR/boot/initrd.img"
                echo "boot-lib: initrd from the cache ($cache)" >&2
                return 0
        fi
        rm -rf "$add"
        mkdir -p "$add/etc/initramfs-tools/hooks" "$add/etc/initramfs-tools/scripts/init-premount" \
                "$add/etc/initramfs-tools/scripts/local-bottom" "$add/usr/local/bin" \
                "$add/usr/local/share/ykunlock/initramfs" "$add/usr/lib/cryptsetup/scripts" "$add/boot" \
                "$VM_RUN_DIR/boot"
        # As `cmake --install` puts them with the default prefix (hook configured for /usr/local);
        # BOOT_WITHOUT_YKUNLOCK=1: the same image without them (bench/boot: the size they add).
        if [ -z "${BOOT_WITHOUT_YKUNLOCK:-}" ]; then
                install -m 0755 "$YKUNLOCK" "$add/usr/local/bin/ykunlock"
                install -m 0755 "$YK_BINARY_DIR/initramfs/initramfs-tools/hooks/ykunlock" "$add/etc/initramfs-tools/hooks/"
                install -m 0755 "$it/scripts/init-premount/ykunlock" "$add/etc/initramfs-tools/scripts/init-premount/"
                install -m 0755 "$it/scripts/local-bottom/ykunlock" "$add/etc/initramfs-tools/scripts/local-bottom/"
                install -m 0755 "$it/ykunlock-boot" "$add/usr/local/share/ykunlock/initramfs/"
                install -m 0755 "$it/keyscript/ykunlock" "$add/usr/lib/cryptsetup/scripts/"
        fi
        [ -z "${BOOT_INITRD_EXTRA:-}" ] || cp -a "$BOOT_INITRD_EXTRA/." "$add/"
        printf '%s\n' "$crypttab" >"$add/etc/crypttab"
        printf 'MODULES=list\nBUSYBOX=y\nCOMPRESS=zstd\n' >"$add/etc/initramfs-tools/initramfs.conf"
        printf '%s\n' $BOOT_MODULES >"$add/etc/initramfs-tools/modules"
        cp "$BOOT_KROOT/boot/config-$BOOT_KVER" "$BOOT_KROOT/boot/System.map-$BOOT_KVER" "$add/boot/"
        YKVM_ROOT_BIND=$VM_RUN_DIR/boot YKVM_ROOT_MODULES=$BOOT_KROOT/lib/modules \
                "$YK_SOURCE_DIR/tests/vm/build-root.sh" run "$BOOT_ROOT_CACHE" "$add" \
                mkinitramfs -o /out/initrd.img "$BOOT_KVER" >"$VM_RUN_DIR/mkinitramfs.log" 2>&1 ||
                boot_die "mkinitramfs failed: $(tail -n 5 "$VM_RUN_DIR/mkinitramfs.log")"
        mkdir -p "$cache"
        cp "$VM_RUN_DIR/boot/initrd.img" "$cache/initrd.img"
        echo "boot-lib: initrd $(du -h "$VM_RUN_DIR/boot/initrd.img" | cut -f1) in $((SECONDS - t0)) s" >&2
}

# boot_initrd_prepend DIR: the files of DIR (a run's own, e.g. a token's state) in an
# uncompressed cpio ahead of the initrd; the kernel unpacks both (after the compressed image it
# would not find it).
boot_initrd_prepend() {
        local img=$VM_RUN_DIR/boot/initrd.img
        (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$img.new"
        cat "$img" >>"$img.new"
        mv "$img.new" "$img"
}

# boot_root_disk: $VM_DISKS/vdb.img, the Debian root encrypted with LUKS2 (pbkdf2, few
# iterations) whose keyslot 0 is a ykunlock recovery key ($VM_RUN_DIR/recovery.txt, base64). The
# real root prints "YKVM-PASS root-opened" from /etc/ykvm/run.sh. Encrypted offline by
# `cryptsetup reencrypt --encrypt` (no device-mapper on the host).
boot_root_disk() {
        local add=$VM_RUN_DIR/root-add img=$VM_DISKS/vdb.img t0=$SECONDS cache
        # Cached without tokens (build/vm/rootdisk/KEY): the image and encryption take a minute.
        cache=$YK_BINARY_DIR/vm/rootdisk/$( { cat "$BOOT_ROOT_CACHE/key" "$YK_SOURCE_DIR/tests/vm/build-root.sh"; declare -f boot_root_disk boot_encrypt; } |
                sha256sum | cut -c1-16)
        if [ -e "$cache/vdb.img" ]; then
                cp --sparse=always "$cache/vdb.img" "$img"
                cp "$cache/recovery.bin" "$cache/recovery.txt" "$VM_RUN_DIR/"
                echo "boot-lib: root disk from the cache ($cache)" >&2
                return 0
        fi
        rm -rf "$add"
        mkdir -p "$add/etc/ykvm"
        printf '#!/bin/sh\necho "YKVM-PASS root-opened"\n' >"$add/etc/ykvm/run.sh"
        chmod 0755 "$add/etc/ykvm/run.sh"
        "$YK_SOURCE_DIR/tests/vm/build-root.sh" image "$BOOT_ROOT_CACHE" "$img" "$add" || exit
        boot_encrypt "$img"
        mkdir -p "$cache"
        cp --sparse=always "$img" "$cache/vdb.img"
        cp "$VM_RUN_DIR/recovery.bin" "$VM_RUN_DIR/recovery.txt" "$cache/"
        echo "boot-lib: root disk $(du -h --apparent-size "$img" | cut -f1) in $((SECONDS - t0)) s" >&2
}

boot_encrypt() {
        local img=$1
        head -c 32 /dev/urandom >"$VM_RUN_DIR/recovery.bin"
        base64 -w0 "$VM_RUN_DIR/recovery.bin" >"$VM_RUN_DIR/recovery.txt"
        echo >>"$VM_RUN_DIR/recovery.txt"
        truncate -s +16M "$img"
        cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 16M --pbkdf pbkdf2 \
                --pbkdf-force-iterations 1000 --key-file "$VM_RUN_DIR/recovery.bin" -q "$img" ||
                boot_die "cannot encrypt the root disk"
        # Mark keyslot 0 as ykunlock's recovery key (docs/token-format.md).
        printf '{"type":"ykunlock-recovery","keyslots":["0"],"version":1,"created":"2026-01-01T00:00:00Z"}' \
                >"$VM_RUN_DIR/recovery.json"
        cryptsetup token import --json-file "$VM_RUN_DIR/recovery.json" "$img" || boot_die "token import failed"
}

# boot_enroll NAME SERIAL SECRET_HEX [enroll options]: token NAME (vm_token) programmed with
# SECRET_HEX and enrolled in the root disk, on the host.
boot_enroll() {
        local name=$1 serial=$2 secret=$3
        shift 3
        bash "$YK_SOURCE_DIR/tests/vm/boot-enroll.sh" "$VM_DISKS/vdb.img" "$VM_RUN_DIR/recovery.txt" \
                "$VM_RUN_DIR/$name.state" "$serial" "$secret" "$@" || boot_die "cannot enroll token $name"
}

# boot_program NAME SERIAL SECRET_HEX: token NAME programmed, not enrolled.
boot_program() {
        bash "$YK_SOURCE_DIR/tests/vm/boot-enroll.sh" - - "$VM_RUN_DIR/$1.state" "$2" "$3" ||
                boot_die "cannot program token $1"
}

# boot_data_disk NAME: $VM_DISKS/NAME.img, a second LUKS2 volume (small, ext4) whose keyslot 0 is
# a ykunlock recovery key ($VM_RUN_DIR/NAME-recovery.txt); enroll with boot_enroll_in.
boot_data_disk() {
        local name=$1 img=$VM_DISKS/$1.img
        head -c 32 /dev/urandom >"$VM_RUN_DIR/$name-recovery.bin"
        { base64 -w0 "$VM_RUN_DIR/$name-recovery.bin"; echo; } >"$VM_RUN_DIR/$name-recovery.txt"
        rm -f "$img" && truncate -s 8M "$img"
        mke2fs -q -t ext4 -L "$name" "$img"
        truncate -s +16M "$img"
        cryptsetup reencrypt --encrypt --type luks2 --reduce-device-size 16M --pbkdf pbkdf2 \
                --pbkdf-force-iterations 1000 --key-file "$VM_RUN_DIR/$name-recovery.bin" -q "$img" ||
                boot_die "cannot encrypt $img"
        printf '{"type":"ykunlock-recovery","keyslots":["0"],"version":1,"created":"2026-01-01T00:00:00Z"}' \
                >"$VM_RUN_DIR/$name-recovery.json"
        cryptsetup token import --json-file "$VM_RUN_DIR/$name-recovery.json" "$img" || boot_die "token import failed"
}

# boot_enroll_in DISK TOKEN SERIAL SECRET_HEX [enroll options]: like boot_enroll, into the disk
# of boot_data_disk DISK.
boot_enroll_in() {
        local disk=$1 name=$2 serial=$3 secret=$4
        shift 4
        bash "$YK_SOURCE_DIR/tests/vm/boot-enroll.sh" "$VM_DISKS/$disk.img" "$VM_RUN_DIR/$disk-recovery.txt" \
                "$VM_RUN_DIR/$name.state" "$serial" "$secret" "$@" || boot_die "cannot enroll token $name in $disk"
}
