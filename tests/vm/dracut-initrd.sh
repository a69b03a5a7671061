#!/usr/bin/env bash
# Builds a real dracut initrd for the test machine's Debian kernel, with ykunlock's dracut module
# from this build tree (the host's /usr/lib/dracut, /etc and /boot are not touched: dracut reads
# a private copy of its base directory with our module added, and no configuration).
#
#   dracut-initrd.sh OUT_DIR KERNEL_ROOT KVER MODULE_DIR YKUNLOCK PLUGIN [--without-ykunlock]
#
# Writes OUT_DIR/initrd.img, rebuilt only when OUT_DIR/inputs changes (dracut's version, the
# kernel, the module's files, ykunlock and the plugin). --without-ykunlock builds the same image
# without our module (bench/: the size it adds).
set -euo pipefail
[ $# -ge 6 ] || { echo "usage: dracut-initrd.sh OUT_DIR KERNEL_ROOT KVER MODULE_DIR YKUNLOCK PLUGIN [--without-ykunlock]" >&2; exit 1; }
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
KROOT=$(realpath "$2") KVER=$3 MODDIR=$(realpath "$4") BIN=$(realpath "$5") PLUGIN=$(realpath "$6")
WITH=true
[ "${7:-}" = --without-ykunlock ] && WITH=false
command -v dracut >/dev/null || { echo "SKIP: dracut is not installed (Debian package dracut-core)"; exit 77; }

MODULES="systemd systemd-initrd systemd-udevd systemd-journald systemd-ask-password kernel-modules crypt dm rootfs-block udev-rules base fs-lib dracut-systemd qemu"
$WITH && MODULES="$MODULES ykunlock"

inputs() {
        echo "dracut $(dpkg-query -W -f='${Version}' dracut-core 2>/dev/null)"
        echo "kernel $KVER $(sha256sum "$KROOT/boot/vmlinuz-$KVER" | cut -d' ' -f1)"
        echo "modules $MODULES"
        echo "script $(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)"
        if $WITH; then
                (cd "$MODDIR" && sha256sum ./*)
                sha256sum "$BIN" "$PLUGIN" | sed "s|  .*/|  |"
        fi
}

exec 9>"$OUT/.lock"
flock 9
want=$(inputs)
if [ -e "$OUT/initrd.img" ] && [ -e "$OUT/inputs" ] && [ "$(cat "$OUT/inputs")" = "$want" ]; then
        echo "dracut-initrd: up to date"
        exit 0
fi
rm -f "$OUT/inputs"
base=$OUT/base
rm -rf "$base" && mkdir -p "$base/modules.d" "$OUT/no-conf"
for f in /usr/lib/dracut/*; do
        [ "$(basename "$f")" = modules.d ] || ln -s "$f" "$base/"
done
for m in /usr/lib/dracut/modules.d/*; do ln -s "$m" "$base/modules.d/"; done
$WITH && ln -s "$(cd "$MODDIR" && pwd)" "$base/modules.d/91ykunlock"
start=$SECONDS
dracutbasedir=$base YKUNLOCK_DRACUT_BIN=$BIN YKUNLOCK_DRACUT_PLUGIN=$PLUGIN \
        dracut --quiet --conf /dev/null --confdir "$OUT/no-conf" --no-hostonly --no-early-microcode \
        --kver "$KVER" --kmoddir "$KROOT/lib/modules/$KVER" --modules "$MODULES" \
        --compress zstd --force "$OUT/initrd.img.new" >"$OUT/dracut.log" 2>&1 ||
        { tail -n 30 "$OUT/dracut.log" >&2; echo "dracut-initrd: dracut failed" >&2; exit 1; }
mv "$OUT/initrd.img.new" "$OUT/initrd.img"
echo "$want" >"$OUT/inputs"
echo "dracut-initrd: built $(du -h "$OUT/initrd.img" | cut -f1) in $((SECONDS - start)) s"
