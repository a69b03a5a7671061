#!/bin/bash
# The part of deb-chroot.sh that runs inside the Debian 12 root (files in /out).
set -euo pipefail
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
pass() { echo "PASS: $*"; }

# Every file, link and directory outside the places dpkg and the system write anyway.
snapshot() {
  find / -xdev \( -path /var/lib/dpkg -o -path /var/log -o -path /var/cache -o -path /out \) -prune \
    -o -printf '%y %m %u:%g %p\n' | sort
}
token_open() { cryptsetup open --test-passphrase --token-only /out/vault.img >/tmp/open.log 2>&1; }

snapshot >/tmp/before
token_open && fail "the vault opened by token before the package was installed" ||
  pass "no token plugin before the installation"

# Installing activates the initramfs trigger.
dpkg -i /out/ykunlock_*.deb >/tmp/install.log 2>&1 || { cat /tmp/install.log >&2; fail "dpkg -i"; exit 1; }
grep -q 'Processing triggers for initramfs-tools' /tmp/install.log &&
  pass "installing activates the update-initramfs trigger" ||
  { cat /tmp/install.log >&2; fail "installing did not trigger update-initramfs"; }

want="ykunlock $(cat /out/version)"
got=$(ykunlock --version) || fail "ykunlock --version failed"
[ "$got" = "$want" ] && pass "ykunlock --version: $got" || fail "ykunlock --version said '$got', want '$want'"

# The emulated token in vpcd's first reader of a pcscd of the root's own.
mkdir -p /run/pcscd
pcscd --foreground --config /out/readers >/tmp/pcscd.log 2>&1 &
pcscd_pid=$!
for _ in $(seq 100); do grep -q ':8C7B ' /proc/net/tcp && break; sleep 0.1; done
/out/ykemu --vpcd 127.0.0.1:35963 --state /out/card.json >/tmp/ykemu.log 2>&1 &
ykemu_pid=$!
for _ in $(seq 100); do
  ykunlock token list --json 2>/dev/null | grep -q '"serial"' && break
  sleep 0.1
done
if token_open; then
  pass "cryptsetup open --test-passphrase --token-only through the installed plugin"
else
  cat /tmp/open.log /tmp/ykemu.log /tmp/pcscd.log >&2
  fail "cryptsetup did not open the vault with the token"
fi
kill "$ykemu_pid" "$pcscd_pid" 2>/dev/null || true
wait 2>/dev/null || true

dpkg --purge ykunlock >/tmp/purge.log 2>&1 || { cat /tmp/purge.log >&2; fail "dpkg --purge"; }
dpkg-query -W -f='${db:Status-Status}' ykunlock 2>/dev/null | grep -q installed &&
  fail "ykunlock is still known to dpkg after the purge" || pass "purged"
ls /var/lib/dpkg/info/ykunlock.* >/dev/null 2>&1 && fail "dpkg info files left: $(ls /var/lib/dpkg/info/ykunlock.*)"
snapshot >/tmp/after
if diff -u /tmp/before /tmp/after; then
  pass "nothing left behind after the purge"
else
  fail "the purge left the root different from before the installation (diff above)"
fi
token_open && fail "the vault still opens by token after the purge" || pass "no token plugin after the purge"
exit $((fails > 0))
