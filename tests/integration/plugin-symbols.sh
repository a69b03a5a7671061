#!/usr/bin/env bash
# The plugin as a shared object (issue 5): exactly the six ABI functions under the version node
# CRYPTSETUP_TOKEN_1.0 that libcryptsetup's dlvsym() asks for, nothing else exported; no call
# that changes its host process-wide; installed by `cmake --install` into the directory the
# system's cryptsetup reports (checked with DESTDIR, never the real directory).
set -u
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
: "${YK_PLUGIN:?}" "${YK_BINARY_DIR:?}"

expect_eq "$(basename "$YK_PLUGIN")" "libcryptsetup-token-ykunlock.so" "the file name libcryptsetup loads"

want="CRYPTSETUP_TOKEN_1.0
cryptsetup_token_buffer_free@@CRYPTSETUP_TOKEN_1.0
cryptsetup_token_dump@@CRYPTSETUP_TOKEN_1.0
cryptsetup_token_open@@CRYPTSETUP_TOKEN_1.0
cryptsetup_token_open_pin@@CRYPTSETUP_TOKEN_1.0
cryptsetup_token_validate@@CRYPTSETUP_TOKEN_1.0
cryptsetup_token_version@@CRYPTSETUP_TOKEN_1.0"
got=$(nm -D --defined-only "$YK_PLUGIN" | awk '{print $3}' | LC_ALL=C sort)
expect_eq "$got" "$want" "nm -D: exactly the six functions and the version node"

got=$(readelf --dyn-syms --wide "$YK_PLUGIN" | awk '$5 == "GLOBAL" && $7 != "UND" {print $8}' | LC_ALL=C sort)
expect_eq "$got" "$want" "readelf --dyn-syms: the same, each versioned"
readelf -V "$YK_PLUGIN" | grep -q 'Name: CRYPTSETUP_TOKEN_1.0' && pass "version definition CRYPTSETUP_TOKEN_1.0" ||
  fail "no version definition CRYPTSETUP_TOKEN_1.0"

# Nothing that changes the host: no signal handlers, prctl, rlimits, exit hooks, environment.
bad=$(nm -D --undefined-only "$YK_PLUGIN" | awk '{print $2}' | sed 's/@.*//' |
  grep -xE 'signal|sigaction|sigprocmask|prctl|setrlimit|atexit|setenv|putenv|unsetenv|umask|crypt_set_debug_level|crypt_token_external_disable' || true)
expect_eq "$bad" "" "no process-wide calls imported"

# The whole unlock path runs here: libcryptsetup, json-c, PC/SC, OpenSSL; libykpers stays out.
needed=$(readelf -d "$YK_PLUGIN" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
printf '%s\n' "$needed" | grep -q ykpers && fail "libykpers is linked: $needed" || pass "libykpers not needed"

# cmake --install puts it where the stock cryptsetup looks.
sysdir=$(cryptsetup --help | sed -n 's/^LUKS2 external token plugin path: \(.*\)\.$/\1/p')
dest=$(mktemp -d /tmp/plugin-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest run cmake --install "$YK_BINARY_DIR" --component plugin
expect_rc 0 "cmake --install --component plugin"
[ -n "$sysdir" ] && [ -f "$dest$sysdir/libcryptsetup-token-ykunlock.so" ] &&
  pass "installed into $sysdir" || fail "not in $dest$sysdir: $(find "$dest" -type f)"
cmp -s "$YK_PLUGIN" "$dest$sysdir/libcryptsetup-token-ykunlock.so" && pass "the built plugin" || fail "a different file"
expect_eq "$(find "$dest" -type f | wc -l)" 1 "the component holds the plugin alone"
finish
