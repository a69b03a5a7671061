#!/usr/bin/env bash
# ykunlock token list: readers without cards, tokens with their serial, firmware and slots,
# the JSON schema of docs/cli.md, the --serial filter, and pcscd not running.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
world_enter "$@"
world_start_pcscd

run "$YKUNLOCK" token list
expect_rc 0 "list with no token"
expect_out_contains "$WORLD_READER0" "empty reader listed"
[ "$(printf '%s\n' "$OUT" | grep -c '(no card)')" = 2 ] && pass "both readers say (no card)" || fail "readers without card: $OUT"

world_start_token a 35963 "$WORLD_DIR/a.json" --serial 4000001
world_start_token b 35964 "$WORLD_DIR/b.json" --serial 4000002 --firmware 5.2.7

run "$YKUNLOCK" token list
expect_rc 0 "list with two tokens"
line=$(printf '%s\n' "$OUT" | grep -F "$WORLD_READER0")
expect_eq "$(echo "$line" | awk '{print $1, $6, $7, $8, $9}')" "pcsc 4000001 5.4.3 empty empty" "token a row"
line=$(printf '%s\n' "$OUT" | grep -F "$WORLD_READER1")
expect_eq "$(echo "$line" | awk '{print $6, $7}')" "4000002 5.2.7" "token b row"

run "$YKUNLOCK" token list --json
expect_rc 0 "list --json"
summary=$(printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["version"] == 1
for t in sorted(d["devices"], key=lambda t: t["reader"]):
    print(t["transport"], t["reader"].replace(" ", "_"), t["state"], t["serial"], t["firmware"],
          ",".join("%d=%s" % (s["slot"], s["state"]) for s in t["slots"]))
')
expect_eq "$summary" "pcsc Virtual_PCD_00_00 token 4000001 5.4.3 1=empty,2=empty
pcsc Virtual_PCD_00_01 token 4000002 5.2.7 1=empty,2=empty" "JSON devices"

run "$YKUNLOCK" token list --serial 4000002
expect_rc 0 "list --serial"
expect_eq "$(printf '%s\n' "$OUT" | tail -n +2 | awk '{print $6}')" "4000002" "--serial keeps one token"

run "$YKUNLOCK" --reader "PCD 00 00" token list --json
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([t["serial"] for t in json.load(sys.stdin)["devices"]])')" \
  "[4000001]" "--reader before the verb filters"

# A programmed slot shows as such.
printf '303132333435363738393a3b3c3d3e3f40414243\n' >"$WORLD_DIR/secret"
run "$YKUNLOCK" token setup --serial 4000001 --secret-file "$WORLD_DIR/secret"
expect_rc 0 "setup slot 2 of token a"
run "$YKUNLOCK" token list --serial 4000001
expect_eq "$(printf '%s\n' "$OUT" | tail -n 1 | awk '{print $8, $9}')" "empty programmed" "slot 2 now programmed"

world_stop_pcscd
run "$YKUNLOCK" token list
expect_rc 8 "pcscd not running"
expect_err_line "ykunlock: cannot list tokens: the PC/SC service (pcscd) is not running (systemctl start pcscd.socket starts it)" "pcscd not running"
run "$YKUNLOCK" token list --json
expect_rc 8 "pcscd not running, --json"
expect_eq "$(printf '%s' "$OUT" | jq -c .)" '{"version":1,"error":{"message":"cannot list tokens: the PC/SC service (pcscd) is not running (systemctl start pcscd.socket starts it)","exit_code":8}}' "only the error, as JSON, on stdout when the listing failed"

finish
