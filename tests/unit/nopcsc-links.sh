#!/usr/bin/env bash
# nopcsc-links.sh FILE...: none of the ELF files needs libpcsclite (a tree built with
# -DWITH_PCSC=OFF), neither directly (readelf -d) nor through another library (ldd).
set -u
fails=0
for f in "$@"; do
  needed=$(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
  [ -n "$needed" ] || { echo "FAIL: $f: readelf -d shows no NEEDED entry at all"; fails=$((fails + 1)); continue; }
  if printf '%s\n' "$needed" | grep -q pcsclite || ldd "$f" | grep -q pcsclite; then
    echo "FAIL: $f needs libpcsclite"; fails=$((fails + 1))
  else
    echo "ok: $f does not need libpcsclite ($(printf '%s\n' "$needed" | tr '\n' ' '))"
  fi
done
exit $((fails > 0))
