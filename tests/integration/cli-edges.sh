#!/usr/bin/env bash
# The command line's manners: every option a verb's --help lists is accepted and no other, a
# repeated selector is refused, reserved verbs, permission denied (11), header strings escaped,
# detached headers named, token list that matches nothing (3), errors as JSON with --json, and
# --debug without secrets.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
ESC=$(printf '\033')

# ---- every option each verb's --help lists is accepted, every other one refused ----
verbs=$("$YKUNLOCK" --help | sed -n 's/^  ykunlock \([a-z]*\( [a-z]*\)\?\) \([A-Z].*\)\?\[OPTIONS\]$/\1/p' | sed 's/ $//')
[ "$(printf '%s\n' "$verbs" | wc -l)" -ge 8 ] && pass "ykunlock --help lists the verbs" || fail "verbs: $verbs"
# "NAME VALUE?" for every option line of a help text
options_of() { sed -n 's/^  \(-., \|    \)--\([a-z-]*\)\( [^ ]*\)\?  .*$/\2\3/p'; }
all=$(printf '%s\n' "$verbs" | while read -r v; do $YKUNLOCK $v --help | options_of; done | sort -u)
bad=0
while read -r v; do
  listed=$($YKUNLOCK $v --help | options_of | sed 's/ .*//')
  while read -r opt value; do
    [ "$opt" = help ] || [ "$opt" = version ] && continue
    # three positional arguments are too many for every verb: nothing runs after parsing (an
    # abbreviation, such as --pin for --pin-file, is no way in either)
    err=$($YKUNLOCK $v "--$opt" ${value:+1} A B C 2>&1 >/dev/null)
    if printf '%s\n' "$listed" | grep -qx -- "$opt"; then
      case $err in *"unknown or incomplete option"*) fail "$v --$opt is listed in its help but refused: $err"; bad=1 ;; esac
    else
      case $err in *"unknown or incomplete option '--$opt'"*) ;; *) fail "$v accepts --$opt, which its help does not list: $err"; bad=1 ;; esac
    fi
  done <<<"$all"
done <<<"$verbs"
[ $bad = 0 ] && pass "each verb accepts exactly the options its --help lists"

run "$YKUNLOCK" token list --serial 1 --serial 2
expect_rc 1 "a repeated selector"
expect_err_line "ykunlock: --serial was given twice; give it once" "a repeated selector"
run "$YKUNLOCK" grow
expect_rc 1 "a verb without its argument"
expect_err_line "ykunlock: grow takes VAULT (see ykunlock grow --help)" "a verb without its argument"
run "$YKUNLOCK" help header backup
expect_rc 0 "help for a verb of a group"
run "$YKUNLOCK" token --help
expect_rc 0 "token --help"
printf '%s\n' "$OUT" | grep -q '^  setup ' && pass "token --help lists token setup" || fail "token --help: $OUT"

# ---- token list that matches nothing says what did not match, exit 3 (JSON too) ----
plug a 35963 1001
program 35963 "$SECRET_A"
run "$YKUNLOCK" token list --serial 999
expect_rc 3 "token list --serial that matches nothing"
expect_err_line "ykunlock: no token with serial 999 is present" "--serial matches nothing"
run "$YKUNLOCK" token list --reader "no such reader"
expect_rc 3 "token list --reader that matches nothing"
expect_err_line "ykunlock: no reader or device whose name contains 'no such reader'" "--reader matches nothing"
run "$YKUNLOCK" token list --serial 999 --json
expect_rc 3 "token list --json that matches nothing"
expect_eq "$(printf '%s' "$OUT" | jq -c .error)" '{"message":"no token with serial 999 is present","exit_code":3}' "the error as JSON on stdout"
run "$YKUNLOCK" token list --serial 1001
expect_rc 0 "token list --serial that matches"

# ---- a vault this user may not read: permission denied, 11 ----
mkdir -m 755 "$D/pub"
chmod o+x "$D"
make_vault "$D/pub/v.img" --no-enroll
chmod 600 "$D/pub/v.img"
before=$(sha256sum <"$D/pub/v.img")
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$YKUNLOCK" list "$D/pub/v.img"
expect_rc 11 "list of a vault this user may not read"
expect_err_line "ykunlock: $D/pub/v.img: permission denied (it cannot be read as this user)" "permission denied"
chmod 644 "$D/pub/v.img.key"
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$YKUNLOCK" open "$D/pub/v.img" --test --recovery-key-file "$D/pub/v.img.key"
expect_rc 11 "open --test of a vault this user may not read"
run setpriv --reuid=nobody --regid=nogroup --clear-groups "$YKUNLOCK" list --json "$D/pub/v.img"
expect_rc 11 "list --json, permission denied"
expect_eq "$(printf '%s' "$OUT" | jq -r .error.exit_code)" 11 "list --json: the error as JSON"
expect_eq "$(sha256sum <"$D/pub/v.img")" "$before" "permission denied: nothing changed"

# ---- control characters from the header never reach the terminal raw ----
make_vault "$D/ctl.img" --no-enroll
cryptsetup config --label "ev${ESC}[31mil" "$D/ctl.img" || fail "cryptsetup config --label"
# another tool's token, bound to a passphrase keyslot, whose type has control characters
tr -d '\n' <"$D/ctl.img.key" >"$D/ctl.bin" # the key as printed is the passphrase
printf 'a passphrase' >"$D/ctl.pass"
cryptsetup luksAddKey -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$D/ctl.bin" "$D/ctl.img" "$D/ctl.pass" ||
  fail "cryptsetup luksAddKey"
printf '{"type":"x%s]0;pwned%sy","keyslots":["1"]}' "$ESC" "$(printf '\a')" |
  cryptsetup token import --json-file - "$D/ctl.img" || fail "cryptsetup token import"
run "$YKUNLOCK" list "$D/ctl.img"
expect_rc 0 "list of a header with control characters"
case "$OUT$ERR" in *"$ESC"* | *$'\a'*) fail "list printed a raw control character: $(printf '%q' "$OUT")" ;; *) pass "list: no raw control character" ;; esac
printf '%s\n' "$OUT" | grep -qF 'Vault ev\x1b[31mil,' && pass "list: the label escaped" || fail "list: $OUT"
printf '%s\n' "$OUT" | grep -qF 'token of another tool (x\x1b]0;pwned\x07y)' && pass "list: the token type escaped" || fail "list: $OUT"
run "$YKUNLOCK" list --json "$D/ctl.img"
case "$OUT" in *"$ESC"*) fail "list --json printed a raw ESC" ;; *) pass "list --json: no raw control character" ;; esac
run "$YKUNLOCK" open "$D/ctl.img" --test --recovery-key-file "$D/ctl.img.key"
expect_rc 0 "open --test of a header with control characters"
case "$OUT$ERR" in *"$ESC"*) fail "open printed a raw ESC: $(printf '%q' "$ERR")" ;; *) pass "open: no raw control character" ;; esac
expect_err_line 'ykunlock: ev\x1b[31mil opens with keyslot 0 (--test: no mapping was created)' "open: the label escaped"

# ---- detached headers: named as such, and --header suggested ----
"$YKUNLOCK" create "$D/det.img" --header "$D/det.hdr" --size 32M --fs none --no-enroll >"$D/det.key" 2>/dev/null || fail "create --header"
run "$YKUNLOCK" list "$D/det.img"
expect_rc 4 "list of the data of a detached header"
expect_err_line "ykunlock: $D/det.img is not a LUKS2 vault (it has no LUKS header); if its header is detached, name it with --header FILE" "--header suggested"
run "$YKUNLOCK" list "$D/det.hdr"
expect_rc 0 "list of a detached header file"
printf '%s\n' "$OUT" | grep -q '^Vault det.img, UUID .*, detached header$' && pass "list HEADER: a detached header" || fail "list HEADER: $OUT"
expect_err_line "ykunlock: $D/det.hdr is a detached LUKS2 header: the vault's data is in another file (ykunlock open DATA --header $D/det.hdr)" "list HEADER: advice"

# ---- --debug: libcryptsetup's log, and no secret in it ----
run "$YKUNLOCK" open "$D/det.img" --header "$D/det.hdr" --test --recovery-key-file "$D/det.key" --debug
expect_rc 0 "open --test --debug"
printf '%s\n' "$ERR" | grep -q '^ykunlock: libcryptsetup: ' && pass "--debug shows libcryptsetup's log" || fail "--debug: $ERR"
key=$(cat "$D/det.key")
case "$ERR" in *"$key"* | *"${key:0:16}"*) fail "--debug printed the recovery key" ;; *) pass "--debug: the key is not in the log" ;; esac

finish
