#!/usr/bin/env bash
# The include direction of src/: every `#include "DIR/..."` in src/LAYER/ must name LAYER itself
# or a layer that the matrix in docs/architecture.md allows for LAYER. The matrix is read from
# the table between <!-- include-matrix --> and <!-- /include-matrix --> there, so the doc and
# this test cannot drift. A directory of src/ the matrix does not name is an error too.
#   layering.sh ROOT     (ROOT holds src/ and docs/architecture.md)
set -u
root=${1:?usage: layering.sh ROOT}
doc=$root/docs/architecture.md
[ -r "$doc" ] || { echo "layering: cannot read $doc" >&2; exit 2; }

# "layer allowed..." lines: the backticked names of each table row, the first is the layer.
matrix=$(awk '/<!-- include-matrix -->/ { on = 1; next } /<!-- \/include-matrix -->/ { on = 0 }
  on && /^\|/ {
    line = $0; out = ""
    while (match(line, /`[a-z_]+`/)) { out = out substr(line, RSTART + 1, RLENGTH - 2) " "; line = substr(line, RSTART + RLENGTH) }
    if (out != "") print out
  }' "$doc")
[ -n "$matrix" ] || { echo "layering: no include matrix in $doc" >&2; exit 2; }

declare -A allowed=()
while read -r layer rest; do
  allowed[$layer]=" $layer $rest "
done <<<"$matrix"

bad=0
for dir in "$root"/src/*/; do
  layer=$(basename "$dir")
  if [ -z "${allowed[$layer]+x}" ]; then
    echo "layering: src/$layer is not in the include matrix of docs/architecture.md" >&2
    bad=$((bad + 1))
    continue
  fi
  while IFS=: read -r file line text; do
    target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/' <<<"$text")
    case $target in
      */*) to=${target%%/*} ;;
      *) continue ;; # a file of the same directory
    esac
    if [ -z "${allowed[$to]+x}" ]; then
      echo "layering: ${file#"$root"/}:$line includes \"$target\": $to is not a layer of the matrix" >&2
      bad=$((bad + 1))
    elif [[ ${allowed[$layer]} != *" $to "* ]]; then
      echo "layering: ${file#"$root"/}:$line includes \"$target\": $layer may not include $to (docs/architecture.md)" >&2
      bad=$((bad + 1))
    fi
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' --include='*.c' --include='*.h' "$dir")
done
if [ "$bad" -gt 0 ]; then
  echo "layering: $bad include(s) against the allowed direction" >&2
  exit 1
fi
echo "layering: every include of src/ follows the matrix (${#allowed[@]} layers)"
