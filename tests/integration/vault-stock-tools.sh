#!/usr/bin/env bash
# Interop with the stock tools (issue 3, §1 and §4), against a vault made by ykunlock's vault
# code (tests/integration/vault-tool.c) and ykemu over pcscd + vpcd:
# - docs/token-format.md's "emergency unlock with stock tools", command for command: ykman otp
#   calculate, openssl kdf, base64, xxd, cryptsetup (without and with a PIN);
# - cryptsetup luksDump shows the token and its keyslot; the recovery key opens the vault as the
#   seed's recipe did (`base64 --decode | cryptsetup open --key-file=-`);
# - a vault made the seed's way by stock cryptsetup is enrolled with its base64 key and opens.
# Stock cryptsetup runs with --disable-external-tokens wherever a key file is checked.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
command -v ykman >/dev/null || { echo "SKIP: ykman (yubikey-manager) is not installed"; exit 77; }
: "${VAULT_TOOL:?}"
world_enter "$@"
world_start_pcscd

KEY=303132333435363738393a3b3c3d3e3f40414243
R=$WORLD_READER0
world_start_token k0 35963 "$WORLD_DIR/key.json" --serial 31337001
run ykman --reader "$R" otp chalresp -f 2 "$KEY"
expect_rc 0 "ykman programs slot 2"

IMAGE=$WORLD_DIR/backup.img
run "$VAULT_TOOL" create "$IMAGE"
expect_rc 0 "create"
printf '%s\n' "$OUT" >"$WORLD_DIR/rec.b64"
run "$VAULT_TOOL" enroll "$IMAGE" --recovery-key-file "$WORLD_DIR/rec.b64"
expect_rc 0 "enroll over PC/SC"
expect_eq "$OUT" "token 1 keyslot 1" "token 1 bound to keyslot 1"

# ---- luksDump: the token and its keyslot ----
run cryptsetup luksDump "$IMAGE"
expect_rc 0 "luksDump"
dump_tokens=$(printf '%s\n' "$OUT" | sed -n '/^Tokens:/,/^Digests:/p')
printf '%s\n' "$dump_tokens" | grep -qE '^  1: ykunlock$' && pass "luksDump lists token 1: ykunlock" || fail "luksDump tokens: $dump_tokens"
printf '%s\n' "$dump_tokens" | grep -A3 -E '^  1: ykunlock$' | grep -qE 'Keyslot: +1$' && pass "token 1 names keyslot 1" || fail "no keyslot 1 under token 1: $dump_tokens"
printf '%s\n' "$dump_tokens" | grep -qE '^  0: ykunlock-recovery$' && pass "the recovery marker" || fail "no recovery marker: $dump_tokens"
printf '%s\n' "$OUT" | grep -qE '^Metadata area:[[:space:]]+65536 \[bytes\]' && pass "64 KiB metadata" || fail "metadata size"

# ---- the recovery key: its text, as printed, is the passphrase ----
REC=$(cat "$WORLD_DIR/rec.b64")
printf '%s' "$REC" | grep -qE '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' && pass "the recovery key is 8 groups of 8 modhex letters" ||
  fail "recovery key: $REC"
run bash -c "echo $REC | cryptsetup open --test-passphrase --disable-external-tokens '$IMAGE'"
expect_rc 0 "recovery key opens with stock cryptsetup, as typed"
run bash -c "echo cccccccc-cccccccc-cccccccc-cccccccc-cccccccc-cccccccc-cccccccc-cccccccc | cryptsetup open --test-passphrase --disable-external-tokens '$IMAGE'"
expect_rc 2 "a wrong recovery key does not (cryptsetup exit 2)"

# ---- docs/token-format.md, emergency unlock, word for word (with --test-passphrase and
#      --disable-external-tokens added to cryptsetup open: no device-mapper here) ----
emergency() { # emergency TOKEN_ID KEYSLOT [PIN]
  local id=$1 ks=$2 pin=${3:-}
  json=$(cryptsetup token export --token-id "$id" "$IMAGE")
  b64=$(printf '%s' "$json" | sed -n 's/.*"challenge":"\([^"]*\)".*/\1/p' | sed 's|\\/|/|g')
  CHAL=$(printf '%s' "$b64" | base64 --decode | xxd -p -c 64)
  UUID=$(cryptsetup luksUUID "$IMAGE")
  RESP=$(ykman --reader "$R" otp calculate 2 "$CHAL")
  HEXKEY=$RESP
  [ -n "$pin" ] && HEXKEY="$RESP$(printf '%s' "$pin" | xxd -p | tr -d '\n')"
  openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:"$HEXKEY" \
          -kdfopt hexsalt:"$CHAL" -kdfopt info:"ykunlock-v1:$UUID" -binary HKDF |
    cryptsetup open --test-passphrase --disable-external-tokens --key-file=- --key-slot "$ks" "$IMAGE"
}
run emergency 1 1
expect_rc 0 "emergency unlock with ykman + openssl kdf + cryptsetup"
expect_eq "${#CHAL}" 64 "the challenge is 32 bytes"
expect_eq "$RESP" "$(printf '%s' "$CHAL" | xxd -r -p | openssl dgst -sha1 -mac HMAC -macopt hexkey:$KEY -r | cut -d' ' -f1)" \
  "ykman's response is HMAC-SHA1(secret, challenge)"
# the same derivation does not open another keyslot, and another UUID gives another key
run emergency 1 0
expect_rc 2 "the derived key is not the recovery keyslot's"
run bash -c "openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt hexkey:$RESP -kdfopt hexsalt:$CHAL \
  -kdfopt info:ykunlock-v1:00000000-0000-0000-0000-000000000000 -binary HKDF |
  cryptsetup open --test-passphrase --disable-external-tokens --key-file=- --key-slot 1 '$IMAGE'"
expect_rc 2 "the UUID is part of the key"

# ---- with a PIN ----
printf '%s\n' 'pin 1234' >"$WORLD_DIR/pin"
IMAGE2=$WORLD_DIR/pin.img
"$VAULT_TOOL" create "$IMAGE2" >"$WORLD_DIR/rec2.b64"
run "$VAULT_TOOL" enroll "$IMAGE2" --recovery-key-file "$WORLD_DIR/rec2.b64" --pin-file "$WORLD_DIR/pin"
expect_rc 0 "enroll with a PIN"
IMAGE=$IMAGE2 run emergency 1 1 'pin 1234'
expect_rc 0 "emergency unlock with the PIN's bytes appended"
IMAGE=$IMAGE2 run emergency 1 1 'pin 1235'
expect_rc 2 "a wrong PIN does not"
run "$VAULT_TOOL" open "$IMAGE2" --pin-file "$WORLD_DIR/pin"
expect_rc 0 "vault-tool opens with the PIN file (one newline stripped)"

# ---- a vault made the seed's way ----
SEED=$WORLD_DIR/seed.img
fallocate -l 64M "$SEED"
head -c 32 /dev/urandom | base64 >"$WORLD_DIR/seed.key"
run bash -c "base64 --decode '$WORLD_DIR/seed.key' | cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 \
  --pbkdf-force-iterations 1000 --key-file=- '$SEED'"
expect_rc 0 "luksFormat with a base64-decoded random key"
run "$VAULT_TOOL" enroll "$SEED" --recovery-key-file "$WORLD_DIR/seed.key"
expect_rc 0 "enroll into the seed's vault with its base64 key"
run "$VAULT_TOOL" open "$SEED"
expect_rc 0 "the seed's vault opens with the token"
expect_eq "$OUT" "keyslot 1 attempts 1" "one keyslot tried"
run "$VAULT_TOOL" list "$SEED"
expect_eq "$(printf '%s\n' "$OUT" | head -n 1)" "passphrase keyslot=0 token=-1" "the seed's keyslot is listed as a passphrase"

# ---- the token pulled out: open waits for nothing and says so ----
world_stop_token k0
run "$VAULT_TOOL" open "$SEED"
expect_rc 1 "no token present"
expect_err_contains "error -19" "open without the token: -ENODEV"
finish
