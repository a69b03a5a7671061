# Host helpers for the plug-in scenarios under systemd (tests/vm/scenarios/plug-udev*.sh): the
# test machine's kernel boots the Debian root of build-root.sh with systemd as PID 1 and the
# real udev, ykunlock installed into it by `cmake --install`. No LUKS root: a small initrd (the
# test machine's own, whose modules it loads, with another /init) mounts /dev/vdb and hands
# over to systemd. The scenario's guest_main runs from ykvm-root.service (multi-user.target),
# with the work disk /dev/vda mounted on /work by fstab. Source it from host_prepare.
# Environment: YK_SOURCE_DIR, YK_BINARY_DIR, plus run-vm.py's VM_* variables.

. "$VM_LIB/boot-lib.sh"
PLUG_CMDLINE="console=ttyS0 rdinit=/plug-init root=/dev/vdb rw panic=-1 quiet loglevel=3 systemd.show_status=0"

# plug_boot: $VM_RUN_DIR/boot/ (kernel, initrd, command line) and the root disk $VM_DISKS/vdb.img.
plug_boot() {
        boot_kernel
        mkdir -p "$VM_RUN_DIR/boot"
        cp "$BOOT_KROOT/boot/vmlinuz-$BOOT_KVER" "$VM_RUN_DIR/boot/vmlinuz"
        echo "$PLUG_CMDLINE" >"$VM_RUN_DIR/boot/cmdline"
        plug_initrd
        plug_root_disk
}

# The test machine's initrd with another init, /plug-init (rdinit=), that mounts the root and
# runs systemd: an uncompressed cpio archive put ahead of the compressed one (the kernel unpacks
# both; after a zstd archive it would find no next one).
plug_initrd() {
        local d=$VM_RUN_DIR/initrd-add
        rm -rf "$d"
        mkdir -p "$d"
        cat >"$d/plug-init" <<'INIT'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The root has no modules of its own: the ones the machine needs stay loaded from here.
for m in $(cat /etc/ykvm-modules); do modprobe "$m"; done
# A USB gadget on a virtual bus (dummy_hcd), for a key that is a real USB device: configfs,
# udc-core, libcomposite, usb_f_fs, dummy_hcd, in the order of their dependencies.
for m in $(cat /ykvm-gadget/order); do insmod "/ykvm-gadget/$m.ko"; done
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
mkdir -p /root
mount -t ext4 /dev/vdb /root || { echo "YKVM-FAIL boot cannot mount /dev/vdb"; poweroff -f; }
umount /proc /sys
mount --move /dev /root/dev
exec switch_root /root /sbin/init
INIT
        chmod 0755 "$d/plug-init"
        plug_gadget_modules "$d/ykvm-gadget"
        { (cd "$d" && find plug-init ykvm-gadget | cpio -o -H newc --quiet)
          cat "$YK_BINARY_DIR/vm/guest/initrd.img"; } >"$VM_RUN_DIR/boot/initrd.img"
}

# plug_gadget_modules DIR: the modules of a USB gadget bound to dummy_hcd's UDC, from the test
# machine's kernel package, and DIR/order, the order insmod takes them in (the guest initrd's
# modprobe knows only the modules it was built with). A key emulated as a real USB device
# (ykemu --usb-ffs, tests/emulator/ffs.c) uses them.
plug_gadget_modules() {
        local dir=$1 m f
        mkdir -p "$dir"
        for m in configfs udc-core libcomposite usb_f_fs dummy_hcd; do
                f=$(find "$BOOT_KROOT/lib/modules/$BOOT_KVER/kernel" -name "$m.ko" | head -n 1)
                [ -n "$f" ] || boot_die "no module $m in $BOOT_KROOT"
                cp "$f" "$dir/"
                echo "$m" >>"$dir/order"
        done
}

# plug_root_files DIR: what the root gets besides the Debian tree: ykunlock installed by
# `cmake --install` (its rules, units and plugin) and the machine's own settings.
plug_root_files() {
        local add=$1
        rm -rf "$add"
        mkdir -p "$add"
        DESTDIR=$add cmake --install "$YK_BINARY_DIR" >/dev/null || boot_die "cmake --install failed"
        # The root is merged-/usr: /lib is a link there, a directory here would replace it.
        if [ -d "$add/lib" ]; then
                mkdir -p "$add/usr/lib"
                cp -a "$add/lib/." "$add/usr/lib/"
                rm -rf "$add/lib"
        fi
        mkdir -p "$add/etc/ykvm" "$add/work" "$add/etc/ykunlock" "$add/etc/systemd/journald.conf.d" \
                "$add/etc/systemd/system"
        echo '/dev/vdb / ext4 defaults 0 0' >"$add/etc/fstab"
        echo 0123456789abcdef0123456789abcdef >"$add/etc/machine-id"
        echo plug >"$add/etc/ykvm/id"
        # The work disk is mounted here, not by fstab: its device unit waits for udev's coldplug.
        printf '#!/bin/sh\nmount -t ext4 /dev/vda /work && cd /work && exec sh /work/run.sh\n' >"$add/etc/ykvm/run.sh"
        chmod 0755 "$add/etc/ykvm/run.sh"
        plug_trim_boot "$add"
}

# plug_trim_boot DIR: systemd's start costs minutes under a loaded TCG; what the plug-in units
# do not need is masked (they still wait for sysinit.target and basic.target, as on any system:
# journald, udevd and its coldplug, tmpfiles, pcscd's socket stay).
plug_trim_boot() {
        local add=$1 u g
        ln -s /usr/lib/systemd/system/multi-user.target "$add/etc/systemd/system/default.target"
        printf '[Journal]\nStorage=volatile\n' >"$add/etc/systemd/journald.conf.d/ykvm.conf"
        for u in modprobe@.service systemd-sysusers.service systemd-random-seed.service \
                systemd-journal-flush.service systemd-update-utmp.service systemd-sysctl.service \
                systemd-modules-load.service systemd-remount-fs.service systemd-pstore.service \
                systemd-binfmt.service proc-sys-fs-binfmt_misc.automount dev-hugepages.mount \
                dev-mqueue.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
                apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
                fstrim.timer systemd-tmpfiles-clean.timer ssh.service e2scrub_reap.service \
                getty-static.service getty.target dracut-shutdown.service \
                systemd-user-sessions.service; do
                ln -s /dev/null "$add/etc/systemd/system/$u"
        done
        mkdir -p "$add/etc/systemd/system-generators"
        for g in "$BOOT_ROOT_CACHE"/tree/usr/lib/systemd/system-generators/*; do
                [ "${g##*/}" = systemd-fstab-generator ] || ln -s /dev/null "$add/etc/systemd/system-generators/${g##*/}"
        done
}

# The root disk: cached in $YK_BINARY_DIR/vm/plugroot/KEY.img (KEY: the Debian tree and the
# files laid over it), copied for each run since the machine writes to it.
plug_root_disk() {
        local add=$VM_RUN_DIR/root-add key cache t0=$SECONDS
        "$YK_SOURCE_DIR/tests/vm/build-root.sh" tree "$BOOT_ROOT_CACHE" || exit
        plug_root_files "$add"
        key=$( { cat "$BOOT_ROOT_CACHE/key" "$YK_SOURCE_DIR/tests/vm/build-root.sh"
                 (cd "$add" && find . -printf '%p %m %l\n' | LC_ALL=C sort && find . -type f -print0 |
                        LC_ALL=C sort -z | xargs -0 sha256sum); } | sha256sum | cut -c1-16)
        cache=$YK_BINARY_DIR/vm/plugroot/$key.img
        if [ ! -e "$cache" ]; then
                rm -rf "$YK_BINARY_DIR/vm/plugroot"
                mkdir -p "$YK_BINARY_DIR/vm/plugroot"
                "$YK_SOURCE_DIR/tests/vm/build-root.sh" image "$BOOT_ROOT_CACHE" "$cache.new" "$add" || exit
                mv "$cache.new" "$cache"
                echo "plug-lib: root disk $(du -h --apparent-size "$cache" | cut -f1) in $((SECONDS - t0)) s" >&2
        fi
        cp --sparse=always "$cache" "$VM_DISKS/vdb.img"
}
