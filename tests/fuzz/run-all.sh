#!/usr/bin/env bash
# Runs every libFuzzer target of a FUZZ=ON tree for a bounded time, starting from its seed
# corpus (copied, so that new inputs don't land in the repository).
#   tests/fuzz/run-all.sh BUILD_DIR SECONDS
set -euo pipefail
build=$1 seconds=$2
src=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count=0
for seeds in "$src"/corpus/*/; do
  name=$(basename "$seeds")
  bin=$build/tests/fuzz/$name
  [ -x "$bin" ] || { echo "fuzz target $name was not built" >&2; exit 1; }
  mkdir -p "$work/$name"
  cp -r "$seeds". "$work/$name/"
  echo "fuzz: $name for ${seconds}s"
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
    "$work/$name" >"$work/$name.log" 2>&1 || { tail -n 40 "$work/$name.log" >&2; exit 1; }
  grep -E '^#[0-9]+.*DONE' "$work/$name.log" || tail -n 1 "$work/$name.log"
  count=$((count + 1))
done
[ "$count" -gt 0 ] || { echo "no fuzz targets" >&2; exit 1; }
echo "fuzz: $count targets ran without a finding"
