#!/usr/bin/env bash
# Crash safety of enroll and unenroll (issue 3, §3): the process is killed at every write to the
# image (tests/lib/crash-shim.c), whole or torn in half. After each kill the recovery key still
# opens the vault (our code and stock cryptsetup), and list shows the old state, the new one, or
# a pending keyslot / stale pending token that `unenroll --keyslot` removes.
# The token is the emulated card in process (VAULT_TOOL_EMU_STATE): no PC/SC world is needed.
set -uo pipefail
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
: "${VAULT_TOOL:?}" "${CRASH_SHIM:?}"

dir=$(mktemp -d /tmp/vault-crash.XXXXXX)
trap 'rm -rf "$dir"' EXIT
export VAULT_TOOL_EMU_STATE=$dir/card.state
tool() { "$VAULT_TOOL" "$@"; }

preload=$CRASH_SHIM
if [ "${YK_SANITIZE:-0}" = 1 ]; then
  preload="$(gcc -print-file-name=libasan.so):$CRASH_SHIM" # the ASan runtime must come first
fi

tool program "$dir/card.state" 303132333435363738393a3b3c3d3e3f40414243 || exit 1
tool create "$dir/base.img" >"$dir/rec.b64" || exit 1
cp --sparse=always "$dir/base.img" "$dir/enrolled.img"
tool enroll "$dir/enrolled.img" --recovery-key-file "$dir/rec.b64" >/dev/null || exit 1
OLD="recovery keyslot=0 token=0"

# The recovery key opens the vault: ours, and stock cryptsetup as the seed did it.
check_recovery() {
  local img=$1 what=$2
  tool check-recovery "$img" "$dir/rec.b64" >/dev/null 2>&1 || fail "$what: recovery key does not open (vault-tool)"
  cryptsetup open --test-passphrase --disable-external-tokens "$img" <"$dir/rec.b64" >/dev/null 2>&1 ||
    fail "$what: recovery key does not open (cryptsetup)"
}

# Classifies the state after a kill and cleans a pending leftover: sets SETTLED to
# old|new|cleaned|bad. Not called in a subshell, so that its fail() calls are counted.
settle() {
  local img=$1 what=$2 state k
  SETTLED=bad
  state=$(tool list "$img" 2>&1) || { fail "$what: list failed: $state"; return; }
  if [ "$state" = "$OLD" ]; then SETTLED=old; return; fi
  if printf '%s\n' "$state" | sed -n 2p | grep -qE '^token keyslot=[0-9]+ token=[0-9]+ serial=10000001$' &&
     [ "$(printf '%s\n' "$state" | wc -l)" = 2 ]; then
    tool open "$img" >/dev/null 2>&1 || { fail "$what: the new token does not open"; return; }
    SETTLED=new; return
  fi
  k=$(printf '%s\n' "$state" | sed -n 's/^\(pending\|stale-pending\) .*pending-keyslot=\([0-9]*\)$/\2/p')
  if [ -n "$k" ] && [ "$(printf '%s\n' "$state" | wc -l)" = 2 ]; then
    local out
    out=$(tool unenroll "$img" --keyslot "$k" 2>&1) || { fail "$what: unenroll --keyslot $k failed: $out"; return; }
    [ "$(tool list "$img")" = "$OLD" ] || { fail "$what: after unenroll --keyslot $k: $(tool list "$img")"; return; }
    SETTLED=cleaned; return
  fi
  fail "$what: unexpected state: $state"
}

# crash_loop NAME BASE_IMAGE TORN COMMAND...: kill at write 1, 2, ... until the command completes.
crash_loop() {
  local name=$1 base=$2 torn=$3 n rc
  shift 3
  declare -A seen=()
  for n in $(seq 1 200); do
    cp --sparse=always "$base" "$dir/w.img"
    CRASH_SHIM_PATH=$dir/w.img CRASH_SHIM_AT=$n CRASH_SHIM_TORN=$torn LD_PRELOAD=$preload \
      "$VAULT_TOOL" "$@" "$dir/w.img" "${EXTRA[@]}" >/dev/null 2>"$dir/err"
    rc=$?
    check_recovery "$dir/w.img" "$name, killed at write $n"
    if [ "$rc" = 0 ]; then
      pass "$name: completes after $((n - 1)) writes, each one killed once"
      break
    fi
    [ "$rc" = 137 ] || fail "$name at write $n: exit $rc, not killed: $(cat "$dir/err")"
    settle "$dir/w.img" "$name, killed at write $n"
    seen[$SETTLED]=1
  done
  [ "$rc" = 0 ] || fail "$name: still killed after 200 writes"
  echo "$name: outcomes after a kill: ${!seen[*]}"
  [ -n "${seen[cleaned]:-}" ] || fail "$name: no kill left a pending keyslot: the shim counted nothing?"
}

for torn in 0 1; do
  EXTRA=(--recovery-key-file "$dir/rec.b64")
  crash_loop "enroll (torn=$torn)" "$dir/base.img" $torn enroll
  [ "$(tool list "$dir/w.img" | sed -n 2p | cut -d' ' -f1)" = token ] || fail "enroll (torn=$torn): not enrolled at the end"
  EXTRA=(--serial 10000001)
  crash_loop "unenroll (torn=$torn)" "$dir/enrolled.img" $torn unenroll
  [ "$(tool list "$dir/w.img")" = "$OLD" ] || fail "unenroll (torn=$torn): still enrolled at the end"
done
finish
