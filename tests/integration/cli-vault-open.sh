#!/usr/bin/env bash
# ykunlock open: which token opens (only its keyslot is tried), and each way it can fail: the
# wrong token, a reprogrammed secret, no touch, the token pulled out while it waits, no token
# and no terminal, a token inserted while it waits, a PIN right and wrong, the recovery key.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
IMAGE=$D/v.img

# Three tokens enrolled, one after the other in the same reader.
plug a 35963 1001
program 35963 "$SECRET_A"
make_vault "$IMAGE"
KEY=$(cat "$IMAGE.key")
world_stop_token a
for t in b:2002:$SECRET_B c:3003:$SECRET_C; do
  IFS=: read -r name serial secret <<<"$t"
  plug "$name" 35963 "$serial"
  program 35963 "$secret"
  "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$IMAGE.key" >/dev/null 2>&1 || world_die "enroll $serial"
  world_stop_token "$name"
done
expect_eq "$(stock_keyslots "$IMAGE")" "0 1 2 3 " "three tokens and the recovery key"
before=$(fingerprint "$IMAGE")

# ---- one keyslot tried: the one bound to the present token (count libcryptsetup's own lines) ----
plug c 35963 3003
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0 --verbose
expect_rc 0 "open with the third token"
expect_eq "$(printf '%s\n' "$ERR" | grep -c '^ykunlock: libcryptsetup: Trying to open LUKS2 keyslot')" 1 "libcryptsetup tried one keyslot"
expect_err_line "ykunlock: libcryptsetup: Trying to open LUKS2 keyslot 3." "and it was keyslot 3"
expect_err_line "ykunlock: keyslot attempts: 1" "one KDF run"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_eq "$(printf '%s\n' "$ERR" | grep -c 'libcryptsetup')" 0 "without --verbose, libcryptsetup says nothing"

# ---- a reprogrammed secret: exit 2 ----
program 35963 "$SECRET_A" --force
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 2 "reprogrammed secret"
expect_err_line "ykunlock: the token's response does not open its keyslot in v.img; was its slot reprogrammed since it was enrolled?" "reprogrammed secret"
world_stop_token c

# ---- the wrong token (serial not enrolled), no waiting: exit 3, naming the enrolled serials ----
plug x 35963 9009
program 35963 "$SECRET_A"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 3 "a token that is not enrolled"
expect_err_line "ykunlock: no token enrolled in v.img (serials 1001, 2002, 3003) is present; --recovery-key-file or --passphrase-file opens it without one" "wrong token"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 1
expect_rc 3 "a token that is not enrolled, waiting 1 s"
expect_err_line "Insert a token enrolled in v.img (serials 1001, 2002, 3003)…" "asks for a token"
world_stop_token x

# ---- no token and stdin not a terminal: exit 3 (no prompt, no blocking) ----
start=$(date +%s)
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 3 "no token"
[ $(( $(date +%s) - start )) -le 2 ] && pass "--timeout 0 does not wait" || fail "--timeout 0 waited"

# ---- --timeout 2: the token comes after 1 s and opens the vault ----
"$YKUNLOCK" open "$IMAGE" --test --timeout 2 >"$D/wait.out" 2>"$D/wait.err" </dev/null &
opener=$!
sleep 1
plug b 35963 2002
wait "$opener"
RC=$? ERR=$(cat "$D/wait.err")
expect_rc 0 "token inserted while open waits"
expect_err_line "Insert a token enrolled in v.img (serials 1001, 2002, 3003)…" "it asked first"
expect_err_line "ykunlock: v.img opens with token 2002 (token id 2, keyslot 2) (--test: no mapping was created)" "then opened"
world_stop_token b

# ---- the recovery key file ----
run "$YKUNLOCK" open "$IMAGE" --test --recovery-key-file "$IMAGE.key"
expect_rc 0 "open --recovery-key-file"
expect_err_line "ykunlock: v.img opens with keyslot 0 (--test: no mapping was created)" "the recovery keyslot"
echo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= >"$D/wrong.key"
run "$YKUNLOCK" open "$IMAGE" --test --recovery-key-file "$D/wrong.key"
expect_rc 2 "a wrong recovery key"
expect_err_line "ykunlock: the recovery key does not open v.img" "wrong recovery key"
run_stdin "$KEY" "$YKUNLOCK" open "$IMAGE" --test --recovery-key-file -
expect_rc 0 "the recovery key on stdin"

# ---- options ----
run "$YKUNLOCK" open "$IMAGE" --test --pin-file - --recovery-key-file -
expect_rc 1 "two options read stdin"
expect_err_line "ykunlock: --pin-file is for a token; it does not go with --recovery-key-file" "pin with recovery key"
run "$YKUNLOCK" open "$IMAGE" --test --mount /mnt
expect_rc 1 "--test with --mount"
expect_err_line "ykunlock: --test creates no mapping, so there is nothing to --mount" "--test --mount"
run "$YKUNLOCK" open "$IMAGE" --test --timeout soon
expect_rc 1 "bad --timeout"
expect_err_line "ykunlock: --timeout takes seconds from 0 to 86400, not 'soon'" "bad --timeout"
expect_unchanged "$before" "open never writes the header" "$IMAGE"

# ---- touch: recorded at enrollment, never given ----
T=$D/touch.img
plug t 35963 4004
program 35963 "$SECRET_A" --touch
make_vault "$T" --touch
world_stop_token t
plug t 35963 4004 --touch never --touch-timeout 1
run "$YKUNLOCK" open "$T" --test --timeout 0
expect_rc 7 "touch never given"
expect_err_line "Touch your YubiKey…" "asks for the touch"
expect_err_line "ykunlock: touch was not received; touch.img stays closed" "touch not received"
world_stop_token t

# ---- the token pulled out while it waits for the touch ----
plug t 35963 4004 --touch 5000
"$YKUNLOCK" open "$T" --test --timeout 0 >"$D/pull.out" 2>"$D/pull.err" </dev/null &
opener=$!
for i in $(seq 50); do grep -q 'Touch your' "$D/pull.err" && break; sleep 0.1; done
sleep 0.3
# SIGKILL: a token pulled out answers nothing (on SIGTERM ykemu may still answer 69 85).
kill -9 "${WORLD_TOKEN_PID[t]}"; wait "${WORLD_TOKEN_PID[t]}" 2>/dev/null; unset "WORLD_TOKEN_PID[t]"
wait "$opener"
RC=$? ERR=$(cat "$D/pull.err")
expect_rc 6 "token pulled out during open"
expect_err_line "ykunlock: cannot open touch.img: the token was removed" "pulled out"

# ---- another open holds the token while it waits for the touch: the second one says so ----
plug t 35963 4004 --touch 6000
"$YKUNLOCK" open "$T" --test --timeout 0 >"$D/hold.out" 2>"$D/hold.err" </dev/null &
holder=$!
for i in $(seq 50); do grep -q 'Touch your' "$D/hold.err" && break; sleep 0.1; done
run "$YKUNLOCK" open "$T" --test --timeout 1
expect_rc 6 "a second open while another process holds the card"
expect_err_line "ykunlock: cannot open touch.img: another program, such as scdaemon or gpg-agent, holds the card" \
  "the card is held, not absent"
wait "$holder"
expect_eq "$?" 0 "the first open, touched, opens"
world_stop_token t

# ---- a PIN: from a file, right and wrong; missing without a terminal ----
P=$D/pin.img
plug p 35963 5005
program 35963 "$SECRET_B"
printf '2468\n' >"$D/pin"
make_vault "$P" --pin-file "$D/pin" --pbkdf-memory 32 --iter-time 1
pbefore=$(fingerprint "$P")
run "$YKUNLOCK" open "$P" --test --timeout 0 --pin-file "$D/pin"
expect_rc 0 "the right PIN"
printf '2469\n' >"$D/wrong-pin"
run "$YKUNLOCK" open "$P" --test --timeout 0 --pin-file "$D/wrong-pin"
expect_rc 2 "a wrong PIN"
expect_err_line "ykunlock: wrong PIN for the token enrolled in pin.img" "wrong PIN"
printf '2468\n\n' >"$D/pin-two-newlines"
run "$YKUNLOCK" open "$P" --test --timeout 0 --pin-file "$D/pin-two-newlines"
expect_rc 2 "--pin-file strips exactly one newline"
run "$YKUNLOCK" open "$P" --test --timeout 0
expect_rc 2 "no PIN, no terminal"
expect_err_line "ykunlock: the token enrolled in pin.img needs its PIN: give --pin-file F|- (or run it at a terminal to be asked)" "PIN needed"
run_stdin "2468" "$YKUNLOCK" open "$P" --test --timeout 0 --pin-file -
expect_rc 0 "the PIN on stdin"
expect_unchanged "$pbefore" "PIN attempts never write the header" "$P"

finish
