#!/usr/bin/env bash
# ykunlock recovery-key: a new recovery key replaces the old one (the old one no longer opens the
# vault, the new one does with stock cryptsetup, the tokens still do), authorised by the old
# key, a token or a passphrase; a vault made by stock cryptsetup gets its first one; a key that
# cannot be shown (stdout a closed pipe) is removed again; every refusal leaves the header as it
# was; and a write that fails with EIO at each step leaves a vault that still opens, with a
# message that says what happened.
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
"$YKUNLOCK" enroll "$IMAGE" --recovery-key-file "$IMAGE.key" >/dev/null 2>&1 || world_die "enroll"

# stock_opens IMAGE KEYFILE: stock cryptsetup opens IMAGE with the key's line as it was printed
# (read as a typed passphrase: the line without its newline, no decoding)
stock_opens() {
  cryptsetup open --test-passphrase --disable-external-tokens "$1" <"$2" 2>/dev/null
}
recovery_keyslots() {
  "$YKUNLOCK" list "$1" --json | python3 -c 'import json,sys; print(" ".join(str(e["keyslot"]) for e in json.load(sys.stdin)["entries"] if e["kind"]=="recovery"))'
}

# ---- refusals: nothing changes ----
before=$(fingerprint "$IMAGE")
run "$YKUNLOCK" recovery-key "$IMAGE" --recovery-key-file "$IMAGE.key" --passphrase-file "$IMAGE.key"
expect_rc 1 "two authorisations"
expect_err_line "ykunlock: --recovery-key-file and --passphrase-file exclude each other" "two authorisations"
run "$YKUNLOCK" recovery-key "$IMAGE" --recovery-key-file - --passphrase-file -
expect_rc 1 "stdin read twice"
echo AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= >"$D/wrong.key"
run "$YKUNLOCK" recovery-key "$IMAGE" --recovery-key-file "$D/wrong.key"
expect_rc 2 "a wrong recovery key"
expect_err_line "ykunlock: the recovery key does not open v.img; nothing was changed" "a wrong recovery key"
[ -z "$OUT" ] && pass "a wrong recovery key: nothing on stdout" || fail "a wrong recovery key printed: $OUT"
world_stop_token a
run "$YKUNLOCK" recovery-key "$IMAGE"
expect_rc 3 "no token, no key file, no terminal"
expect_err_line "ykunlock: no token enrolled in v.img is present to authorise this; give --recovery-key-file or --passphrase-file (or run it at a terminal to be asked)" "no authorisation"
plug a 35963 1001
run "$YKUNLOCK" recovery-key "$D/none.img" --recovery-key-file "$IMAGE.key"
expect_rc 1 "a vault that is not there"
head -c 1M /dev/zero >"$D/zero.img"
run "$YKUNLOCK" recovery-key "$D/zero.img" --recovery-key-file "$IMAGE.key"
expect_rc 4 "not a vault"
expect_unchanged "$before" "refusals" "$IMAGE"

# ---- stdout a closed pipe: the key nobody saw is removed again ----
keyslots_before=$(stock_keyslots "$IMAGE")
( trap '' PIPE; "$YKUNLOCK" recovery-key "$IMAGE" --recovery-key-file "$IMAGE.key" 2>"$D/pipe.err" | true )
printf '%s' "$(cat "$D/pipe.err")" | grep -q 'nobody saw it, so it was removed again: nothing was changed' &&
  pass "closed pipe: says nothing was changed" || fail "closed pipe: $(cat "$D/pipe.err")"
expect_eq "$(stock_keyslots "$IMAGE")" "$keyslots_before" "closed pipe: the keyslots are as they were"
expect_eq "$(recovery_keyslots "$IMAGE")" "0" "closed pipe: the old recovery key is still the recovery key"
stock_opens "$IMAGE" "$IMAGE.key" && pass "closed pipe: the old key still opens it" || fail "closed pipe: the old key no longer opens it"
"$YKUNLOCK" recovery-key "$IMAGE" --recovery-key-file "$IMAGE.key" >&- 2>"$D/closed.err"
expect_eq "$?" 6 "closed stdout: exit 6"
grep -qxF "ykunlock: standard output is closed, so the new recovery key could not be shown; nothing was changed" "$D/closed.err" &&
  pass "closed stdout: message" || fail "closed stdout: $(cat "$D/closed.err")"
expect_eq "$(stock_keyslots "$IMAGE")" "$keyslots_before" "closed stdout: the keyslots are as they were"

# ---- rotate, authorised by the old key ----
run "$YKUNLOCK" recovery-key "$IMAGE" --recovery-key-file "$IMAGE.key"
expect_rc 0 "recovery-key with the old key"
printf '%s\n' "$OUT" >"$D/new1.key"
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] && printf '%s' "$OUT" | grep -Eq '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' &&
  pass "stdout is the new key, one line of 8 groups of 8 modhex letters" || fail "stdout: $OUT"
expect_err_contains "the old recovery key (keyslot 0) no longer opens v.img" "rotate"
stock_opens "$IMAGE" "$IMAGE.key" && fail "the old key still opens the vault" || pass "the old key no longer opens it (stock cryptsetup)"
stock_opens "$IMAGE" "$D/new1.key" && pass "the new key opens it (stock cryptsetup)" || fail "the new key does not open it"
run "$YKUNLOCK" open "$IMAGE" --test --timeout 0
expect_rc 0 "the token still opens it"
[ "$(recovery_keyslots "$IMAGE" | wc -w)" = 1 ] && pass "list shows one recovery key" || fail "list: $(recovery_keyslots "$IMAGE")"
run "$YKUNLOCK" open "$IMAGE" --test --recovery-key-file "$IMAGE.key"
expect_rc 2 "ykunlock: the old key is refused"

# ---- authorised by the token ----
run "$YKUNLOCK" recovery-key "$IMAGE"
expect_rc 0 "recovery-key authorised by the token"
printf '%s\n' "$OUT" >"$D/new2.key"
stock_opens "$IMAGE" "$D/new1.key" && fail "the replaced key still opens it" || pass "token-authorised: the replaced key no longer opens it"
stock_opens "$IMAGE" "$D/new2.key" && pass "token-authorised: the new key opens it" || fail "token-authorised: the new key does not open it"

# ---- a vault made by stock cryptsetup: adopted with its passphrase, then its first recovery key ----
STOCK=$D/stock.img
printf 'correct horse' >"$D/pass.txt"
stock_format "$STOCK" "$D/pass.txt"
run "$YKUNLOCK" enroll "$STOCK" --serial 1001 --passphrase-file "$D/pass.txt"
expect_rc 0 "a stock vault adopted with its passphrase"
run "$YKUNLOCK" recovery-key "$STOCK" --passphrase-file "$D/pass.txt"
expect_rc 0 "its first recovery key"
printf '%s\n' "$OUT" >"$D/stock.key"
expect_err_contains "had no recovery key: this one was added" "first recovery key"
stock_opens "$STOCK" "$D/stock.key" && pass "the first recovery key opens it" || fail "the first recovery key does not open it"
cryptsetup open --test-passphrase --disable-external-tokens --key-file "$D/pass.txt" "$STOCK" 2>/dev/null &&
  pass "the passphrase still opens it" || fail "the passphrase no longer opens it"
run "$YKUNLOCK" list "$STOCK" --json
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(sorted(e["kind"] for e in json.load(sys.stdin)["entries"]))')" \
  "['passphrase', 'recovery', 'token']" "list: passphrase, token and recovery key"
# a stock vault adopted with a binary key file (the seed's recipe: 32 random bytes)
head -c 32 /dev/urandom >"$D/seed.raw"
stock_format "$D/seed.img" "$D/seed.raw"
run "$YKUNLOCK" enroll "$D/seed.img" --serial 1001 --passphrase-file "$D/seed.raw"
expect_rc 0 "a stock vault adopted with a binary key file"
run "$YKUNLOCK" open "$D/seed.img" --test --timeout 0
expect_rc 0 "and the token opens it"

# ---- a vault made by an older ykunlock: its recovery keyslot takes the 32 bytes its base64 shows ----
OLDV=$D/old.img
make_vault "$OLDV" --no-enroll
head -c 32 /dev/urandom >"$D/old.raw"
base64 -w0 "$D/old.raw" >"$D/old.b64"
echo >>"$D/old.b64"
tr -d '\n' <"$OLDV.key" >"$D/old-text.key"
cryptsetup luksChangeKey -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-slot 0 --key-file "$D/old-text.key" \
  "$OLDV" "$D/old.raw" || world_die "luksChangeKey to a version-1 key"
run "$YKUNLOCK" open "$OLDV" --test --recovery-key-file "$D/old.b64"
expect_rc 0 "a version-1 key (base64) still opens its vault"
expect_err_contains "opens with keyslot 0" "the version-1 key's keyslot"
run "$YKUNLOCK" open "$OLDV" --test --recovery-key-file "$OLDV.key"
expect_rc 2 "the text key it replaced does not"
"$YKUNLOCK" passphrase "$OLDV" --secret-file "$D/old.b64" >"$D/old.out" 2>"$D/err" </dev/null &&
  cmp -s "$D/old.out" "$D/old.raw" && pass "passphrase --secret-file (the keyscript's way) writes a version-1 key's 32 bytes" ||
  fail "passphrase --secret-file with a version-1 key: $(cat "$D/err")"
run "$YKUNLOCK" recovery-key "$OLDV" --recovery-key-file "$D/old.b64"
expect_rc 0 "rotated with the version-1 key"
printf '%s\n' "$OUT" >"$D/old-new.key"
printf '%s' "$OUT" | grep -Eq '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' &&
  pass "the new key is typeable text" || fail "stdout: $OUT"
stock_opens "$OLDV" "$D/old-new.key" && pass "the new key opens it as typed (stock cryptsetup)" ||
  fail "the new key does not open it"
base64 --decode "$D/old.b64" | cryptsetup open --test-passphrase --disable-external-tokens --key-file=- "$OLDV" 2>/dev/null &&
  fail "the version-1 key still opens it" || pass "the version-1 key no longer opens it"

# ---- EIO at every header write: the vault still opens, and the message says what happened ----
if command -v strace >/dev/null; then
  BASE=$D/base.img
  cp --sparse=always "$IMAGE" "$BASE"
  cp "$D/new2.key" "$BASE.key"
  failed=0 partial=0
  for n in $(seq 1 30); do
    img=$D/eio-$n.img
    cp --sparse=always "$BASE" "$img"
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
      run strace -f -qq -o /dev/null -e trace=write -e inject=write:error=EIO:when="$n" \
      "$YKUNLOCK" recovery-key "$img" --recovery-key-file "$BASE.key"
    [ "$RC" = 0 ] && continue
    failed=$((failed + 1))
    printf '%s\n' "$OUT" >"$D/eio-$n.key"
    opens=no
    stock_opens "$img" "$BASE.key" && opens=old
    [ -n "$OUT" ] && stock_opens "$img" "$D/eio-$n.key" && opens="$opens+new"
    "$YKUNLOCK" open "$img" --test --timeout 0 >/dev/null 2>&1 && opens="$opens+token"
    [ "$opens" != no ] && pass "write $n fails (exit $RC): still opens ($opens)" || fail "write $n fails: nothing opens it; $ERR"
    if printf '%s' "$ERR" | grep -q 'nothing was changed'; then
      [ "$(stock_keyslots "$img")" = "$(stock_keyslots "$BASE")" ] && stock_opens "$img" "$BASE.key" &&
        pass "write $n: 'nothing was changed' is true" || fail "write $n: says nothing was changed, but: $(stock_keyslots "$img")"
    else
      expect_rc 12 "write $n: the work was done in part"
      printf '%s' "$ERR" | grep -q '^ykunlock: now: \|^ykunlock: gone: ' && pass "write $n: names what changed" ||
        fail "write $n: no state lines: $ERR"
      if [ -n "$OUT" ]; then
        partial=$((partial + 1))
        stock_opens "$img" "$D/eio-$n.key" && pass "write $n: the key shown opens it" ||
          fail "write $n: the key shown does not open it: $ERR"
        printf '%s' "$ERR" | grep -q 'the new recovery key above is in keyslot [0-9]* of v.img, but the old one could not be removed' &&
          pass "write $n: says the new key is in and the old one is not gone" || fail "write $n: message: $ERR"
      else
        stock_opens "$img" "$BASE.key" && pass "write $n: no key shown, and the old key still opens it" ||
          fail "write $n: no key shown, and the old key no longer opens it: $ERR"
        printf '%s' "$ERR" | grep -q 'the new key was never shown' && pass "write $n: says the key was never shown" ||
          fail "write $n: message: $ERR"
      fi
    fi
  done
  [ "$failed" -gt 2 ] && pass "$failed write failures injected" || fail "only $failed failures happened"
  [ "$partial" -gt 0 ] && pass "$partial of them after the new key was shown" || fail "no failure after the new key was shown"
else
  echo "strace is not installed: the EIO part is skipped"
fi

finish
