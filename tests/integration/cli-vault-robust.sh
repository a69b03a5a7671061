#!/usr/bin/env bash
# Bad vaults through every verb that reads one: not LUKS, LUKS1, a truncated header, a detached
# header with a data device that has its own LUKS header, malformed ykunlock token JSON, a
# missing file. Each: the exact message, exit 4 (1 for a path that is not there), and the
# bytes on disk unchanged.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR

plug a 35963 1001
program 35963 "$SECRET_A"
GOOD=$D/good.img
make_vault "$GOOD"

# every_verb FILE RC MESSAGE WHAT [global options...]: list, open --test, enroll, unenroll
# all refuse FILE with RC and MESSAGE, and change nothing.
every_verb() {
  local file=$1 rc=$2 msg=$3 what=$4
  shift 4
  local before
  before=$(fingerprint "$file" "$@" 2>/dev/null)
  run "$YKUNLOCK" list "$file" "${GLOBAL[@]}"
  expect_rc "$rc" "list: $what"; expect_err_line "$msg" "list: $what"
  run "$YKUNLOCK" list "$file" --json "${GLOBAL[@]}"
  expect_rc "$rc" "list --json: $what"
  expect_eq "$(printf '%s' "$OUT" | jq -c .error)" "$(jq -cn --arg m "${msg#ykunlock: }" --argjson c "$rc" '{message: $m, exit_code: $c}')" \
    "list --json prints the error as JSON: $what"
  run "$YKUNLOCK" open "$file" --test --timeout 0 "${GLOBAL[@]}"
  expect_rc "$rc" "open: $what"; expect_err_line "$msg" "open: $what"
  run "$YKUNLOCK" enroll "$file" --recovery-key-file "$GOOD.key" "${GLOBAL[@]}"
  expect_rc "$rc" "enroll: $what"; expect_err_line "$msg" "enroll: $what"
  run "$YKUNLOCK" unenroll "$file" --serial 1001 "${GLOBAL[@]}"
  expect_rc "$rc" "unenroll: $what"; expect_err_line "$msg" "unenroll: $what"
  [ -e "$file" ] && expect_unchanged "$before" "$what" "$file" "$@"
}
GLOBAL=()

# ---- not LUKS at all ----
head -c 33554432 /dev/urandom >"$D/random.img"
every_verb "$D/random.img" 4 "ykunlock: $D/random.img is not a LUKS2 vault (it has no LUKS header); if its header is detached, name it with --header FILE" "not LUKS"
: >"$D/empty.img"
every_verb "$D/empty.img" 4 "ykunlock: $D/empty.img is not a LUKS2 vault (it has no LUKS header); if its header is detached, name it with --header FILE" "an empty file"

# ---- LUKS1 ----
printf 'x' >"$D/k"
stock_format "$D/luks1.img" "$D/k" luks1
every_verb "$D/luks1.img" 4 "ykunlock: $D/luks1.img is a LUKS1 device; ykunlock works with LUKS2 (cryptsetup convert --type luks2 converts it)" "LUKS1"

# ---- a truncated image: the header cut short ----
cp "$GOOD" "$D/trunc.img"
truncate -s 8192 "$D/trunc.img"
every_verb "$D/trunc.img" 4 "ykunlock: $D/trunc.img: the LUKS2 header is truncated or malformed (cryptsetup luksDump shows what is wrong)" "truncated"

# ---- a path that is not there, a directory, a symbolic link ----
every_verb "$D/missing.img" 1 "ykunlock: $D/missing.img: No such file or directory" "missing file"
mkdir "$D/dir.img"
run "$YKUNLOCK" list "$D/dir.img"
expect_rc 1 "a directory"
expect_err_line "ykunlock: $D/dir.img is not a regular file or a block device" "a directory"
ln -s "$GOOD" "$D/link.img"
run "$YKUNLOCK" list "$D/link.img"
expect_rc 1 "a symbolic link"
expect_err_line "ykunlock: $D/link.img is a symbolic link; give the file it points to" "a symbolic link"

# ---- a detached header whose data device has a LUKS header of its own ----
"$YKUNLOCK" create "$D/data.img" --header "$D/data.hdr" --size 4M --fs none >/dev/null 2>&1 || world_die "create detached"
GLOBAL=(--header "$D/data.hdr")
every_verb "$GOOD" 4 "ykunlock: $GOOD has a LUKS header of its own: it is not the data of the detached header $D/data.hdr" "mismatched detached header" "$D/data.hdr"
GLOBAL=()

# ---- malformed ykunlock token JSON ----
import_token() { # import_token IMAGE ID JSON
  printf '%s' "$3" >"$D/token.json"
  cryptsetup token import --disable-external-tokens --token-id "$2" --json-file "$D/token.json" "$1" ||
    world_die "cryptsetup token import failed"
}
M=$D/malformed.img
make_vault "$M" --no-enroll
CH=$(head -c 32 /dev/urandom | base64)
import_token "$M" 3 '{"type":"ykunlock","keyslots":[],"version":1,"serial":1001,"slot":2,"challenge":"not base64!","touch":false,"pin":false,"created":"2026-11-27T07:00:00Z"}'
before=$(fingerprint "$M")
run "$YKUNLOCK" open "$M" --test --timeout 0
expect_rc 4 "only a malformed token (bad base64)"
expect_err_line "ykunlock: malformed.img: its ykunlock tokens are malformed (ykunlock list shows them)" "malformed token"
run "$YKUNLOCK" list "$M" --json
expect_rc 0 "list shows a malformed token"
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([(e["kind"], e["token_id"], e.get("type")) for e in json.load(sys.stdin)["entries"]])')" \
  "[('recovery', 0, None), ('malformed', 3, 'ykunlock')]" "list --json: the malformed token"
run "$YKUNLOCK" list "$M"
expect_out_contains "malformed ykunlock token (ykunlock unenroll --token-id 3 removes it)" "list: the malformed row"
expect_unchanged "$before" "malformed token" "$M"
# version 2 and a challenge of the wrong length, bound to a real keyslot
for bad in '"version":2' '"challenge":"AAAA"' '"slot":3' '"serial":"1001"' '"created":"yesterday"'; do
  cp "$GOOD" "$D/m2.img"
  json=$(cryptsetup token export --token-id 1 "$D/m2.img" | python3 -c "
import json, sys
t = json.load(sys.stdin)
t.update(json.loads('{' + sys.argv[1] + '}'))
print(json.dumps(t))" "$bad")
  cryptsetup token remove --token-id 1 "$D/m2.img"
  import_token "$D/m2.img" 1 "$json"
  before=$(fingerprint "$D/m2.img")
  run "$YKUNLOCK" open "$D/m2.img" --test --timeout 0
  expect_rc 4 "malformed token ($bad)"
  expect_err_line "ykunlock: good.img: its ykunlock tokens are malformed (ykunlock list shows them)" "malformed ($bad)"
  run "$YKUNLOCK" enroll "$D/m2.img" --recovery-key-file "$GOOD.key"
  expect_rc 0 "enroll next to a malformed token ($bad) still works"
  run "$YKUNLOCK" open "$D/m2.img" --test --timeout 0
  expect_rc 0 "and then opens with the good token ($bad)"
  run "$YKUNLOCK" unenroll "$D/m2.img" --token-id 1
  expect_rc 0 "unenroll --token-id removes the malformed token ($bad)"
done

finish
