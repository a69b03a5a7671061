#!/usr/bin/env bash
# A PC/SC service that stops answering (issue 11, item 1): pcscd stopped with SIGSTOP, or killed
# while a key waits for its touch. Every PC/SC call is bounded, so the CLI and the token plugin
# under the stock cryptsetup end within their limits (checked with generous slack: this is not
# a speed test) and say "the PC/SC service does not answer" (exit 8), and once pcscd answers
# again a new process works as before.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
. "$YK_SOURCE_DIR/tests/integration/plugin-lib.sh"
world_enter "$@"
world_start_pcscd
plugin_isolate

D=$WORLD_DIR
V=$D/v.img
plug a 35963 1001
program 35963 "$SECRET_A"
make_vault "$V"

# within LIMIT_S WHAT: the last command (timed by `timed`) ended within LIMIT_S seconds.
T0=0 T1=0
timed() { T0=$(now_ms); run timeout -s KILL 120 "$@"; T1=$(now_ms); }
within() {
  local ms=$((T1 - T0))
  [ "$ms" -lt $(($1 * 1000)) ] && pass "$2 ended after $ms ms (limit $1 s)" || fail "$2 took $ms ms (limit $1 s)"
}

# ---- pcscd stopped: nothing waits for it past the timeout ----
kill -STOP "$WORLD_PCSCD_PID"

timed "$YKUNLOCK" open "$V" --test --timeout 2
within 12 "open --timeout 2"
expect_rc 8 "open: the PC/SC service does not answer"
expect_err_line "ykunlock: cannot look for tokens: the PC/SC service does not answer" "open says why"

timed "$YKUNLOCK" open "$V" --test --timeout 0
within 10 "open --timeout 0"
expect_rc 8 "open --timeout 0"

timed "$YKUNLOCK" token list
within 10 "token list"
expect_rc 8 "token list: the PC/SC service does not answer"
expect_err_contains "the PC/SC service does not answer" "token list says why"

# The recovery key needs no token: open does not ask PC/SC at all.
timed "$YKUNLOCK" open "$V" --test --recovery-key-file "$V.key"
within 10 "open --recovery-key-file"
expect_rc 0 "the recovery key opens while pcscd is stopped"

# The plugin under the stock cryptsetup, with its wait at 2 s.
T0=$(now_ms)
LD_DEBUG=files LD_DEBUG_OUTPUT="$WORLD_DIR/ld" YKUNLOCK_TOKEN_TIMEOUT=2 \
  run timeout -s KILL 120 "${CS[@]}" open --test-passphrase --token-only "$V"
T1=$(now_ms)
# The PC/SC call left running in its thread must find the plugin's code still mapped when
# libcryptsetup unloads its plugins at exit (else SIGSEGV when the call returns).
grep -q 'calling init: .*token-ykunlock.so' "$WORLD_DIR"/ld.* && pass "the dynamic loader log shows the plugin" ||
  fail "no LD_DEBUG log of the plugin"
grep -q 'token-ykunlock.so.*destroying link map' "$WORLD_DIR"/ld.* &&
  fail "the plugin is unmapped at exit while a PC/SC thread may run in it" || pass "the plugin stays mapped"
within 12 "cryptsetup open through the plugin"
[ "$RC" != 0 ] && [ "$RC" != 137 ] && pass "the plugin fails cleanly (cryptsetup exit $RC)" ||
  fail "cryptsetup exit $RC"
printf '%s\n' "$OUT" "$ERR" | grep -q 'the PC/SC service does not answer' &&
  pass "the plugin says why" || fail "the plugin does not say why: $OUT $ERR"

kill -CONT "$WORLD_PCSCD_PID"
run "$YKUNLOCK" open "$V" --test --timeout 5
expect_rc 0 "pcscd answers again: open works"

# ---- pcscd stopped, then killed, while the key waits for its touch ----
T=$D/touch.img
world_stop_token a
plug t 35963 4004
program 35963 "$SECRET_B" --touch
make_vault "$T" --touch
world_stop_token t
plug t 35963 4004 --touch never --touch-timeout 60
for how in STOP KILL; do
  T0=$(now_ms)
  "$YKUNLOCK" open "$T" --test --timeout 0 >"$D/touch.out" 2>"$D/touch.err" </dev/null &
  opener=$!
  for i in $(seq 100); do grep -q 'Touch your' "$D/touch.err" && break; sleep 0.1; done
  grep -q 'Touch your' "$D/touch.err" || fail "SIG$how: the key never asked for the touch"
  kill -"$how" "$WORLD_PCSCD_PID"
  wait "$opener"
  RC=$? ERR=$(cat "$D/touch.err") T1=$(now_ms)
  within 35 "SIG$how to pcscd during the touch wait: open"
  [ "$RC" = 8 ] || [ "$RC" = 6 ] && pass "SIG$how: exit $RC" || fail "SIG$how: exit $RC, expected 8 or 6: $ERR"
  if [ "$how" = STOP ]; then
    expect_err_contains "the PC/SC service does not answer" "SIGSTOP during the touch wait: says why"
    kill -KILL "$WORLD_PCSCD_PID"; wait "$WORLD_PCSCD_PID" 2>/dev/null; WORLD_PCSCD_PID=
    world_stop_token t
    world_start_pcscd
    plug t 35963 4004 --touch never --touch-timeout 60
  fi
done
finish
