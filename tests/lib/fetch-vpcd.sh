#!/usr/bin/env bash
# Extracts vsmartcard's vpcd pcscd driver into DIR (default ./build/vpcd) and writes a
# reader.conf.d that points at it. The package is never installed: installed, it makes the
# system pcscd accept virtual cards from the network on 0.0.0.0:35963 (docs/protocol.md §5).
# Idempotent: does nothing when DIR already holds the driver.
set -euo pipefail
dir=${1:-build/vpcd}
driver=$dir/root/usr/lib/pcsc/drivers/serial/libifdvpcd.so
if [ -e "$driver" ] && [ -e "$dir/reader.conf.d/vpcd" ]; then
  exit 0
fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download vsmartcard-vpcd >/dev/null)
dpkg-deb -x "$tmp"/vsmartcard-vpcd_*.deb "$dir/root"
mkdir -p "$dir/reader.conf.d"
cat > "$dir/reader.conf.d/vpcd" <<CONF
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C7B
LIBPATH      $dir/root/usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    0x8C7B
CONF
