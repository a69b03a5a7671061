#!/usr/bin/env bash
# The prompts, driven through a pseudo-terminal with expect: the new PIN asked twice (echo off)
# at enroll, the PIN asked at open, the recovery key asked when no token comes, the progress bar
# of --fill on a terminal, the refusal of two different PINs, and a signal at an echo-off prompt.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
command -v expect >/dev/null || { echo "SKIP: expect is not installed"; exit 77; }
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
IMAGE=$D/v.img

plug a 35963 1001
program 35963 "$SECRET_A"
make_vault "$IMAGE" --no-enroll
export YKUNLOCK IMAGE D

# pty SCRIPT: runs an expect script; its output in $OUT, its exit in $RC.
pty() {
  OUT=$(expect -c "set timeout 20; $1" 2>&1)
  RC=$?
}

# ---- enroll --pin: asked twice, echo off; two different PINs are refused ----
pty 'spawn $env(YKUNLOCK) enroll $env(IMAGE) --pin --pbkdf-memory 32 --iter-time 1 --recovery-key-file $env(IMAGE).key
     expect "New token PIN: " { send "1357\r" } timeout { exit 90 }
     expect "Enter it again: " { send "1358\r" } timeout { exit 91 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 1 "two different PINs"
printf '%s' "$OUT" | grep -q 'ykunlock: the two PINs differ' && pass "two different PINs: message" || fail "no message: $OUT"
printf '%s' "$OUT" | grep -q 1357 && fail "the PIN was echoed: $OUT" || pass "the PIN is not echoed"

pty 'spawn $env(YKUNLOCK) enroll $env(IMAGE) --pin --pbkdf-memory 32 --iter-time 1 --recovery-key-file $env(IMAGE).key
     expect "New token PIN: " { send "1357\r" } timeout { exit 90 }
     expect "Enter it again: " { send "1357\r" } timeout { exit 91 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 0 "enroll --pin at a terminal"
printf '%s' "$OUT" | grep -q 'enrolled token 1001 (slot 2, PIN) in v.img' && pass "enrolled with the PIN" || fail "enroll: $OUT"
printf '%s' "$OUT" | grep -q 1357 && fail "the PIN was echoed: $OUT" || pass "the PIN is not echoed"

# the PIN typed at the prompt is the one a --pin-file holds (with its newline stripped)
printf '1357\n' >"$D/pin"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0 --pin-file "$D/pin"
expect_rc 0 "the PIN typed at enroll opens from a --pin-file"

# ---- open asks for the PIN at a terminal ----
pty 'spawn $env(YKUNLOCK) open $env(IMAGE) --test --timeout 0
     expect "Enter token PIN: " { send "1357\r" } timeout { exit 90 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 0 "open asks for the PIN"
printf '%s' "$OUT" | grep -q 'v.img opens with token 1001' && pass "opened with the typed PIN" || fail "open: $OUT"
# a wrong PIN is asked again (the chain's retry rule, like cryptsetup --tries), with one touch
pty 'spawn $env(YKUNLOCK) open $env(IMAGE) --test --timeout 0
     expect "Enter token PIN: " { send "0000\r" } timeout { exit 90 }
     expect "Wrong PIN for the token enrolled in v.img; try again." {} timeout { exit 91 }
     expect "Enter token PIN: " { send "1357\r" } timeout { exit 92 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 0 "a wrong PIN, then the right one"
printf '%s' "$OUT" | grep -q 'v.img opens with token 1001' && pass "opened at the second PIN" || fail "open: $OUT"
pty 'spawn $env(YKUNLOCK) open $env(IMAGE) --test --timeout 0
     expect "Enter token PIN: " { send "0000\r" } timeout { exit 90 }
     expect "Enter token PIN: " { send "0001\r" } timeout { exit 91 }
     expect "Enter token PIN: " { send "0002\r" } timeout { exit 92 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 2 "a wrong PIN typed three times"
printf '%s' "$OUT" | grep -q 'ykunlock: wrong PIN for the token enrolled in v.img' && pass "wrong PIN typed: message" || fail "$OUT"
[ "$(printf '%s' "$OUT" | grep -c 'Enter token PIN: ')" = 3 ] && pass "the PIN was asked 3 times, no more" || fail "$OUT"

# ---- no token: open asks for the recovery key at a terminal ----
world_stop_token a
pty 'spawn $env(YKUNLOCK) open $env(IMAGE) --test --timeout 0
     expect "Enter the recovery key or a passphrase of v.img: " { send "[exec cat $env(IMAGE).key]\r" } timeout { exit 90 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 0 "the recovery key typed when no token comes"
printf '%s' "$OUT" | grep -q 'v.img opens with keyslot 0' && pass "opened with the typed recovery key" || fail "$OUT"
# whitespace around a typed recovery key is not part of it
pty 'spawn $env(YKUNLOCK) open $env(IMAGE) --test --timeout 0
     expect "Enter the recovery key or a passphrase of v.img: " { send "  [exec cat $env(IMAGE).key] \t \r" } timeout { exit 90 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 0 "the recovery key typed with spaces around it"
printf '%s' "$OUT" | grep -q 'v.img opens with keyslot 0' && pass "opened with the key and its spaces" || fail "$OUT"
# a wrong one is asked again, up to 3 times
pty 'spawn $env(YKUNLOCK) open $env(IMAGE) --test --timeout 0
     expect "Enter the recovery key or a passphrase of v.img: " { send "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r" } timeout { exit 90 }
     expect "try again." {} timeout { exit 91 }
     expect "Enter the recovery key or a passphrase of v.img: " { send "[exec cat $env(IMAGE).key] \r" } timeout { exit 92 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 0 "a wrong recovery key, then the right one"
pty 'spawn $env(YKUNLOCK) open $env(IMAGE) --test --timeout 0
     expect "Enter the recovery key or a passphrase of v.img: " { send "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\r" } timeout { exit 90 }
     expect "Enter the recovery key or a passphrase of v.img: " { send "not it\r" } timeout { exit 91 }
     expect "Enter the recovery key or a passphrase of v.img: " { send "nor this\r" } timeout { exit 92 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 2 "a wrong recovery key typed three times"
printf '%s' "$OUT" | grep -q 'ykunlock: what was typed is neither the recovery key nor a passphrase of v.img (asked 3 times)' && pass "wrong key typed: message" || fail "$OUT"

# ---- a signal at an echo-off prompt: echo is restored, then the signal re-raised (128+n) ----
for sig in INT:130 TERM:143 HUP:129; do
  export SIG=${sig%:*}
  pty 'spawn sh -c "\"$env(YKUNLOCK)\" open \"$env(IMAGE)\" --test --timeout 0; echo RC=\$?; stty -a"
       expect "Enter the recovery key or a passphrase of v.img: " {} timeout { exit 90 }
       exec kill -$env(SIG) [exec pgrep -P [exp_pid]]
       expect "RC=" {} timeout { exit 91 }
       expect eof; catch wait r; exit [lindex $r 3]'
  expect_rc 0 "SIG$SIG at the prompt (the shell around it)"
  printf '%s' "$OUT" | grep -q "RC=${sig#*:}" && pass "SIG$SIG at the prompt: re-raised, exit ${sig#*:}" || fail "SIG$SIG: $OUT"
  printf '%s' "$OUT" | grep -qE '(^|[[:space:]])echo([[:space:]]|$)' && pass "SIG$SIG at the prompt: echo is on again" ||
    fail "SIG$SIG at the prompt left echo off: $OUT"
done

# ---- -q/--batch-mode at a terminal: no question; no token is then exit 3 ----
pty 'spawn $env(YKUNLOCK) open -q $env(IMAGE) --test --timeout 0
     expect "Enter the recovery key" { exit 92 } eof {}
     catch wait r; exit [lindex $r 3]'
expect_rc 3 "-q at a terminal: nothing asked, no token"

# ---- enroll with no enrolled token present asks for the recovery key ----
plug b 35963 2002
program 35963 "$SECRET_B"
pty 'spawn $env(YKUNLOCK) enroll $env(IMAGE)
     expect "Enter the recovery key or a passphrase of v.img: " { send "wrong\r" } timeout { exit 90 }
     expect "Enter the recovery key or a passphrase of v.img: " { send "[exec cat $env(IMAGE).key] \r" } timeout { exit 91 }
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 0 "enroll asks for the recovery key (again after a wrong one; a trailing space is fine)"
printf '%s' "$OUT" | grep -q 'enrolled token 2002 (slot 2) in v.img' && pass "enrolled after the typed key" || fail "$OUT"

# ---- the progress bar of --fill on a terminal ----
pty 'spawn $env(YKUNLOCK) create $env(D)/fill.img --size 96M --fs none --no-enroll --fill random
     expect eof; catch wait r; exit [lindex $r 3]'
expect_rc 0 "create --fill random at a terminal"
printf '%s' "$OUT" | grep -qE 'writing random data \[#{20}\] 100%  +[0-9.]+ MB/s  0:00 left' && pass "the progress bar ends at 100%" || fail "no progress bar: $OUT"

finish
