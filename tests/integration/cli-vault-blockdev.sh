#!/usr/bin/env bash
# ykunlock create on a block device (a loop device over a file: luksFormat needs no
# device-mapper): cryptsetup's confirmation (YES at a terminal, -q skips it, no terminal and no
# -q is refused with 5), --size refused, a busy device refused, a device too small refused,
# and nothing written in any of these; then a vault made with -q that the token and stock
# cryptsetup open, and a key that could not be shown wipes the header it wrote.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
[ -e /dev/loop-control ] || { echo "SKIP: no loop devices here"; exit 77; }
world_enter "$@"
LOOPS=()
trap 'rc=$?; for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done; (exit $rc); world_cleanup' EXIT
world_start_pcscd
D=$WORLD_DIR

# loop FILE SIZE: a loop device over a new file filled with a pattern; its path on stdout
loop() {
  yes 'data that must survive a refused create' | head -c "$2" >"$1"
  losetup -f --show "$1"
}
DEV=$(loop "$D/disk" 40M) || { echo "SKIP: losetup cannot attach a loop device here"; exit 77; }
LOOPS+=("$DEV")
[ -b "$DEV" ] || world_die "$DEV is not a block device"
plug a 35963 1001
program 35963 "$SECRET_A"

before=$(fingerprint "$D/disk")
run "$YKUNLOCK" create "$DEV" --fs none --no-enroll
expect_rc 5 "no terminal and no -q"
expect_err_line "ykunlock: create formats the block device $DEV (40 MiB): everything on it is lost" "the warning"
expect_err_line "ykunlock: this asks for confirmation at a terminal, and standard input is not one; -q (--batch-mode) confirms it; nothing was written" "no terminal"
[ -z "$OUT" ] && pass "no terminal: nothing on stdout" || fail "no terminal: stdout $OUT"
run "$YKUNLOCK" -q create "$DEV" --fs none --no-enroll --size 40M
expect_rc 1 "--size with a block device"
expect_err_line "ykunlock: --size does not apply to a block device: the whole of $DEV is formatted" "--size"
run "$YKUNLOCK" -q create "$DEV" --fs none --no-enroll --header "$D/hdr"
expect_rc 1 "--header with a block device"
[ -e "$D/hdr" ] && fail "--header: a header file was left" || pass "--header: no header file"
# busy: another program holds the device exclusively
python3 -c 'import os,sys,time; fd=os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL); open(sys.argv[2], "w").close(); time.sleep(60)' \
  "$DEV" "$D/held" &
holder=$!
for _ in $(seq 1 100); do [ -e "$D/held" ] && break; sleep 0.1; done
run "$YKUNLOCK" -q create "$DEV" --fs none --no-enroll
expect_rc 5 "a busy device"
expect_err_line "ykunlock: $DEV is in use (mounted, open as a mapping, or held by another program); nothing was written" "busy"
kill "$holder"
wait "$holder" 2>/dev/null
SMALL=$(loop "$D/small" 16M) || world_die "losetup small"
LOOPS+=("$SMALL")
small_before=$(fingerprint "$D/small")
run "$YKUNLOCK" -q create "$SMALL" --fs none --no-enroll
expect_rc 1 "a device too small"
expect_err_line "ykunlock: $SMALL is smaller than 32 MiB, too small for a vault; nothing was written" "too small"
expect_unchanged "$small_before" "a device too small" "$D/small"
if command -v expect >/dev/null; then
  export YKUNLOCK DEV
  OUT=$(expect -c 'set timeout 20
       spawn $env(YKUNLOCK) create $env(DEV) --fs none --no-enroll
       expect "Are you sure? (Type YES in capital letters): " { send "yes\r" } timeout { exit 90 }
       expect eof; catch wait r; exit [lindex $r 3]' 2>&1)
  RC=$?
  expect_rc 5 "answered yes, not YES"
  printf '%s' "$OUT" | grep -q 'not confirmed (only YES confirms); nothing was written' && pass "yes: message" || fail "yes: $OUT"
fi
expect_unchanged "$before" "refused creates" "$D/disk"

# ---- -q: formatted, the token enrolled, stock cryptsetup opens it with the key ----
run "$YKUNLOCK" -q create "$DEV" --fs none
expect_rc 0 "create -q on a block device"
printf '%s\n' "$OUT" >"$D/dev.key"
[ "$(wc -l <"$D/dev.key")" = 1 ] && grep -Eq '^[cbdefghijklnrtuv]{8}(-[cbdefghijklnrtuv]{8}){7}$' "$D/dev.key" && pass "stdout is the recovery key alone" ||
  fail "stdout: $OUT"
cryptsetup open --test-passphrase --disable-external-tokens "$DEV" <"$D/dev.key" &&
  pass "stock cryptsetup opens the device with the recovery key" || fail "the recovery key does not open the device"
run "$YKUNLOCK" open "$DEV" --test --timeout 0
expect_rc 0 "the token enrolled at create opens it"
run "$YKUNLOCK" list "$DEV" --json
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["label"])')" "$(basename "$DEV")" \
  "the label is the device's name"
expect_eq "$(tail -c 40 "$D/disk" | head -c 39)" "data that must survive a refused create" \
  "a sparse create writes only the header (the end of the device is as it was)"

# ---- a key nobody saw: the header written on the device is wiped again ----
( trap '' PIPE; "$YKUNLOCK" -q create "$DEV" --fs none --no-enroll 2>"$D/pipe.err" | true )
grep -qxF "ykunlock: cannot write the recovery key to standard output (Broken pipe); nobody saw it, so the LUKS2 header written on $DEV was wiped again" "$D/pipe.err" &&
  pass "closed pipe: says the header was wiped" || fail "closed pipe: $(cat "$D/pipe.err")"
cryptsetup isLuks "$DEV" && fail "closed pipe: a LUKS header is left on the device" || pass "closed pipe: no LUKS header is left"

finish
