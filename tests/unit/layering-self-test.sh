#!/usr/bin/env bash
# layering.sh must fail on what it is there to catch: a copy of the tree with a planted include
# against the direction (vault/ including cli/), one with a layer the matrix does not name, and
# one with the matrix missing; and pass on the unchanged copy.
set -u
root=${1:?usage: layering-self-test.sh ROOT}
check=$(dirname "$0")/layering.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
expect() { # expect RC PATTERN WHAT -- runs layering.sh on $work/t
  local want=$1 pattern=$2 what=$3 out rc
  out=$(bash "$check" "$work/t" 2>&1)
  rc=$?
  if [ "$rc" != "$want" ] || ! grep -qF -- "$pattern" <<<"$out"; then
    echo "FAIL: $what: exit $rc (want $want), output: $out" >&2
    fails=$((fails + 1))
  else
    echo "ok: $what"
  fi
}
fresh() { rm -rf "$work/t"; mkdir -p "$work/t/docs"; cp -r "$root/src" "$work/t/"; cp "$root/docs/architecture.md" "$work/t/docs/"; }

fresh
expect 0 "every include of src/ follows the matrix" "the tree as it is"
fresh
printf '#include "cli/cli.h"\n' >>"$work/t/src/vault/open.c"
expect 1 'src/vault/open.c:' "vault/ including cli/"
expect 1 'vault may not include cli' "vault/ including cli/: the reason"
fresh
printf '#include "plugin/plugin.h"\n' >>"$work/t/src/cli/main.c"
expect 1 'cli may not include plugin' "cli/ including plugin/"
fresh
printf '  #  include "vault/vault.h"\n' >>"$work/t/src/shared/parse.h"
expect 1 'shared may not include vault' "an indented include in shared/"
fresh
mkdir "$work/t/src/remote" && printf '#include "shared/macros.h"\n' >"$work/t/src/remote/x.c"
expect 1 'src/remote is not in the include matrix' "a layer the matrix does not name"
fresh
sed -i '/<!-- include-matrix -->/,/<!-- \/include-matrix -->/d' "$work/t/docs/architecture.md"
expect 2 'no include matrix' "the matrix removed from the doc"
[ "$fails" -eq 0 ] || exit 1
