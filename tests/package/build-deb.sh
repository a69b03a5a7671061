#!/usr/bin/env bash
# Builds the Debian packages the way a user would (dpkg-buildpackage -us -uc -b), from a copy of
# the source tree so that the tree itself stays clean:
#   build-deb.sh SOURCE_DIR OUT_DIR
# OUT_DIR/src is the copy; the .deb, .changes and .buildinfo land in OUT_DIR; the build's
# output goes to OUT_DIR/build.log. The package build runs no tests (nocheck; debian/rules
# also overrides dh_auto_test): ctest runs them in the project's own trees.
set -euo pipefail
src=$1 out=$2

rm -rf "$out"
mkdir -p "$out/src"
# The files of the tree that git knows or would know (tracked and not ignored), so that build
# trees and editor files stay out; a tarball without .git is copied whole.
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -C "$out/src" -xf -
else
  tar -C "$src" --exclude='./build*' -cf - . | tar -C "$out/src" -xf -
fi

cd "$out/src"
if ! DEB_BUILD_OPTIONS="nocheck parallel=${YK_PACKAGE_JOBS:-2}" dpkg-buildpackage -us -uc -b \
    >"$out/build.log" 2>&1; then
  echo "dpkg-buildpackage failed; the end of $out/build.log:" >&2
  tail -n 40 "$out/build.log" >&2
  exit 1
fi
ls "$out"/ykunlock_*.deb "$out"/ykunlock_*.changes >/dev/null
echo "built: $(cd "$out" && ls ./*.deb | tr '\n' ' ')"
