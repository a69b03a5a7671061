#!/usr/bin/env bash
# ykunlock passphrase: the 32 raw bytes the boot scripts pipe into cryptsetup. The right token's
# bytes open the vault with stock cryptsetup; a wrong token (same serial, another secret), no
# token, a missing or wrong PIN write nothing; a terminal on stdout is refused.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
command -v script >/dev/null || { echo "SKIP: script (util-linux) is not installed"; exit 77; }
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
IMAGE=$D/v.img

plug a 35963 1001
program 35963 "$SECRET_A"
make_vault "$IMAGE"
before=$(fingerprint "$IMAGE")

# passphrase_to FILE ARGS...: stdout into FILE (binary), stderr in $ERR, exit in $RC.
passphrase_to() {
  local out=$1
  shift
  "$YKUNLOCK" passphrase "$@" </dev/null >"$out" 2>"$D/err"
  RC=$? ERR=$(cat "$D/err")
}

# stock_accepts FILE [IMAGE]: stock cryptsetup (no token plugin) opens IMAGE with FILE's bytes.
stock_accepts() {
  cryptsetup open --test-passphrase --disable-external-tokens --key-file=- "${2:-$IMAGE}" <"$1" 2>/dev/null
}

# ---- the right token: 32 bytes that stock cryptsetup takes, nothing changed ----
passphrase_to "$D/pass" "$IMAGE" --timeout 0
expect_rc 0 "passphrase with the enrolled token"
expect_eq "$(stat -c %s "$D/pass")" 32 "32 raw bytes on stdout"
stock_accepts "$D/pass" && pass "cryptsetup --key-file=- opens the vault with them" || fail "cryptsetup refused the bytes"
expect_eq "$ERR" "" "nothing on stderr"
expect_unchanged "$before" "passphrase" "$IMAGE"
head -c 32 /dev/zero >"$D/zero"
stock_accepts "$D/zero" && fail "cryptsetup opens with zeros: the check above means nothing" ||
  pass "cryptsetup refuses other bytes"

# ---- a terminal on stdout: refused before anything is asked of the token ----
OUT=$(script -qec "$YKUNLOCK passphrase $IMAGE --timeout 0" /dev/null </dev/null 2>&1)
RC=$?
expect_rc 1 "stdout a terminal"
printf '%s' "$OUT" | grep -q 'ykunlock: standard output is a terminal: the passphrase is 32 binary bytes for a pipe' &&
  pass "stdout a terminal: message" || fail "stdout a terminal: output was: $OUT"
expect_eq "$(printf '%s' "$OUT" | grep -c 'ykunlock:')" 1 "one line, no passphrase"

# ---- the wrong token: same serial, another secret: nothing written, exit 2 ----
program 35963 "$SECRET_B" --force
passphrase_to "$D/wrong" "$IMAGE" --timeout 0
expect_rc 2 "a token with the enrolled serial and another secret"
expect_eq "$(stat -c %s "$D/wrong")" 0 "the wrong token writes nothing"
expect_err_line "ykunlock: the token's response does not open its keyslot in v.img (another secret in its slot?); nothing was written" "wrong token"
expect_unchanged "$before" "wrong token" "$IMAGE"
# --output FIFO is opened only after the check: with nobody reading it, the wrong token still
# gives exit 2 (opening first would fail with ENXIO), and no reader ever sees an empty answer.
mkfifo "$D/fifo"
passphrase_to "$D/wrong" "$IMAGE" --timeout 0 --output "$D/fifo"
expect_rc 2 "a wrong token with --output FIFO"
expect_err_contains "does not open its keyslot" "a wrong token with --output FIFO"
program 35963 "$SECRET_A" --force

# --output FIFO with a reader (as askpass): the 32 bytes go there, nothing to stdout
cat "$D/fifo" >"$D/from-fifo" &
reader=$!
passphrase_to "$D/stdout" "$IMAGE" --timeout 0 --output "$D/fifo"
wait "$reader"
expect_rc 0 "--output FIFO"
expect_eq "$(stat -c %s "$D/stdout")" 0 "--output: nothing on stdout"
stock_accepts "$D/from-fifo" && pass "--output FIFO: the reader's bytes open the vault" || fail "--output FIFO: refused"
passphrase_to "$D/stdout" "$IMAGE" --timeout 0 --output "$D/fifo"
expect_rc 10 "--output FIFO that nobody reads"
expect_err_contains "ykunlock: cannot open $D/fifo" "--output FIFO that nobody reads"
world_stop_token a

# ---- no token: exit 3 after the wait, nothing written ----
passphrase_to "$D/none" "$IMAGE" --timeout 1
expect_rc 3 "no token"
expect_eq "$(stat -c %s "$D/none")" 0 "no token writes nothing"
expect_err_line "Insert a token enrolled in v.img (serial 1001)…" "no token: asks for one"
expect_err_line "ykunlock: no token enrolled in v.img is present" "no token"

# ---- the token comes while it waits ----
"$YKUNLOCK" passphrase "$IMAGE" --timeout 5 </dev/null >"$D/late" 2>"$D/late.err" &
pid=$!
sleep 1
plug a 35963 1001
wait "$pid"
RC=$? ERR=$(cat "$D/late.err")
expect_rc 0 "a token plugged in while it waits"
stock_accepts "$D/late" && pass "the late token's bytes open the vault" || fail "late token: cryptsetup refused"

# ---- --secret-file: a typed recovery key or passphrase, no token ----
passphrase_to "$D/rk" "$IMAGE" --secret-file "$IMAGE.key"
expect_rc 0 "the typed recovery key"
expect_eq "$(cat "$D/rk")" "$(cat "$IMAGE.key")" "the recovery key's own text is written, without newline"
expect_eq "$(stat -c %s "$D/rk")" 71 "71 bytes: the text is the keyslot passphrase"
stock_accepts "$D/rk" && pass "the written recovery key opens the vault" || fail "recovery key: cryptsetup refused"
tr -d '-' <"$IMAGE.key" | tr 'a-z' 'A-Z' >"$D/rk-caps"
passphrase_to "$D/rk2" "$IMAGE" --secret-file "$D/rk-caps"
expect_rc 0 "the recovery key typed in capitals without dashes"
expect_eq "$(cat "$D/rk2")" "$(cat "$IMAGE.key")" "is written in its canonical form"
printf 'correct horse\n' >"$D/typed"
passphrase_to "$D/typed.out" "$IMAGE" --secret-file "$D/typed"
expect_rc 2 "a typed passphrase no keyslot takes"
expect_eq "$(stat -c %s "$D/typed.out")" 0 "a wrong typed secret writes nothing"
expect_err_line "ykunlock: neither the recovery key nor a passphrase of v.img; nothing was written" "wrong typed secret"
printf 'correct horse' >"$D/typed.raw"
cryptsetup luksAddKey -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$D/rk" "$IMAGE" "$D/typed.raw" ||
  world_die "luksAddKey failed"
"$YKUNLOCK" passphrase "$IMAGE" --secret-file - <"$D/typed" >"$D/typed.out" 2>"$D/err"
RC=$? ERR=$(cat "$D/err")
expect_rc 0 "a typed passphrase (line from stdin)"
cmp -s "$D/typed.out" "$D/typed.raw" && pass "the passphrase without its newline" || fail "typed passphrase: other bytes"
stock_accepts "$D/typed.out" && pass "the typed passphrase opens the vault" || fail "typed: cryptsetup refused"
run "$YKUNLOCK" passphrase "$IMAGE" --secret-file "$D/typed" --pin-file "$D/typed"
expect_rc 1 "--secret-file with --pin-file"

# ---- a PIN token: no PIN and a wrong PIN write nothing; the right PIN's bytes open it ----
make_vault "$D/p.img" --no-enroll
printf '1357\n' >"$D/pin"
printf '2468\n' >"$D/bad-pin"
"$YKUNLOCK" enroll "$D/p.img" --pin-file "$D/pin" --pbkdf-memory 32 --iter-time 1 \
  --recovery-key-file "$D/p.img.key" >/dev/null 2>&1 || world_die "enroll --pin-file failed"
passphrase_to "$D/nopin" "$D/p.img" --timeout 0
expect_rc 2 "a PIN token without --pin-file"
expect_eq "$(stat -c %s "$D/nopin")" 0 "no PIN: nothing written"
expect_err_line "ykunlock: the token enrolled in p.img needs its PIN (--pin-file), or the PIN was wrong" "no PIN"
passphrase_to "$D/badpin" "$D/p.img" --timeout 0 --pin-file "$D/bad-pin"
expect_rc 2 "a wrong PIN"
expect_eq "$(stat -c %s "$D/badpin")" 0 "wrong PIN: nothing written"
passphrase_to "$D/pinpass" "$D/p.img" --timeout 0 --pin-file "$D/pin"
expect_rc 0 "the right PIN"
stock_accepts "$D/pinpass" "$D/p.img" && pass "the PIN token's bytes open the vault" || fail "PIN: cryptsetup refused"

# ---- usage ----
run "$YKUNLOCK" passphrase
expect_rc 1 "no DEVICE"
expect_err_line "ykunlock: passphrase takes DEVICE (see ykunlock passphrase --help)" "no DEVICE"
finish
