#!/usr/bin/env bash
# Honest messages after a partial failure: every header write of `enroll --replace` and of
# `unenroll --serial` (two enrollments) fails in turn with EIO (strace fault injection; the
# header is written with write(2) after lseek). After each failure the header is read again:
# "nothing was changed" is said only when `list` shows the header as it was, and otherwise
# every change is named (what is bound now, what is pending and the command that removes it).
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
command -v strace >/dev/null || { echo "SKIP: strace is not installed"; exit 77; }
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
BASE=$D/base.img

plug a 35963 10000001
program 35963 "$SECRET_A"
make_vault "$BASE" --no-enroll
"$YKUNLOCK" enroll "$BASE" --recovery-key-file "$BASE.key" >/dev/null 2>&1 || world_die "enroll"
"$YKUNLOCK" enroll "$BASE" --slot 2 --replace --recovery-key-file "$BASE.key" >/dev/null 2>&1 || world_die "enroll again"
BEFORE=$("$YKUNLOCK" list "$BASE" --json)

# eio N CMD...: runs CMD with its Nth write(2) failing with EIO; $OUT/$ERR/$RC as run does.
eio() {
  local n=$1
  shift
  # LeakSanitizer cannot run under ptrace: in the sanitizer tree it would end a command that
  # succeeded with its own fatal error. The other checks of ASan and UBSan stay on.
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
    run strace -f -qq -o /dev/null -e trace=write -e inject=write:error=EIO:when="$n" "$@"
}

check() { # check WHAT IMG: the message matches what list shows
  local what=$1 img=$2 now
  now=$("$YKUNLOCK" list "$img" --json)
  if printf '%s' "$ERR" | grep -q 'nothing was changed'; then
    [ "$now" = "$BEFORE" ] && pass "$what: nothing was changed, and list agrees" ||
      fail "$what: says nothing was changed, but the header changed: $now"
  else
    [ "$now" != "$BEFORE" ] && pass "$what: the header changed, and it says so" ||
      fail "$what: the header is unchanged, but it does not say so: $ERR"
    printf '%s' "$now" | grep -q '"pending"' && { printf '%s' "$ERR" | grep -q 'is pending.*--keyslot [0-9]* removes it' ||
      fail "$what: a pending keyslot is left and the message does not name it: $ERR"; }
    printf '%s' "$ERR" | grep -q '^ykunlock: now: \|^ykunlock: gone: ' || fail "$what: no state lines: $ERR"
  fi
  # the recovery key still opens it, whatever happened
  "$YKUNLOCK" open "$img" --test --recovery-key-file "$BASE.key" >/dev/null 2>&1 || fail "$what: the recovery key no longer opens it"
}

for verb in replace unenroll; do
  changed=0 failed=0
  for n in $(seq 1 14); do
    img=$D/$verb-$n.img
    cp --sparse=always "$BASE" "$img"
    if [ $verb = replace ]; then
      eio "$n" "$YKUNLOCK" enroll "$img" --replace --recovery-key-file "$BASE.key"
    else
      eio "$n" "$YKUNLOCK" unenroll "$img" --serial 10000001
    fi
    [ "$RC" = 0 ] && continue
    failed=$((failed + 1))
    printf '%s' "$ERR" | grep -q 'nothing was changed' || changed=$((changed + 1))
    check "$verb, write $n fails" "$img"
  done
  [ "$failed" -gt 2 ] && pass "$verb: $failed write failures injected" || fail "$verb: only $failed failures happened"
  [ "$changed" -gt 0 ] && pass "$verb: $changed of them after a change was written" ||
    fail "$verb: no failure after a change was written (the injection missed the later writes)"
done
finish
