#!/usr/bin/env bash
# ykunlock create: what it refuses (before anything is written), sizes, fills, --no-enroll, and
# what happens when the enrollment that follows fails.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR

# only_files EXPECTED WHAT: the vault files in $D are exactly these (sorted).
only_files() { expect_eq "$(cd "$D" && ls -1 | grep -E '\.(img|hdr)$' | tr '\n' ' ')" "$1" "$2"; }

plug a 35963 1001
program 35963 "$SECRET_A"

# ---- usage errors ----
run "$YKUNLOCK" create "$D/u.img" --fs none
expect_rc 1 "no --size"
expect_err_line "ykunlock: create needs --size (such as 64M or 500G)" "no --size"
run "$YKUNLOCK" create "$D/u.img" --size 12Q --fs none
expect_rc 1 "bad size"
expect_err_line "ykunlock: --size takes a size such as 64M, 500G, 2T (powers of 1024) or 100MB (powers of 1000), not '12Q'" "bad size"
run "$YKUNLOCK" create "$D/u.img" --size 16M --fs none
expect_rc 1 "too small"
expect_err_line "ykunlock: --size must be at least 32M (16 MiB go to the LUKS2 header)" "too small"
run "$YKUNLOCK" create "$D/u.img" --size 32M --fs xfs
expect_rc 1 "bad --fs"
expect_err_line "ykunlock: --fs takes ext4 or none, not 'xfs'" "bad --fs"
run "$YKUNLOCK" create "$D/u.img" --size 32M --fs none --fill ones
expect_rc 1 "bad --fill"
expect_err_line "ykunlock: --fill takes zero or random, not 'ones'" "bad --fill"
run "$YKUNLOCK" create "$D/u.img" --size 32M --fs none --pin --pin-file "$D/x"
expect_rc 1 "--pin and --pin-file"
expect_err_line "ykunlock: --pin and --pin-file exclude each other" "--pin and --pin-file"
run "$YKUNLOCK" create "$D/u.img" --size 32M --fs none --pin
expect_rc 5 "--pin without a terminal (a question, no terminal)"
expect_err_line "ykunlock: --pin asks for the PIN at a terminal, and standard input is not one; give --pin-file F|- instead" "--pin without a terminal"
run "$YKUNLOCK" create "$D/u.img" --size 32M --fs none --iter-time 5
expect_rc 1 "--iter-time without a PIN"
expect_err_line "ykunlock: --pbkdf-memory and --iter-time apply only to a keyslot with a PIN (--pin or --pin-file)" "--iter-time without PIN"
run "$YKUNLOCK" create "$D/u.img" --size 32M --fs none --label "a/b"
expect_rc 1 "label with a slash"
expect_err_line "ykunlock: --label cannot contain '/': the label names the mapping /dev/mapper/LABEL" "label with a slash"
run "$YKUNLOCK" create "$D/u.img" --size 32M --fs none --label 012345678901234567890123456789012345678901234567
expect_rc 1 "label of 48 bytes"
expect_err_line "ykunlock: --label takes 1 to 47 bytes" "label of 48 bytes"
only_files "" "no usage error created a file"

# ---- an existing non-empty file is refused, and left as it was ----
head -c 100000 /dev/urandom >"$D/exists.img"
before=$(fingerprint "$D/exists.img")
run "$YKUNLOCK" create "$D/exists.img" --size 32M --fs none
expect_rc 5 "existing non-empty file"
expect_err_line "ykunlock: $D/exists.img exists and is not empty; refusing to overwrite it" "existing file"
expect_unchanged "$before" "existing file" "$D/exists.img"
expect_eq "$OUT" "" "nothing on stdout"
# also as a detached header
run "$YKUNLOCK" create "$D/new.img" --header "$D/exists.img" --size 32M --fs none
expect_rc 5 "existing non-empty header file"
expect_unchanged "$before" "existing header file" "$D/exists.img"
rm "$D/exists.img"
only_files "" "nothing created"

# ---- --fs ext4 (the default) without device-mapper: refused before anything ----
if [ ! -e /sys/class/misc/device-mapper ]; then
  run "$YKUNLOCK" create "$D/fs.img" --size 32M
  expect_rc 9 "--fs ext4 without device-mapper"
  expect_err_line "ykunlock: --fs ext4 needs device-mapper to open the new vault, and this kernel does not have it; nothing was created (--fs none creates the vault without a file system)" "--fs ext4 without dm"
  expect_eq "$OUT" "" "nothing on stdout"
  only_files "" "nothing created without device-mapper"
fi

# ---- several tokens and no --serial: refused, lists them, creates nothing ----
plug b 35964 2002
program 35964 "$SECRET_B"
run "$YKUNLOCK" create "$D/two.img" --size 32M --fs none
expect_rc 5 "two tokens without --serial"
expect_err_line "ykunlock: 2 tokens are present; pick one with --serial or --reader:" "two tokens"
expect_err_line "  serial 1001 in $WORLD_READER0 (pcsc)" "lists the first"
expect_err_line "  serial 2002 in $WORLD_READER1 (pcsc)" "lists the second"
only_files "" "nothing created with two tokens"
run "$YKUNLOCK" create "$D/two.img" --size 32M --fs none --serial 2002 --label picked
expect_rc 0 "--serial picks one"
expect_err_line "ykunlock: enrolled token 2002 (slot 2) in picked: token id 1, keyslot 1" "the one picked is enrolled"
world_stop_token b

# ---- an unprogrammed slot is refused before anything is written ----
run "$YKUNLOCK" create "$D/slot1.img" --size 32M --fs none --slot 1
expect_rc 2 "slot 1 not programmed"
expect_err_line "ykunlock: slot 1 of token 1001 is not programmed (ykunlock token setup --slot 1 programs it)" "slot 1 not programmed"
only_files "two.img " "no image for an unprogrammed slot"

# ---- no token at all: refused unless --no-enroll ----
world_stop_token a
run "$YKUNLOCK" create "$D/none.img" --size 32M --fs none
expect_rc 3 "no token present"
expect_err_line "ykunlock: no token with an OTP application is present" "no token present"
only_files "two.img " "nothing created without a token"
run "$YKUNLOCK" create "$D/none.img" --size 32M --fs none --no-enroll
expect_rc 0 "--no-enroll needs no token"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "the key alone on stdout"
run "$YKUNLOCK" list "$D/none.img" --json
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([e["kind"] for e in json.load(sys.stdin)["entries"]])')" "['recovery']" "only the recovery key"
run "$YKUNLOCK" create "$D/ne.img" --size 32M --fs none --no-enroll --pin-file "$D/x"
expect_rc 1 "--no-enroll with --pin-file"
expect_err_line "ykunlock: --no-enroll enrolls no token, so --pin, --pin-file and --touch do not apply" "--no-enroll and --pin-file"

# ---- fills: zero allocates every block, random looks random, sparse allocates little ----
run "$YKUNLOCK" create "$D/sparse.img" --size 64M --fs none --no-enroll
expect_rc 0 "sparse"
[ "$(du -k "$D/sparse.img" | cut -f1)" -lt 32768 ] && pass "sparse: few blocks allocated" || fail "sparse: $(du -k "$D/sparse.img")"
run "$YKUNLOCK" create "$D/zero.img" --size 64M --fs none --no-enroll --fill zero
expect_rc 0 "--fill zero"
[ "$(du -k "$D/zero.img" | cut -f1)" -ge 65536 ] && pass "zero: every block allocated" || fail "zero: $(du -k "$D/zero.img")"
expect_eq "$(tail -c 1048576 "$D/zero.img" | tr -d '\0' | wc -c)" 0 "zero: the end is zeros"
run "$YKUNLOCK" create "$D/random.img" --size 64M --fs none --no-enroll --fill random
expect_rc 0 "--fill random"
[ "$(du -k "$D/random.img" | cut -f1)" -ge 65536 ] && pass "random: every block allocated" || fail "random: $(du -k "$D/random.img")"
[ "$(tail -c 1048576 "$D/random.img" | gzip -c | wc -c)" -gt 1040000 ] && pass "random: the end does not compress" || fail "random data compresses"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "--fill: the key alone on stdout (no progress without a terminal)"
expect_eq "$ERR" "$(printf '%s\n' "$ERR" | grep -v $'\r')" "no progress bar when stderr is not a terminal"

# ---- Ctrl-C, SIGTERM or SIGHUP while filling: the files are removed, then the signal is
# re-raised, so the shell sees 128+n ----
for sig in INT:130 TERM:143 HUP:129; do
  rm -f "$D/big.img" "$D/big.hdr"
  "$YKUNLOCK" create "$D/big.img" --header "$D/big.hdr" --size 4G --fs none --no-enroll --fill random \
    >"$D/big.out" 2>"$D/big.err" </dev/null &
  filler=$!
  for i in $(seq 50); do [ -s "$D/big.img" ] && break; sleep 0.1; done
  sleep 0.3
  kill -"${sig%:*}" "$filler"
  wait "$filler"
  RC=$? ERR=$(cat "$D/big.err")
  expect_rc "${sig#*:}" "interrupted fill (SIG${sig%:*})"
  expect_err_line "ykunlock: interrupted; $D/big.img was removed again" "interrupted fill (SIG${sig%:*})"
  [ -e "$D/big.img" ] && fail "SIG${sig%:*}: the interrupted image is still there" || pass "SIG${sig%:*}: the image was removed"
  [ -e "$D/big.hdr" ] && fail "SIG${sig%:*}: the header file is still there" || pass "SIG${sig%:*}: the header was removed"
  expect_eq "$(cat "$D/big.out")" "" "no key printed for an interrupted create (SIG${sig%:*})"
done

# ---- the enrollment after create fails: the vault stays, the key was printed ----
plug a 35963 1001
program 35963 "$SECRET_A" --force --touch
world_stop_token a
plug a 35963 1001 --touch never --touch-timeout 1
run "$YKUNLOCK" create "$D/late.img" --size 32M --fs none --touch
expect_rc 7 "touch never given at create"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "the key was printed"
expect_err_line "ykunlock: touch was not received; nothing was changed" "touch not received"
expect_err_line "ykunlock: $D/late.img was created, and the recovery key above opens it; ykunlock enroll $D/late.img --recovery-key-file - enrolls a token later" "create says what is left"
run bash -c "echo $OUT | cryptsetup open --test-passphrase --disable-external-tokens '$D/late.img'"
expect_rc 0 "the printed key opens it"

# ---- stdout closed: the key cannot be shown, so nothing is left behind ----
"$YKUNLOCK" create "$D/blind.img" --size 32M --fs none --no-enroll >&- 2>"$D/blind.err"
RC=$? ERR=$(cat "$D/blind.err")
expect_rc 6 "create with stdout closed"
expect_err_line "ykunlock: cannot write the recovery key to standard output (Bad file descriptor); nobody saw it, so $D/blind.img was removed again: nothing was left behind" "create with stdout closed"
[ -e "$D/blind.img" ] && fail "stdout closed: the vault nobody saw the key of is left" || pass "stdout closed: no vault left"

# ---- stdout a closed pipe (| true): no death by SIGPIPE before the cleanup; then SIGPIPE ----
: >"$D/piped.img" # an empty file that was there stays, empty
(sleep 0.5; exec "$YKUNLOCK" create "$D/piped.img" --header "$D/piped.hdr" --size 32M --fs none --no-enroll 2>"$D/piped.err") | true
RC=${PIPESTATUS[0]} ERR=$(cat "$D/piped.err")
expect_rc 141 "create into a closed pipe dies of SIGPIPE after cleaning up"
expect_err_line "ykunlock: cannot write the recovery key to standard output (Broken pipe); nobody saw it, so $D/piped.img was removed again: nothing was left behind" "closed pipe"
expect_eq "$(stat -c %s "$D/piped.img" 2>&1)" 0 "closed pipe: the empty file that was there is empty again"
[ -e "$D/piped.hdr" ] && fail "closed pipe: the header file is left" || pass "closed pipe: the header file was removed"

# ---- a missing directory is a usage error (1), nothing created ----
run "$YKUNLOCK" create "$D/no/such/dir/v.img" --size 32M --fs none --no-enroll
expect_rc 1 "create in a missing directory"
expect_err_line "ykunlock: $D/no/such/dir/v.img: the directory $D/no/such/dir does not exist; nothing was created" "missing directory"
[ -e "$D/no" ] && fail "missing directory: something was created" || pass "missing directory: nothing created"

# ---- --label with control characters is refused, nothing created ----
run "$YKUNLOCK" create "$D/ctl.img" --size 32M --fs none --no-enroll --label $'evil\e[31mred'
expect_rc 1 "--label with an escape character"
expect_err_line "ykunlock: --label cannot contain control characters; nothing was created" "--label with control characters"
[ -e "$D/ctl.img" ] && fail "--label with control characters: an image was created" || pass "--label with control characters: nothing created"

# ---- --header: the printed stock-cryptsetup recipe works as printed ----
run "$YKUNLOCK" create "$D/det.img" --header "$D/det.hdr" --size 32M --fs none --no-enroll
expect_rc 0 "create --header"
recipe=$(printf '%s\n' "$ERR" | sed -n 's/.*typed at any passphrase prompt as it is (\(cryptsetup open .*\))$/\1/p')
case $recipe in
*"--header $D/det.hdr"*"--disable-external-tokens"* | *"--disable-external-tokens"*"--header $D/det.hdr"*) pass "the recipe names the header and disables external tokens" ;;
*) fail "recipe: '$recipe'" ;;
esac
# run it as printed, the key as typed on its prompt's line, --test-passphrase added (no
# device-mapper here)
cmd=${recipe/cryptsetup open/cryptsetup open --test-passphrase}
run bash -c "echo $OUT | $cmd"
expect_rc 0 "the printed recipe opens the vault with its detached header"

finish
