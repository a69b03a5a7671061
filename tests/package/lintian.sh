#!/usr/bin/env bash
# lintian on the packages that build-deb.sh made: no error and no warning. An override is
# accepted only with a comment above it that says why.
#   lintian.sh SOURCE_DIR OUT_DIR
set -euo pipefail
src=$1 out=$2
fail=0

# Every override line has its reason on the comment line(s) just above it.
for f in "$src"/debian/*.lintian-overrides "$src"/debian/source/lintian-overrides; do
  [ -e "$f" ] || continue
  awk -v f="$f" '
    /^[[:space:]]*#/ { reason = 1; next }
    /^[[:space:]]*$/ { reason = 0; next }
    { if (!reason) { printf "FAIL: %s: override without a reason: %s\n", f, $0; bad = 1 } }
    END { exit bad }' "$f" || fail=1
done

changes=$(ls "$out"/ykunlock_*.changes)
# --fail-on makes warnings fatal too; the tags are printed either way.
tags=$(lintian --fail-on error,warning --display-level '>=warning' "$changes" 2>&1) || {
  echo "FAIL: lintian reports errors or warnings:" >&2
  echo "$tags" >&2
  fail=1
}
[ -z "$tags" ] || echo "$tags"
[ "$fail" = 0 ] && echo "PASS: lintian is clean on $(basename "$changes")"
exit "$fail"
