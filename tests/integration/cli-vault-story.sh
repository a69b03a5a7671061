#!/usr/bin/env bash
# The whole story of issue 3 through the command line, against ykemu tokens in a private
# pcscd world: program a token, create a vault with it enrolled (the recovery key alone on
# stdout), enroll a backup token authorised by the first, open --test with each, list (table and
# JSON), unenroll the backup by serial, and refuse to remove the last way in. Stock cryptsetup
# checks the recovery key and the keyslots independently.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd

plug primary 35963 1001
program 35963 "$SECRET_A"
IMAGE=$WORLD_DIR/backup.img

# ---- create: the recovery key is the only thing on stdout ----
run "$YKUNLOCK" create "$IMAGE" --size 32M --fs none
expect_rc 0 "create --fs none with the one token present"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "stdout holds one line"
printf '%s' "$OUT" | grep -qE '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' && pass "that line is 8 dash-separated groups of 8 modhex letters" ||
  fail "stdout: '$OUT'"
expect_err_line "ykunlock: enrolled token 1001 (slot 2) in backup.img: token id 1, keyslot 1" "create enrolled the token"
expect_err_contains "above is the recovery key of $IMAGE, shown once" "one line of advice on stderr"
KEY=$OUT
printf '%s\n' "$KEY" >"$WORLD_DIR/key"
expect_eq "$(stat -c %s "$IMAGE")" 33554432 "the image has the size asked"
expect_eq "$(du -k "$IMAGE" | cut -f1)" "$(du -k "$IMAGE" | cut -f1)" "sparse image"
run cryptsetup luksDump "$IMAGE"
printf '%s\n' "$OUT" | grep -qE '^Label:[[:space:]]+backup.img$' && pass "label: the file name" || fail "label in: $OUT"
printf '%s\n' "$OUT" | grep -qE '^Metadata area:[[:space:]]+65536 \[bytes\]' && pass "64 KiB metadata" || fail "metadata area"
printf '%s\n' "$OUT" | grep -qE 'Cipher:[[:space:]]+aes-xts-plain64' && pass "aes-xts-plain64" || fail "cipher"
printf '%s\n' "$OUT" | grep -qE 'Cipher key:[[:space:]]+512 bits' && pass "512-bit key" || fail "key size"
printf '%s\n' "$OUT" | grep -qE 'sector:[[:space:]]+4096 \[bytes\]' && pass "4096-byte sectors" || fail "sector size"
expect_eq "$(stock_keyslots "$IMAGE")" "0 1 " "cryptsetup sees keyslots 0 and 1"

# ---- stock cryptsetup opens it with the printed key as its passphrase, nothing decoded ----
run bash -c "echo $KEY | cryptsetup open --test-passphrase --disable-external-tokens '$IMAGE'"
expect_rc 0 "the printed key opens the vault with stock cryptsetup"
run bash -c "printf %s $KEY | cryptsetup open --test-passphrase --disable-external-tokens --key-file=- '$IMAGE'"
expect_rc 0 "the same as a key file without newline"
run bash -c "echo $KEY | base64 --decode 2>/dev/null | cryptsetup open --test-passphrase --disable-external-tokens --key-file=- '$IMAGE'"
expect_rc 2 "the printed key is not base64 to decode (the version-1 recipe does not apply)"
run bash -c "echo $KEY | cryptsetup open --test-passphrase --disable-external-tokens --key-slot 1 '$IMAGE'"
expect_rc 2 "it is not the token's keyslot"

# ---- open --test with the primary ----
run "$YKUNLOCK" open "$IMAGE" --test
expect_rc 0 "open --test with the primary"
expect_err_line "ykunlock: backup.img opens with token 1001 (token id 1, keyslot 1) (--test: no mapping was created)" "open --test"
expect_eq "$OUT" "" "open prints nothing on stdout"

# ---- enroll a backup token, authorised by the primary ----
plug backup 35964 2002
program 35964 "$SECRET_B"
before=$(fingerprint "$IMAGE")
run "$YKUNLOCK" enroll "$IMAGE"
expect_rc 5 "enroll with two tokens present and no --serial"
expect_err_line "ykunlock: 2 tokens are present; pick one with --serial or --reader:" "refuses to guess"
expect_unchanged "$before" "enroll without --serial" "$IMAGE"
run "$YKUNLOCK" enroll "$IMAGE" --serial 2002
expect_rc 0 "enroll the backup, authorised by the primary"
expect_err_line "ykunlock: enrolled token 2002 (slot 2) in backup.img: token id 2, keyslot 2" "backup enrolled"
expect_eq "$(stock_keyslots "$IMAGE")" "0 1 2 " "cryptsetup sees keyslots 0, 1, 2"

# ---- open --test with each token alone ----
world_stop_token primary
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 0 "open --test with the backup alone"
expect_err_line "ykunlock: backup.img opens with token 2002 (token id 2, keyslot 2) (--test: no mapping was created)" "opened by the backup"
plug primary 35963 1001
world_stop_token backup
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 0 "open --test with the primary alone"
expect_err_contains "opens with token 1001" "opened by the primary"

# ---- open for real: needs device-mapper (absent here) — refused before the token is asked ----
if [ ! -e /sys/class/misc/device-mapper ]; then
  run "$YKUNLOCK" open "$IMAGE" backup
  expect_rc 9 "open without device-mapper"
  expect_err_line "ykunlock: opening a vault needs device-mapper, which this kernel does not have (--test checks that it opens without a mapping)" "open without device-mapper"
  run "$YKUNLOCK" close backup
  expect_rc 9 "close without device-mapper"
  expect_err_line "ykunlock: closing backup needs device-mapper, which this kernel does not have" "close without device-mapper"
fi

# ---- list: table and JSON ----
run "$YKUNLOCK" list "$IMAGE"
expect_rc 0 "list"
UUID=$(cryptsetup luksUUID "$IMAGE")
expect_eq "$(printf '%s\n' "$OUT" | head -n1)" "Vault backup.img, UUID $UUID, header in the image" "list: the vault line"
rows=$(printf '%s\n' "$OUT" | sed -n '4,$p' | awk '{print $1, $2, $3, $4, $5, $6}')
expect_eq "$rows" "$(printf '0 0 - - - -\n1 1 1001 2 no no\n2 2 2002 2 no no')" "list: one row per keyslot"
printf '%s\n' "$OUT" | grep -qE '^0 .* recovery key$' && pass "keyslot 0 is the recovery key" || fail "recovery row: $OUT"
run "$YKUNLOCK" list "$IMAGE" --json
expect_rc 0 "list --json"
summary=$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["version"], d["label"], d["uuid"], d["detached_header"])
for e in d["entries"]:
    print(e["keyslot"], e["token_id"], e["kind"], e.get("serial"), e.get("slot"), e.get("touch"), e.get("pin"), len(e["created"]))')
expect_eq "$summary" "$(printf '1 backup.img %s False\n0 0 recovery None None None None 20\n1 1 token 1001 2 False False 20\n2 2 token 2002 2 False False 20' "$UUID")" "list --json"

# ---- unenroll the backup by serial; the primary still opens ----
run "$YKUNLOCK" unenroll "$IMAGE" --serial 2002
expect_rc 0 "unenroll --serial 2002"
expect_err_line "ykunlock: removed 1 enrollment from backup.img" "unenroll message"
expect_eq "$(stock_keyslots "$IMAGE")" "0 1 " "keyslot 2 is gone"
before=$(fingerprint "$IMAGE")
run "$YKUNLOCK" unenroll "$IMAGE" --serial 2002
expect_rc 1 "unenroll a serial that is not enrolled"
expect_err_line "ykunlock: no token with serial 2002 is enrolled in backup.img" "unenroll: nothing matches"
expect_unchanged "$before" "unenroll of nothing" "$IMAGE"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 0 "the primary still opens"

# ---- the last way in: drop the recovery keyslot with stock cryptsetup, then try ----
run cryptsetup luksKillSlot -q "$IMAGE" 0
expect_rc 0 "cryptsetup removes the recovery keyslot"
before=$(fingerprint "$IMAGE")
run "$YKUNLOCK" unenroll "$IMAGE" --serial 1001
expect_rc 5 "unenroll the last way in"
expect_err_line "ykunlock: refused: that would leave no way into backup.img (no other keyslot opens it)" "last way in"
expect_unchanged "$before" "refused last way in" "$IMAGE"
run "$YKUNLOCK" unenroll "$IMAGE" --token-id 1
expect_rc 5 "unenroll --token-id of the last way in"
expect_unchanged "$before" "refused last way in by token id" "$IMAGE"

# ---- a detached header: the image holds only ciphertext ----
DATA=$WORLD_DIR/data.img HDR=$WORLD_DIR/data.hdr
run "$YKUNLOCK" create "$DATA" --header "$HDR" --size 4M --fs none --label detached
expect_rc 0 "create with --header"
head -c 6 "$DATA" | grep -q LUKS && fail "the image holds a LUKS header" || pass "the image holds no LUKS header"
run "$YKUNLOCK" open "$DATA" --test --timeout 0
expect_rc 4 "open the data without its header"
expect_err_line "ykunlock: $DATA is not a LUKS2 vault (it has no LUKS header); if its header is detached, name it with --header FILE" "data alone"
run "$YKUNLOCK" --header "$HDR" open "$DATA" --test --timeout 0
expect_rc 0 "open --test with the detached header"
expect_err_contains "detached opens with token 1001" "opened through the detached header"
run "$YKUNLOCK" list "$DATA" --header "$HDR"
expect_eq "$(printf '%s\n' "$OUT" | head -n1 | sed 's/UUID [^,]*/UUID U/')" "Vault detached, UUID U, detached header" "list with --header"

finish
