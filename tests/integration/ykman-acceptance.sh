#!/usr/bin/env bash
# Yubico's own client against the emulated key: ykman 4.0.9 over pcscd and vpcd programs,
# challenges, swaps and deletes slots of ykemu, and every answer and the state file must be
# what a real YubiKey 5 gives. HMAC responses are checked against openssl, the written
# configuration against the bytes of docs/protocol.md §2.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/ykman-lib.sh"
world_enter "$@"
world_start_pcscd

KEY=303132333435363738393a3b3c3d3e3f40414243
KEY2=a1b2c3d4e5f60718293a4b5c6d7e8f9001122334
CODE=0a0b0c0d0e0f
STATE=$WORLD_DIR/key.json
# docs/protocol.md §2, worked example: what `ykman otp chalresp 2 KEY` writes.
EXAMPLE_CONFIG=00000000000000000000000000000000404142430000303132333435363738393a3b3c3d3e3f0000000000000024402600000921

world_start_token k0 35963 "$STATE" --serial 31337001

# ---- a new key ----
ykm otp info
expect_rc 0 "otp info on a new key"
expect_eq "$OUT" $'Slot 1: empty\nSlot 2: empty' "both slots empty"
ykm info
expect_rc 0 "ykman info"
expect_out_contains "Serial number: 31337001" "serial through the management application"
expect_out_contains "Firmware version: 5.4.3" "firmware"

# ---- chalresp without touch ----
ykm otp chalresp -f 2 "$KEY"
expect_rc 0 "otp chalresp -f 2"
expect_eq "$(state_get "$STATE" slot2 last_write)" "$EXAMPLE_CONFIG" "ykman wrote the 52 bytes of docs/protocol.md §2"
expect_eq "$(state_get "$STATE" slot2 secret)" "$KEY" "state: secret"
expect_eq "$(state_get "$STATE" slot2 cfg_flags)" 38 "state: cfg flags 0x26"
expect_eq "$(state_get "$STATE" program_sequence)" 1 "state: program sequence 1"
ykm otp info
expect_eq "$OUT" $'Slot 1: empty\nSlot 2: programmed' "slot 2 programmed"

CHAL=$(printf '%02x' $(seq 101 132)) # 32 bytes
ykm otp calculate 2 "$CHAL"
expect_rc 0 "otp calculate 2"
expect_eq "$OUT" "$(hmac_sha1 "$KEY" "$CHAL")" "response = openssl HMAC-SHA1 (32-byte challenge)"
CHAL0=${CHAL:0:62}00 # ends in 00: yubikit pads with 01, the key keeps the 00 (HMAC_LT64)
ykm otp calculate 2 "$CHAL0"
expect_eq "$OUT" "$(hmac_sha1 "$KEY" "$CHAL0")" "response = openssl HMAC-SHA1 (challenge ending in 00)"
ykm otp calculate 1 "$CHAL"
[ "$RC" != 0 ] && pass "calculate on empty slot 1 fails (rc $RC)" || fail "calculate on an empty slot answered: $OUT"

# ---- chalresp with touch: ykemu touches after 300 ms ----
ykm otp chalresp -f --touch 1 "$KEY2"
expect_rc 0 "otp chalresp -f --touch 1"
expect_eq "$(state_get "$STATE" slot1 cfg_flags)" 46 "state: cfg flags 0x2E (CHAL_BTN_TRIG)"
t0=$(now_ms)
ykm otp calculate 1 "$CHAL"
t1=$(now_ms)
expect_rc 0 "otp calculate 1 with touch"
expect_eq "$OUT" "$(hmac_sha1 "$KEY2" "$CHAL")" "touch slot response = openssl HMAC-SHA1"
[ $((t1 - t0)) -ge 300 ] && pass "touch took $((t1 - t0)) ms (>= 300)" || fail "touch answered after $((t1 - t0)) ms"
ykm otp info
expect_eq "$OUT" $'Slot 1: programmed\nSlot 2: programmed' "both programmed"

# ---- swap and delete ----
seq_before=$(state_get "$STATE" program_sequence)
ykm otp swap -f
expect_rc 0 "otp swap -f"
expect_eq "$(state_get "$STATE" slot1 secret)" "$KEY" "after swap: slot 1 has KEY"
expect_eq "$(state_get "$STATE" slot2 secret)" "$KEY2" "after swap: slot 2 has KEY2"
expect_eq "$(state_get "$STATE" program_sequence)" $((seq_before + 1)) "swap raised the sequence"
ykm otp calculate 1 "$CHAL"
expect_eq "$OUT" "$(hmac_sha1 "$KEY" "$CHAL")" "slot 1 answers with KEY after swap"
ykm otp delete -f 1
expect_rc 0 "otp delete -f 1"
expect_eq "$(state_get "$STATE" slot1 programmed)" false "slot 1 deleted"
expect_eq "$(state_get "$STATE" slot1 last_write)" "$(printf '0%.0s' $(seq 104))" "a delete writes 52 zero bytes"
ykm otp delete -f 2
expect_rc 0 "otp delete -f 2 (the last slot: sequence drops to 0)"
expect_eq "$(state_get "$STATE" program_sequence)" 0 "sequence 0 with no slot left"
ykm otp info
expect_eq "$OUT" $'Slot 1: empty\nSlot 2: empty' "both empty again"

# ---- an access code ----
ykm otp --access-code "$CODE" chalresp -f 2 "$KEY"
expect_rc 0 "chalresp with an access code"
expect_eq "$(state_get "$STATE" slot2 access_code)" "$CODE" "state: access code"
before=$(fingerprint "$STATE")
ykm otp delete -f 2
[ "$RC" != 0 ] && pass "delete without the access code refused (rc $RC)" || fail "delete without the code succeeded"
expect_err_contains "Failed to write to the YubiKey" "refused delete"
expect_unchanged "$before" "refused delete" "$STATE"
ykm otp --access-code 0a0b0c0d0e00 delete -f 2
[ "$RC" != 0 ] && pass "delete with a wrong access code refused" || fail "delete with a wrong code succeeded"
expect_unchanged "$before" "refused delete (wrong code)" "$STATE"
ykm otp chalresp -f 2 "$KEY2"
[ "$RC" != 0 ] && pass "overwrite without the access code refused" || fail "overwrite without the code succeeded"
expect_eq "$(state_get "$STATE" slot2 secret)" "$KEY" "secret unchanged"
ykm otp --access-code "$CODE" delete -f 2
expect_rc 0 "delete with the access code"
expect_eq "$(state_get "$STATE" slot2 programmed)" false "slot 2 deleted with the code"

# ---- the state survives ykemu; --serial applies only to a new state ----
world_stop_token k0
world_start_token k0 35963 "$STATE" --serial 999
ykm otp chalresp -f 2 "$KEY"
ykm info
expect_out_contains "Serial number: 31337001" "serial kept from the state file"

# ---- touch never given: 69 85 after --touch-timeout ----
ykm otp chalresp -f --touch 2 "$KEY"
world_stop_token k0
world_start_token k0 35963 "$STATE" --touch never --touch-timeout 1
t0=$(now_ms)
ykm otp calculate 2 "$CHAL"
t1=$(now_ms)
[ "$RC" != 0 ] && pass "no touch: calculate fails (rc $RC)" || fail "no touch, yet: $OUT"
[ $((t1 - t0)) -ge 1000 ] && pass "the key waited $((t1 - t0)) ms for the touch" || fail "gave up after $((t1 - t0)) ms"

# ---- without a management application (6A 82), and as an NFC card ----
world_stop_token k0
world_start_token k0 35963 "$STATE" --no-management --atr nfc
ykm otp info
expect_rc 0 "otp info without management, NFC ATR"
expect_eq "$OUT" $'Slot 1: empty\nSlot 2: programmed' "slots read through the OTP application"
ykm info
expect_out_contains "Firmware version: 5.4.3" "version from the OTP status"
expect_out_contains "Serial number: 31337001" "serial through OTP (SERIAL_API_VISIBLE)"
ykm otp chalresp -f 2 "$KEY"
ykm otp calculate 2 "$CHAL"
expect_eq "$OUT" "$(hmac_sha1 "$KEY" "$CHAL")" "calculate over NFC without management"

# ---- pcscd restarts: ykemu reconnects ----
log=$WORLD_DIR/ykemu-k0.log
atrs=$(grep -c 'ATR sent' "$log")
world_stop_pcscd
world_start_pcscd
for _ in $(seq 100); do
  [ "$(grep -c 'ATR sent' "$log")" -gt "$atrs" ] && break
  sleep 0.1
done
world_wait_card 35963
ykm otp info
expect_rc 0 "otp info after pcscd restarted"
grep -q 'reconnecting' "$log" && pass "ykemu reconnected" || fail "no reconnect in the log"

# ---- SIGTERM ends ykemu cleanly ----
pid=${WORLD_TOKEN_PID[k0]}
kill -TERM "$pid"
wait "$pid"
expect_eq "$?" 0 "ykemu exits 0 on SIGTERM"
unset "WORLD_TOKEN_PID[k0]"

finish
