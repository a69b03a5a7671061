#!/usr/bin/env bash
# The package in a clean Debian 12 root (tests/vm/build-root.sh, used as a chroot in a private
# overlay: neither the cached root nor the host changes): install it, run `ykunlock --version`,
# open a vault with `cryptsetup open --test-passphrase --token-only` through the installed
# token plugin and an emulated token (ykemu in vpcd's reader of a pcscd inside the root, in a
# private network namespace), purge it, and check that nothing is left behind.
#   deb-chroot.sh OUT_DIR ROOT_CACHE_DIR
# Environment (CTest): YKEMU, VAULT_TOOL, YK_VPCD_DIR, YK_SOURCE_DIR.
set -euo pipefail
out=$1 rootcache=$2
: "${YKEMU:?}" "${VAULT_TOOL:?}" "${YK_VPCD_DIR:?}" "${YK_SOURCE_DIR:?}"
[ "$(id -u)" = 0 ] || { echo "SKIP: the chroot needs root"; exit 77; }
command -v mmdebstrap >/dev/null || [ -d "$rootcache/tree" ] ||
  { echo "SKIP: mmdebstrap is not installed (scripts/test installs it)"; exit 77; }

work=$(mktemp -d /tmp/yk-deb-chroot.XXXXXX)
trap 'rm -rf "$work"' EXIT

# What the root sees at /out: the package, the emulator, vpcd's driver with a reader.conf.d
# that points at it, a programmed card and a vault with that card enrolled.
cp "$out"/ykunlock_*.deb "$work/"
cp "$YKEMU" "$work/ykemu"
mkdir -p "$work/vpcd" "$work/readers"
cp -a "$YK_VPCD_DIR/root" "$work/vpcd/"
driver=$(cd "$work/vpcd/root" && find . -name 'libifdvpcd.so*' -type f | head -n 1)
[ -n "$driver" ] || { echo "FAIL: no vpcd driver in $YK_VPCD_DIR" >&2; exit 1; }
sed "s|^LIBPATH .*|LIBPATH      /out/vpcd/root/${driver#./}|" "$YK_VPCD_DIR/reader.conf.d/vpcd" >"$work/readers/vpcd"
"$VAULT_TOOL" program "$work/card.json" 303132333435363738393a3b3c3d3e3f40414243
"$VAULT_TOOL" create "$work/vault.img" >"$work/vault.rec"
VAULT_TOOL_EMU_STATE=$work/card.json "$VAULT_TOOL" enroll "$work/vault.img" \
  --recovery-key-file "$work/vault.rec" >/dev/null
dpkg-deb -f "$work"/ykunlock_*.deb Version >"$work/version"
cp "$(dirname "$0")/deb-chroot-inside.sh" "$work/inside.sh"

# The root is built (or found in its cache) out here: mmdebstrap needs the network that the
# namespace below takes away.
"$YK_SOURCE_DIR/tests/vm/build-root.sh" tree "$rootcache" >&2

# A private network namespace: pcscd's vpcd ports and the card stay inside.
YKVM_ROOT_BIND=$work unshare --net -- bash -c '
  ip link set lo up
  exec "$1" run "$2" "" /bin/bash /out/inside.sh' bash \
  "$YK_SOURCE_DIR/tests/vm/build-root.sh" "$rootcache"
