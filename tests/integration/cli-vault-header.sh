#!/usr/bin/env bash
# ykunlock header backup / header restore: a backup, the header destroyed (both binary
# headers: zeroing only the first 4 KiB is repaired by libcryptsetup from the secondary header
# on the next load), restored, and the token opens the vault again; what a restore gains and
# loses is shown; the refusals (backup file exists, another vault's backup, not a header, no
# terminal without -q, an answer other than YES) leave every file as it was.
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
OTHER=$D/other.img
make_vault "$OTHER" --no-enroll
"$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$IMAGE.key" >/dev/null 2>&1 || world_die "enroll"

# ---- backup ----
run "$YKUNLOCK" header backup "$IMAGE" "$D/v.hdr"
expect_rc 0 "header backup"
expect_err_contains "saved the LUKS2 header of $IMAGE into $D/v.hdr (mode 0400)" "header backup"
expect_eq "$(stat -c %a "$D/v.hdr")" 400 "the backup is mode 0400"
expect_eq "$(cryptsetup luksDump --disable-external-tokens "$D/v.hdr" | sed -n 's/^UUID:[[:space:]]*//p')" \
  "$(cryptsetup luksDump --disable-external-tokens "$IMAGE" | sed -n 's/^UUID:[[:space:]]*//p')" \
  "stock cryptsetup reads the backup as the vault's header"

before=$(fingerprint "$IMAGE" "$D/v.hdr")
run "$YKUNLOCK" header backup "$IMAGE" "$D/v.hdr"
expect_rc 5 "backup into an existing file"
expect_err_line "ykunlock: $D/v.hdr exists; refusing to overwrite it (a header backup is a new file); nothing was written" "backup into an existing file"
expect_unchanged "$before" "backup into an existing file" "$IMAGE" "$D/v.hdr"
run "$YKUNLOCK" header backup "$IMAGE" "$D/missing-dir/v.hdr"
expect_rc 1 "backup into a missing directory"
expect_err_line "ykunlock: cannot create $D/missing-dir/v.hdr: its directory does not exist; nothing was written" "missing directory"
head -c 1M /dev/zero >"$D/zero.img"
run "$YKUNLOCK" header backup "$D/zero.img" "$D/zero.hdr"
expect_rc 4 "backup of a file that is no vault"
[ -e "$D/zero.hdr" ] && fail "a backup of no vault left a file" || pass "a backup of no vault leaves no file"
run "$YKUNLOCK" header backup "$IMAGE"
expect_rc 1 "backup without FILE"

# ---- refused restores: nothing changes ----
"$YKUNLOCK" header backup "$OTHER" "$D/other.hdr" 2>/dev/null || world_die "backup of the other vault"
before=$(fingerprint "$IMAGE" "$D/v.hdr" "$D/other.hdr")
run "$YKUNLOCK" -q header restore "$IMAGE" "$D/other.hdr"
expect_rc 5 "another vault's backup"
uuid_of() { cryptsetup luksDump --disable-external-tokens "$1" | sed -n 's/^UUID:[[:space:]]*//p'; }
expect_err_line "ykunlock: $D/other.hdr is the header of another vault (UUID $(uuid_of "$OTHER"); $IMAGE has UUID $(uuid_of "$IMAGE")); refusing to restore it; nothing was changed" "another vault's backup"
run "$YKUNLOCK" -q header restore "$IMAGE" /etc/hostname
expect_rc 4 "a file that is no header backup"
expect_err_line "ykunlock: /etc/hostname is not a LUKS2 header backup; nothing was changed" "no header backup"
run "$YKUNLOCK" -q header restore "$IMAGE" "$D/none.hdr"
expect_rc 1 "a backup that is not there"
expect_err_line "ykunlock: $D/none.hdr: No such file or directory" "a backup that is not there"
run "$YKUNLOCK" header restore "$IMAGE" "$D/v.hdr"
expect_rc 5 "no terminal and no -q"
expect_err_line "ykunlock: this asks for confirmation at a terminal, and standard input is not one; -q (--batch-mode) confirms it; nothing was changed" "no terminal"
expect_unchanged "$before" "refused restores" "$IMAGE" "$D/v.hdr" "$D/other.hdr"

# ---- the header destroyed, restored: the token opens it again ----
destroy() { # both binary headers (64 KiB of metadata: the secondary header is at 64 KiB)
  dd if=/dev/zero of="$1" bs=4096 count=1 conv=notrunc status=none
  dd if=/dev/zero of="$1" bs=4096 seek=16 count=1 conv=notrunc status=none
}
destroy "$IMAGE"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 4 "the destroyed header does not open"
run "$YKUNLOCK" -q header restore "$IMAGE" "$D/v.hdr"
expect_rc 0 "restore over a destroyed header"
expect_err_contains "has no readable LUKS2 header, so ykunlock cannot check that $D/v.hdr" "restore over a destroyed header"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 0 "the token opens it again"
expect_err_contains "opens with token 1001" "the token opens it again"
cryptsetup open --test-passphrase --disable-external-tokens "$IMAGE" <"$IMAGE.key" &&
  pass "stock cryptsetup opens the restored vault with the recovery key" || fail "the recovery key no longer opens it"

# ---- what a restore gains and loses: a token enrolled after the backup is lost ----
plug b 35964 2002
program 35964 "$SECRET_B"
"$YKUNLOCK" enroll "$IMAGE" --serial 2002 --recovery-key-file "$IMAGE.key" >/dev/null 2>&1 || world_die "enroll 2002"
"$YKUNLOCK" unenroll "$IMAGE" --serial 1001 >/dev/null 2>&1 || world_die "unenroll 1001"
before=$(fingerprint "$IMAGE")
run "$YKUNLOCK" header restore "$IMAGE" "$D/v.hdr"
expect_rc 5 "a restore that changes keyslots, no terminal"
expect_err_line "ykunlock: restoring $D/v.hdr (UUID $(uuid_of "$IMAGE")) over the header of $IMAGE changes:" "the plan"
printf '%s\n' "$ERR" | grep -q '^ykunlock:   gains keyslot 1, token [0-9]*: YubiKey 1001, enrolled ' && pass "the plan: gains 1001" ||
  fail "the plan does not name the token it gains: $ERR"
printf '%s\n' "$ERR" | grep -q '^ykunlock:   loses keyslot [0-9]*, token [0-9]*: YubiKey 2002, enrolled ' && pass "the plan: loses 2002" ||
  fail "the plan does not name the token it loses: $ERR"
printf '%s\n' "$ERR" | grep -q 'recovery key' && fail "the plan names the recovery key, which does not change: $ERR" ||
  pass "the plan leaves out what does not change"
expect_unchanged "$before" "restore refused" "$IMAGE"

if command -v expect >/dev/null; then
  export YKUNLOCK IMAGE D
  OUT=$(expect -c 'set timeout 20
       spawn $env(YKUNLOCK) header restore $env(IMAGE) $env(D)/v.hdr
       expect "Are you sure? (Type YES in capital letters): " { send "yes\r" } timeout { exit 90 }
       expect eof; catch wait r; exit [lindex $r 3]' 2>&1)
  RC=$?
  expect_rc 5 "answered yes, not YES"
  printf '%s' "$OUT" | grep -q 'ykunlock: not confirmed (only YES confirms); nothing was changed' && pass "yes: message" ||
    fail "yes: $OUT"
  expect_unchanged "$before" "answered yes" "$IMAGE"
  OUT=$(expect -c 'set timeout 20
       spawn $env(YKUNLOCK) header restore $env(IMAGE) $env(D)/v.hdr
       expect "Are you sure? (Type YES in capital letters): " { send "YES\r" } timeout { exit 90 }
       expect eof; catch wait r; exit [lindex $r 3]' 2>&1)
  RC=$?
  expect_rc 0 "answered YES at a terminal"
else
  run "$YKUNLOCK" -q header restore "$IMAGE" "$D/v.hdr"
  expect_rc 0 "restore with -q"
fi
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0 --serial 1001
expect_rc 0 "the restored header has token 1001 again"
world_stop_token a
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0 --serial 2002
expect_rc 3 "and token 2002 is gone with the restore"

# ---- a detached header ----
DATA=$D/data.img
make_vault "$DATA" --no-enroll --header "$D/data.luks"
run "$YKUNLOCK" header backup "$DATA" "$D/data.bak" --header "$D/data.luks"
expect_rc 0 "backup of a detached header"
destroy "$D/data.luks"
run "$YKUNLOCK" -q header restore "$DATA" "$D/data.bak" --header "$D/data.luks"
expect_rc 0 "restore of a detached header"
run "$YKUNLOCK" open "$DATA" --test --header "$D/data.luks" --recovery-key-file "$DATA.key"
expect_rc 0 "the detached header opens again"

finish
