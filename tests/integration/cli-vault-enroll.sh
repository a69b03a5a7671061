#!/usr/bin/env bash
# ykunlock enroll: authorised by the recovery key file, a passphrase file (a vault made the
# seed's way by stock cryptsetup), or a present enrolled token; refusals (wrong recovery key,
# serial enrolled already, malformed key file, stdin read twice, prompts without a terminal),
# --replace, and a PIN. Every refusal leaves the header bytes as they were.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
IMAGE=$D/v.img

plug a 35963 1001
program 35963 "$SECRET_A"
make_vault "$IMAGE" --no-enroll
KEY=$(cat "$IMAGE.key")

# ---- usage and inputs, each refused before the header or a token is touched ----
before=$(fingerprint "$IMAGE")
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$IMAGE.key" --passphrase-file "$IMAGE.key"
expect_rc 1 "two authorisations"
expect_err_line "ykunlock: --recovery-key-file and --passphrase-file exclude each other" "two authorisations"
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file - --pin-file -
expect_rc 1 "two options read stdin"
expect_err_line "ykunlock: --pin-file and --recovery-key-file cannot both read standard input" "stdin twice"
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$IMAGE.key" --pin
expect_rc 5 "--pin without a terminal (a question, no terminal)"
expect_err_line "ykunlock: --pin asks for the PIN at a terminal, and standard input is not one; give --pin-file F|- instead" "--pin refused"
printf 'not a key\n' >"$D/bad.key"
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$D/bad.key"
expect_rc 1 "malformed recovery key file"
expect_err_line "ykunlock: --recovery-key-file $D/bad.key: must hold the recovery key as it was printed (8 groups of 8 letters, or 44 characters of base64 for an older key), with at most one trailing newline" "malformed key file"
printf '%s\n\n' "$KEY" >"$D/two-newlines.key"
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$D/two-newlines.key"
expect_rc 1 "two trailing newlines"
expect_err_contains "must hold the recovery key as it was printed" "two trailing newlines"
printf '%s \n' "$KEY" >"$D/blank.key"
before=$(fingerprint "$IMAGE")
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$D/blank.key"
expect_rc 1 "a blank after the key"
expect_err_contains "must hold the recovery key as it was printed" "a blank after the key"
printf '%s\n' "${KEY%?}" >"$D/short.key"
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$D/short.key"
expect_rc 1 "one letter short"
expect_err_contains "must hold the recovery key as it was printed" "one letter short"
expect_eq "$(fingerprint "$IMAGE")" "$before" "refused key files: the header is unchanged"
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$D/missing.key"
expect_rc 1 "missing key file"
expect_err_line "ykunlock: --recovery-key-file $D/missing.key: cannot read it: No such file or directory" "missing key file"
ln -s "$IMAGE.key" "$D/link.key"
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$D/link.key"
expect_rc 1 "a symbolic link as key file"
run "$YKUNLOCK" enroll "$IMAGE" --slot 3 --recovery-key-file "$IMAGE.key"
expect_rc 1 "--slot 3"
expect_err_line "ykunlock: --slot takes 1 or 2 (the YubiKey slot), not '3'" "--slot 3"
run "$YKUNLOCK" enroll "$IMAGE"
expect_rc 3 "no enrolled token, no key file, no terminal"
expect_err_line "ykunlock: no token enrolled in v.img is present to authorise this; give --recovery-key-file or --passphrase-file (or run it at a terminal to be asked)" "no authorisation"
run "$YKUNLOCK" enroll "$IMAGE" "$IMAGE"
expect_rc 1 "two devices"
expect_unchanged "$before" "refused inputs" "$IMAGE"

# ---- a wrong recovery key ----
echo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= >"$D/wrong.key"
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$D/wrong.key"
expect_rc 2 "wrong recovery key"
expect_err_line "ykunlock: the recovery key does not open v.img" "wrong recovery key"
expect_unchanged "$before" "wrong recovery key" "$IMAGE"

# ---- the right one, from a file and from stdin ----
run "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$IMAGE.key"
expect_rc 0 "enroll with --recovery-key-file"
expect_err_line "ykunlock: enrolled token 1001 (slot 2) in v.img: token id 1, keyslot 1" "enrolled"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 0 "the token opens it"

# ---- the same serial again: refused (names the token id), then --replace ----
before=$(fingerprint "$IMAGE")
run_stdin "$KEY" "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file -
expect_rc 5 "serial enrolled already"
expect_err_line "ykunlock: token 1001 is enrolled in v.img already (token id 1); --replace enrolls it anew" "enrolled already"
expect_unchanged "$before" "enrolled already" "$IMAGE"
old_challenge=$(cryptsetup token export --token-id 1 "$IMAGE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["challenge"])')
run_stdin "$KEY" "$YKUNLOCK" enroll "$IMAGE" --recovery-key-file - --replace
expect_rc 0 "--replace"
expect_err_line "ykunlock: removed 1 earlier enrollment of token 1001" "replace says what it removed"
run "$YKUNLOCK" list "$IMAGE" --json
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([(e["kind"], e.get("serial")) for e in json.load(sys.stdin)["entries"]])')" \
  "[('recovery', None), ('token', 1001)]" "one enrollment of 1001 after --replace"
new_id=$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([e["token_id"] for e in json.load(sys.stdin)["entries"] if e["kind"]=="token"][0])')
new_challenge=$(cryptsetup token export --token-id "$new_id" "$IMAGE" | python3 -c 'import json,sys; print(json.load(sys.stdin)["challenge"])')
[ "$old_challenge" != "$new_challenge" ] && pass "a new challenge" || fail "the challenge did not change"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 0 "the replaced enrollment opens"

# ---- authorised by the enrolled token: a second token, with a PIN from a file ----
plug b 35964 2002
program 35964 "$SECRET_B"
printf '1234\n' >"$D/pin"
run "$YKUNLOCK" enroll "$IMAGE" --serial 2002 --pin-file "$D/pin" --pbkdf-memory 32 --iter-time 1
expect_rc 0 "enroll with a PIN, authorised by token 1001"
printf '%s\n' "$ERR" | grep -qxE 'ykunlock: enrolled token 2002 \(slot 2, PIN\) in v.img: token id [0-9]+, keyslot [0-9]+' && pass "enrolled with a PIN" || fail "enroll with PIN: $ERR"
ks=$("$YKUNLOCK" list "$IMAGE" --json | python3 -c 'import json,sys; print([e["keyslot"] for e in json.load(sys.stdin)["entries"] if e.get("serial")==2002][0])')
ks_old=$("$YKUNLOCK" list "$IMAGE" --json | python3 -c 'import json,sys; print([e["keyslot"] for e in json.load(sys.stdin)["entries"] if e.get("serial")==1001][0])')
pbkdf_of() { cryptsetup luksDump "$IMAGE" | sed -n "/^  $1: luks2/,/^Tokens:/p" | sed -n 's/^[[:space:]]*PBKDF:[[:space:]]*//p' | head -n1; }
expect_eq "$(pbkdf_of "$ks")" argon2id "the PIN keyslot uses argon2id"
expect_eq "$(pbkdf_of "$ks_old")" pbkdf2 "the token keyslot without PIN uses pbkdf2"
world_stop_token a
printf '1234' >"$D/pin-no-newline"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0 --pin-file "$D/pin-no-newline"
expect_rc 0 "the PIN without its newline is the same PIN"
plug a 35963 1001

# ---- a vault made the seed's way: luksFormat with a base64-decoded random key ----
SEED=$D/seed.img
head -c 32 /dev/urandom | base64 >"$D/seed.b64"
base64 --decode "$D/seed.b64" >"$D/seed.raw"
stock_format "$SEED" "$D/seed.raw"
run "$YKUNLOCK" enroll "$SEED" --serial 1001 --recovery-key-file "$D/seed.b64"
expect_rc 0 "a stock vault enrolled with its base64 key as --recovery-key-file"
run "$YKUNLOCK" open "$SEED" --test --timeout 0 --serial 1001
expect_rc 0 "and it opens with the token"

# ---- --passphrase-file: raw bytes, like cryptsetup --key-file ----
PASS=$D/pass.img
printf 'correct horse\n' >"$D/pass.txt"
stock_format "$PASS" "$D/pass.txt"
before=$(fingerprint "$PASS")
printf 'correct horse' >"$D/pass-no-newline.txt"
run "$YKUNLOCK" enroll "$PASS" --serial 1001 --passphrase-file "$D/pass-no-newline.txt"
expect_rc 2 "the passphrase is raw bytes: no newline stripped"
expect_err_line "ykunlock: the passphrase does not open $PASS" "wrong passphrase"
expect_unchanged "$before" "wrong passphrase" "$PASS"
run "$YKUNLOCK" enroll "$PASS" --serial 1001 --passphrase-file "$D/pass.txt"
expect_rc 0 "enroll with --passphrase-file"
run "$YKUNLOCK" list "$PASS" --json
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([e["kind"] for e in json.load(sys.stdin)["entries"]])')" \
  "['passphrase', 'token']" "list: the stock keyslot is a passphrase"
run "$YKUNLOCK" open "$PASS" --test --passphrase-file "$D/pass.txt"
expect_rc 0 "open --passphrase-file"
expect_err_line "ykunlock: $PASS opens with keyslot 0 (--test: no mapping was created)" "open with the passphrase"

# ---- the token to enroll has a hidden serial ----
# (ykemu shows the serial whenever a slot has SERIAL_API_VISIBLE, as token setup writes it; a
# hidden serial is covered by the vault unit tests.)

finish
