#!/usr/bin/env bash
# `cmake --install --prefix /usr` installs the same files as the package, so that other
# distributions can package ykunlock from the install rules alone; and the package carries the
# program's version.
#   install-tree.sh BUILD_DIR OUT_DIR      (BUILD_DIR: a configured and built tree)
set -euo pipefail
build=$1 out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

deb=$(ls "$out"/ykunlock_*.deb)
# Files and links of the package, without what only Debian adds (changelog, copyright, lintian
# overrides) and with the manual pages as installed, before dh_compress gzipped them.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { p = $6; sub(/^\./, "", p); print p }' |
  grep -v -e '^/usr/share/doc/ykunlock/' -e '^/usr/share/lintian/overrides/ykunlock$' |
  sed -E 's|^(/usr/share/man/.*)\.gz$|\1|' | sort >"$tmp/deb.list"

DESTDIR=$tmp/root cmake --install "$build" --prefix /usr >"$tmp/install.log"
(cd "$tmp/root" && find . ! -type d | sed 's/^\.//' | sort) >"$tmp/cmake.list"

if ! diff -u --label package "$tmp/deb.list" --label "cmake --install" "$tmp/cmake.list"; then
  echo "FAIL: the package and cmake --install --prefix /usr install different files" >&2
  exit 1
fi
[ -s "$tmp/deb.list" ] || { echo "FAIL: empty file list" >&2; exit 1; }
# The pages and the completion that tools/docgen generates are among them.
for f in /usr/share/man/man1/ykunlock.1 /usr/share/man/man5/ykunlock-token.5 /usr/share/man/man5/ykunlock-vaults.5 \
    /usr/share/bash-completion/completions/ykunlock; do
  grep -qxF "$f" "$tmp/cmake.list" || { echo "FAIL: $f is not installed" >&2; exit 1; }
done
echo "PASS: the package and cmake --install install the same $(wc -l <"$tmp/deb.list") files"

# debian/changelog names the version that project() in CMakeLists.txt gives the program.
want=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
got=$(dpkg-deb -f "$deb" Version)
if [ "$got" != "$want" ]; then
  echo "FAIL: the package is version $got (debian/changelog), the program $want (CMakeLists.txt)" >&2
  exit 1
fi
echo "PASS: the package's version is the program's ($got)"
