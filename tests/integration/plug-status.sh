#!/usr/bin/env bash
# ykunlock status and plug-event against /etc/ykunlock/vaults-style files (--config), in a
# private world with emulated tokens. This machine has no device-mapper: every vault shows
# closed, and plug-event add says, per vault, why it did not open (the open and suspended
# states are exercised in VM scenarios). A bad line is named and never stops the others.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR

# v1 and v2 enrolled with token a (1001), v3 with token b (2002) only.
plug b 35963 2002
program 35963 "$SECRET_B"
make_vault "$D/v3.img"
world_stop_token b
plug a 35963 1001
program 35963 "$SECRET_A"
make_vault "$D/v1.img"
make_vault "$D/v2.img" --label second
mkdir -p "$D/mnt1"

CFG=$D/vaults
cat >"$CFG" <<EOF
# vaults of the test
$D/v1.img   v1   $D/mnt1   on-remove=close,mountopts=noatime
$D/v2.img   v2   -         on-remove=suspend,readonly
$D/v3.img   v3
$D/v1.img   v4   noauto,bogus
LABEL=no-such-label   gone
$D/v1.img   v4   noauto
EOF
before=$(fingerprint "$D/v1.img" "$D/v2.img" "$D/v3.img")

# ---- status: each vault, its state and the present token that opens it ----
run "$YKUNLOCK" status --config "$CFG"
expect_rc 0 "status"
expect_err_line "ykunlock: $CFG:5: unknown option 'bogus'; line skipped" "status names the bad line"
row() { printf '%s\n' "$OUT" | awk -v n="$1" '$1 == n { print $2, $3, $4, $NF }'; }
expect_eq "$(row v1)" "closed yes close 1001" "status v1: closed, opened by token 1001"
expect_eq "$(row v2)" "closed yes suspend 1001" "status v2"
expect_eq "$(row v3)" "closed yes nothing -" "status v3: its token is not present"
expect_eq "$(row gone)" "closed yes nothing device)" "status gone: no such device"
expect_eq "$(row v4)" "closed no nothing 1001" "status v4 (noauto, from line 7)"
expect_eq "$(printf '%s\n' "$OUT" | wc -l)" 6 "status: a header and five vaults"
expect_eq "$(printf '%s\n' "$OUT" | awk 'NR > 1 { printf "%s ", $5 }')" "- - - - - " \
  "status: no group (v1 under two names is one vault)"

run "$YKUNLOCK" status --config "$CFG" --json
expect_rc 0 "status --json"
json_get() { printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
expect_eq "$(json_get 'd["version"], len(d["vaults"]), d["errors"]')" \
  "1 5 [{'line': 5, 'message': \"unknown option 'bogus'\"}]" "status --json: vaults and errors"
expect_eq "$(json_get '[(v["name"], v["state"], v["present_token"]) for v in d["vaults"]][:3]')" \
  "[('v1', 'closed', {'serial': 1001, 'transport': 'pcsc'}), ('v2', 'closed', {'serial': 1001, 'transport': 'pcsc'}), ('v3', 'closed', None)]" \
  "status --json: states and present tokens"
expect_eq "$(json_get 'd["vaults"][0]["mountpoint"] == "'"$D"'/mnt1", d["vaults"][0]["mountopts"], d["vaults"][1]["readonly"], d["vaults"][3]["error"], d["vaults"][3]["device"]')" \
  "True noatime True no such device /dev/disk/by-label/no-such-label" "status --json: fields"

run "$YKUNLOCK" status --config "$D/absent"
expect_rc 1 "status with a missing --config file"
expect_err_line "ykunlock: cannot read $D/absent: No such file or directory" "status: missing file named"
run "$YKUNLOCK" status extra
expect_rc 1 "status with an argument"

# ---- plug-event add: one line per vault; without device-mapper nothing opens ----
run "$YKUNLOCK" plug-event add --config "$CFG" --wait 0
expect_rc 9 "plug-event add without device-mapper"
expect_err_line "ykunlock: $CFG:5: unknown option 'bogus'; line skipped" "plug-event add: the bad line"
expect_err_line "ykunlock: v1: not opened: this kernel has no device-mapper" "plug-event add v1"
expect_err_line "ykunlock: v2: not opened: this kernel has no device-mapper" "plug-event add v2"
expect_err_line "ykunlock: v3: not opened: no token enrolled in it is present" "plug-event add v3"
expect_err_line "ykunlock: gone: not opened: /dev/disk/by-label/no-such-label: no such device" "plug-event add gone"
expect_err_line "ykunlock: v4: left alone (noauto)" "plug-event add v4"
expect_eq "$(printf '%s\n' "$ERR" | wc -l)" 6 "plug-event add: exactly one line per vault and bad line"

# ---- plug-event remove: every vault is closed, nothing to do ----
run "$YKUNLOCK" plug-event remove --config "$CFG"
expect_rc 0 "plug-event remove"
expect_eq "$ERR" "ykunlock: $CFG:5: unknown option 'bogus'; line skipped" "plug-event remove: only the bad line"

# ---- no token: add waits --wait seconds for one, then says so ----
world_stop_token a
start=$(date +%s%N)
run "$YKUNLOCK" plug-event add --config "$CFG" --wait 1
took=$((($(date +%s%N) - start) / 1000000))
expect_rc 1 "plug-event add with no token: the first failure, a missing device, exits 1"
expect_err_line "ykunlock: v1: not opened: no token enrolled in it is present" "plug-event add v1 without its token"
[ "$took" -ge 1000 ] && pass "plug-event add waited for a token ($took ms)" || fail "plug-event add waited only $took ms"

run "$YKUNLOCK" plug-event sideways --config "$CFG"
expect_rc 1 "plug-event with a bad event"
expect_err_line "ykunlock: plug-event takes add or remove (see ykunlock plug-event --help)" "plug-event: bad event named"
run "$YKUNLOCK" plug-event add --config "$CFG" --wait 601
expect_rc 1 "plug-event --wait out of range"

expect_unchanged "$before" "status and plug-event" "$D/v1.img" "$D/v2.img" "$D/v3.img"
finish
