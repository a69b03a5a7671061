#!/usr/bin/env bash
# One touch for several vaults (docs/token-format.md): `enroll --share-challenge-with OTHER`
# copies OTHER's challenge for the same key and slot once the key's response opens OTHER, and
# refuses (message, exit code, headers unchanged, the key not asked) when OTHER has no such
# enrollment or the response does not open it. Then one challenge serves the group: the tokens
# hold the same challenge (read by stock cryptsetup), `open --test` opens each vault, and
# `plug-event add` asks the key once for the group. The emulated key has a touch slot and logs
# every APDU (--verbose): an HMAC challenge to slot 2 is "APDU 00 01 38 00".
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR

plug a 35963 1001 --touch 100 --verbose
program 35963 "$SECRET_A" --touch
make_vault "$D/v1.img" --touch
make_vault "$D/v2.img" --no-enroll
make_vault "$D/v3.img" --no-enroll
make_vault "$D/v4.img" --touch --label single

# challenges: how many HMAC challenges token a was asked so far.
challenges() { grep -c '^ykemu: APDU 00 01 38 00 ' "$D/ykemu-a.log"; }
# challenge_of IMAGE: the challenge of its ykunlock token, by stock cryptsetup.
challenge_of() {
  local id c
  for id in $(seq 0 31); do
    c=$(cryptsetup token export --disable-external-tokens --token-id "$id" "$1" 2>/dev/null |
      python3 -c 'import json,sys; t=json.load(sys.stdin); print(t["challenge"] if t["type"] == "ykunlock" else "")' 2>/dev/null)
    [ -n "$c" ] && { printf '%s\n' "$c"; return; }
  done
}

# ---- refusals: nothing written, and the key is not asked ----
before=$(fingerprint "$D/v1.img" "$D/v2.img" "$D/v3.img")
n0=$(challenges)
run "$YKUNLOCK" enroll "$D/v3.img" --share-challenge-with "$D/v2.img" --recovery-key-file "$D/v3.img.key" --touch
expect_rc 5 "OTHER without an enrollment of the key"
expect_err_line "ykunlock: $D/v2.img has no enrollment of token 1001 in slot 2 without a PIN to share a challenge with; nothing was changed" "OTHER without the key"
printf '1234\n' >"$D/pin"
run "$YKUNLOCK" enroll "$D/v3.img" --share-challenge-with "$D/v1.img" --recovery-key-file "$D/v3.img.key" --pin-file "$D/pin"
expect_rc 5 "OTHER's enrollment has no PIN, the new one has"
expect_err_line "ykunlock: $D/v1.img has no enrollment of token 1001 in slot 2 with a PIN to share a challenge with; nothing was changed" "PIN differs"
run "$YKUNLOCK" enroll "$D/v3.img" --share-challenge-with "$D/absent.img" --recovery-key-file "$D/v3.img.key"
expect_rc 1 "OTHER missing"
expect_err_contains "$D/absent.img" "OTHER missing is named"
head -c 1M /dev/zero >"$D/zero.img"
run "$YKUNLOCK" enroll "$D/v3.img" --share-challenge-with "$D/zero.img" --recovery-key-file "$D/v3.img.key"
expect_rc 4 "OTHER not a vault"
expect_eq "$(challenges)" "$n0" "refusals asked the key nothing"
expect_unchanged "$before" "refusals" "$D/v1.img" "$D/v2.img" "$D/v3.img"

# The same serial with another secret (a key programmed anew): its response does not open v1.
plug b 35964 1001
program 35964 "$SECRET_C"
run "$YKUNLOCK" enroll "$D/v3.img" --reader "$WORLD_READER1" --share-challenge-with "$D/v1.img" \
  --recovery-key-file "$D/v3.img.key"
expect_rc 2 "a response that does not open OTHER"
expect_err_line "ykunlock: the response of token 1001 (slot 2) does not open its keyslot in $D/v1.img (another key, a slot programmed anew, or another PIN); nothing was changed" "response refused"
expect_unchanged "$before" "a response that does not open OTHER" "$D/v1.img" "$D/v2.img" "$D/v3.img"
world_stop_token b

# ---- v2 joins v1's group: one challenge, checked on v1 and used for v2 ----
n0=$(challenges)
run "$YKUNLOCK" enroll "$D/v2.img" --share-challenge-with "$D/v1.img" --recovery-key-file "$D/v2.img.key" --touch
expect_rc 0 "enroll v2 into v1's group"
expect_err_contains "sharing the challenge of $D/v1.img" "enroll says it joined the group"
expect_eq "$(($(challenges) - n0))" 1 "joining the group asked the key once"
c1=$(challenge_of "$D/v1.img") c2=$(challenge_of "$D/v2.img") c4=$(challenge_of "$D/v4.img")
[ -n "$c1" ] && [ "$c1" = "$c2" ] && pass "v1 and v2 hold the same challenge" ||
  fail "v1 and v2 hold challenges '$c1' and '$c2'"
[ "$c1" != "$c4" ] && pass "v4 (not grouped) has a challenge of its own" || fail "v4 shares v1's challenge"

# Each opens with the key, alone, as before (a grouped token is an ordinary version-1 token).
for v in v1 v2 v4; do
  run "$YKUNLOCK" open "$D/$v.img" --test --timeout 0
  expect_rc 0 "open --test $v"
done

# ---- plug-event add: one challenge for the group v1+v2, one for v4 ----
cat >"$D/vaults" <<EOF2
$D/v1.img  g1
$D/v2.img  g2
$D/v4.img  single
EOF2
n0=$(challenges)
run "$YKUNLOCK" plug-event add --config "$D/vaults" --wait 0
# Without device-mapper here nothing is activated, but each keyslot was opened first.
expect_err_line "ykunlock: g1: not opened: this kernel has no device-mapper" "plug-event g1"
expect_err_line "ykunlock: g2: not opened: this kernel has no device-mapper" "plug-event g2"
expect_err_line "ykunlock: single: not opened: this kernel has no device-mapper" "plug-event single"
expect_eq "$(($(challenges) - n0))" 2 "plug-event add: one challenge for the group, one for v4"

# ---- status shows the group: v1 and v2 share a challenge, v4 has its own ----
# (v1 listed twice under two names is one vault, not a group of two.)
printf '%s\n' "$D/v1.img  again  noauto" >>"$D/vaults"
n0=$(challenges)
run "$YKUNLOCK" status --config "$D/vaults"
expect_rc 0 "status"
group_of() { printf '%s\n' "$OUT" | awk -v n="$1" '$1 == n { print $5 }'; }
expect_eq "$(group_of g1) $(group_of g2) $(group_of single) $(group_of again)" "1 1 - 1" \
  "status: g1 and g2 (and g1 again) in group 1, single in none"
expect_eq "$(printf '%s\n' "$OUT" | head -1 | awk '{ print $5 }')" "GROUP" "status: the GROUP column"
run "$YKUNLOCK" status --config "$D/vaults" --json
expect_rc 0 "status --json"
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([v["group"] for v in json.load(sys.stdin)["vaults"]])')" \
  "[1, 1, None, 1]" "status --json: group"
expect_eq "$(($(challenges) - n0))" 0 "status asks the key nothing"

# ---- the group's vault named by its detached header: only its header is read ----
make_vault "$D/v5.img" --header "$D/v5.hdr" --touch
make_vault "$D/v6.img" --no-enroll
run "$YKUNLOCK" enroll "$D/v6.img" --share-challenge-with "$D/v5.hdr" --recovery-key-file "$D/v6.img.key" --touch
expect_rc 0 "the group's vault given as a detached header"
c5=$(challenge_of "$D/v5.hdr") c6=$(challenge_of "$D/v6.img")
[ -n "$c5" ] && [ "$c5" = "$c6" ] && pass "v6 holds v5's challenge" || fail "v5 and v6 hold '$c5' and '$c6'"

finish
