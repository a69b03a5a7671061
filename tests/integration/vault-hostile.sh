#!/usr/bin/env bash
# Hostile headers (in the spirit of cryptsetup's luks2-validation-test): a generator writes more
# than 50 malformed or adversarial token layouts into copies of one vault — tokens naming other
# tokens' keyslots, duplicate serials, pending tokens on the recovery or a token's keyslot, wrong
# types and values, control characters, maximum sizes — and checks for each that `list`,
# `open --test`, `unenroll --token-id` of the bad token and the plugin (stock `cryptsetup open
# --test-passphrase` through our plugin, bind-mounted) keep every valid way in working (the
# recovery key, the passphrase, the enrolled token), print no raw control character, and do
# not crash (no exit 10, no signal).
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
. "$YK_SOURCE_DIR/tests/integration/plugin-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
BASE=$D/base.img

# ---- the base vault: keyslot 0 recovery key (token 0), 1 token A (token 1), 2 a passphrase ----
plug a 35963 10000001
program 35963 "$SECRET_A"
make_vault "$BASE" --no-enroll
tr -d '\n' <"$BASE.key" >"$D/rk.bin" # the key as printed is the passphrase
printf 'hostile-pass' >"$D/pw"
"$YKUNLOCK" enroll "$BASE" --recovery-key-file "$BASE.key" >/dev/null 2>&1 || world_die "enroll A"
cryptsetup luksAddKey -q --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-slot 2 --key-file "$D/rk.bin" \
  "$BASE" "$D/pw" || world_die "luksAddKey"
[ "$(stock_keyslots "$BASE")" = "0 1 2 " ] || world_die "base keyslots: $(stock_keyslots "$BASE")"

CH=3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGho=
T='"created":"2026-11-27T07:13:06Z"'
# yk KEYSLOTS SERIAL [EXTRA]: a ykunlock token with these "keyslots" (JSON array body)
yk() { printf '{"type":"ykunlock","keyslots":[%s],"version":1,"serial":%s,"slot":2,"challenge":"%s","touch":false,"pin":false,%s%s}' "$1" "$2" "$CH" "$T" "${3:-}"; }
pend() { printf '{"type":"ykunlock","keyslots":[],"version":1,"serial":%s,"slot":2,"challenge":"%s","touch":false,"pin":false,%s,"pending-keyslot":%s}' "$2" "$CH" "$T" "$1"; }
ESC=$(printf '\033')
BEL=$(printf '\007')
LONG=$(head -c 3000 /dev/zero | tr '\0' 'x')

# CASES: "token-id<TAB>json" per line; several lines for one case are joined with '|'.
CASES=()
add() { CASES+=("$1"); }
add "5	$(yk '"0"' 10000001)"                                  # names the recovery keyslot, serial of A
add "5	$(yk '"1"' 10000001)"                                  # names A's keyslot, duplicate serial
add "5	$(yk '"1"' 20000002)"                                  # names A's keyslot, another serial
add "5	$(yk '"2"' 10000001)"                                  # names the passphrase keyslot
add "5	$(yk '"2"' 30000003)"
add "5	$(yk '"31"' 10000001)"                                 # a keyslot that does not exist
add "5	$(yk '"0","1","2"' 10000001)"                          # several keyslots
add "5	$(yk '"1","2"' 20000002)"
add "5	$(pend 0 10000001)"                                    # pending on the recovery keyslot
add "5	$(pend 0 30000003)"
add "5	$(pend 1 20000002)"                                    # pending on A's keyslot
add "5	$(pend 2 20000002)"                                    # pending on the passphrase keyslot
add "5	$(pend 9 20000002)"                                    # pending on nothing
add "5	$(pend 0 10000001)|6	$(pend 0 20000002)"                # two pending on the recovery keyslot
add "5	$(yk '"1"' 10000001)|6	$(yk '"1"' 10000001)"              # three tokens on A's keyslot
add "5	$(yk '"0"' 10000001)|6	$(pend 1 10000001)"
add "0	$(yk '"0"' 10000001)|7	$(cryptsetup token export --token-id 0 "$BASE")" # bad token at id 0, marker moved
add "5	{\"type\":\"ykunlock-recovery\",\"keyslots\":[\"1\"],\"version\":1,$T}"       # a second marker on A's keyslot
add "5	{\"type\":\"ykunlock-recovery\",\"keyslots\":[\"2\"],\"version\":1,$T}"
add "5	{\"type\":\"ykunlock-recovery\",\"keyslots\":[\"0\"],\"version\":9,$T}"       # malformed marker
add "5	{\"type\":\"ykunlock-recovery\",\"keyslots\":[],\"version\":1,$T}"
add "5	{\"type\":\"systemd-fido2\",\"keyslots\":[\"0\"]}"        # another tool on the recovery keyslot
add "5	{\"type\":\"systemd-fido2\",\"keyslots\":[\"1\"]}"        # another tool on A's keyslot
add "5	{\"type\":\"other${ESC}[2J${BEL}\",\"keyslots\":[\"2\"]}"  # control characters in a type
add "5	{\"type\":\"ykunlock\",\"keyslots\":[\"0\"]}"             # bare
add "5	{\"type\":\"ykunlock\",\"keyslots\":[]}"
add "5	$(yk '"1"' '"10000001"')"                              # wrong types
add "5	$(yk '"1"' -1)"
add "5	$(yk '"1"' 4294967296)"
add "5	$(yk '"1"' 1.5)"
add "5	$(yk '"1"' null)"                                      # hidden serial on A's keyslot
add "5	$(yk '"0"' null)"
add "5	$(yk '"1"' 10000001 ',"extra":1')"                     # unknown field
add "5	$(yk '"1"' 10000001 ",\"pending-keyslot\":0")"          # bound and pending at once
add "5	$(yk '"0"' 10000001 ",\"pending-keyslot\":1")"
add "5	$(yk '"1"' 10000001 ',"label":"'"$ESC"'[31mred'"$BEL"'"')"  # control characters in a value
add "5	$(yk '"1"' 10000001 ',"x":"'"$LONG"'"')"                 # a long value
add "5	$(printf '{"type":"ykunlock","keyslots":["0"],"version":1,"serial":10000001,"slot":3,"challenge":"%s","touch":false,"pin":false,%s}' "$CH" "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":["0"],"version":2,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":false,%s}' "$CH" "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":["0"],"version":1,"serial":10000001,"slot":2,"challenge":"","touch":false,"pin":false,%s}' "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":["0"],"version":1,"serial":10000001,"slot":2,"challenge":"AAAA","touch":false,"pin":false,%s}' "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":["1"],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":false,%s}' "$(head -c 64 /dev/zero | base64 -w0)" "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":["1"],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":"yes","pin":false,%s}' "$CH" "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":["1"],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":1,%s}' "$CH" "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":["1"],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":false,"created":"2026\033[31m%s"}' "$CH" "$BEL")"
add "5	$(printf '{"type":"ykunlock","keyslots":["1"],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":false,"created":"yesterday"}' "$CH")"
add "5	$(printf '{"type":"ykunlock","keyslots":["01"],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":false,%s}' "$CH" "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":["1"],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":true,%s}' "$CH" "$T")"  # A's keyslot, claims a PIN
add "5	$(printf '{"type":"ykunlock","keyslots":[],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":false,%s,"pending-keyslot":-1}' "$CH" "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":[],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":false,%s,"pending-keyslot":32}' "$CH" "$T")"
add "5	$(printf '{"type":"ykunlock","keyslots":[],"version":1,"serial":10000001,"slot":2,"challenge":"%s","touch":false,"pin":true,%s,"pending-keyslot":0}' "$CH" "$T")"
add "31	$(yk '"0"' 10000001)"                                  # the last token id
add "31	$(pend 0 10000001)"
add "5	$(yk '"0"' 10000001)|6	$(yk '"1"' 10000001)|7	$(yk '"2"' 10000001)|8	$(pend 0 10000001)"
[ "${#CASES[@]}" -ge 50 ] && pass "${#CASES[@]} hostile layouts" || fail "only ${#CASES[@]} layouts"

# ---- write every layout (before the plugin is bound: its `validate` would refuse them) ----
n=0
for c in "${CASES[@]}"; do
  n=$((n + 1))
  img=$D/h$n.img
  cp --sparse=always "$BASE" "$img"
  IFS='|' read -r -a toks <<<"$c"
  first=
  for t in "${toks[@]}"; do
    id=${t%%	*} json=${t#*	}
    [ -z "$first" ] && first=$id
    if [ "$id" = 0 ]; then cryptsetup token remove --token-id 0 "$img" || world_die "case $n: remove 0"; fi
    printf '%s' "$json" >"$D/tok.json"
    cryptsetup token import --disable-external-tokens --token-id "$id" --json-file "$D/tok.json" "$img" 2>"$D/imp.err" ||
      echo "case $n: libcryptsetup refused token $id ($(head -c 200 "$D/imp.err")): tested without it"
  done
  echo "$first" >"$img.bad"
done
plugin_isolate

# no_raw_ctl WHAT: stdout and stderr of the last run carry no control character but \n and \t
no_raw_ctl() {
  if printf '%s%s' "$OUT" "$ERR" | LC_ALL=C grep -q '[^[:print:][:space:]]\|'"$ESC"; then
    fail "$1: a raw control character reached the terminal"
  fi
}
no_crash() {
  { [ "$RC" -lt 10 ] || { [ "$RC" -gt 10 ] && [ "$RC" -lt 64 ]; }; } || fail "$1: exit $RC (a crash or a bug)"
}
# ways_in IMG WHAT [full]: the enrolled token opens it through ykunlock and through the plugin;
# with `full` also the recovery key (ykunlock and stock cryptsetup) and the passphrase.
ways_in() {
  local img=$1 what=$2
  run "$YKUNLOCK" open "$img" --test --timeout 0
  [ "$RC" = 0 ] || fail "$what: token A no longer opens it (exit $RC: $ERR)"
  no_raw_ctl "$what: open"; no_crash "$what: open"
  YKUNLOCK_TOKEN_TIMEOUT=0 run cs open --test-passphrase --token-only "$img"
  [ "$RC" = 0 ] || fail "$what: the plugin no longer opens it with token A (exit $RC: $ERR)"
  no_raw_ctl "$what: plugin"
  [ "${3:-}" = full ] || return 0
  run "$YKUNLOCK" open "$img" --test --recovery-key-file "$BASE.key"
  [ "$RC" = 0 ] || fail "$what: the recovery key no longer opens it (exit $RC: $ERR)"
  no_raw_ctl "$what: open --recovery-key-file"
  run "$YKUNLOCK" open "$img" --test --passphrase-file "$D/pw"
  [ "$RC" = 0 ] || fail "$what: the passphrase no longer opens it (exit $RC: $ERR)"
  run cryptsetup open --test-passphrase --disable-external-tokens --key-file "$D/rk.bin" "$img"
  [ "$RC" = 0 ] || fail "$what: stock cryptsetup no longer opens it with the recovery key"
}

before=$ASSERT_FAILS
for i in $(seq 1 "$n"); do
  img=$D/h$i.img bad=$(cat "$D/h$i.img.bad")
  run "$YKUNLOCK" list "$img"
  no_crash "case $i: list"; no_raw_ctl "case $i: list"
  run "$YKUNLOCK" list "$img" --json
  no_crash "case $i: list --json"; no_raw_ctl "case $i: list --json"
  ways_in "$img" "case $i"
  run "$YKUNLOCK" unenroll "$img" --token-id "$bad"
  no_crash "case $i: unenroll --token-id $bad"; no_raw_ctl "case $i: unenroll"
  [ "$(stock_keyslots "$img")" = "0 1 2 " ] || fail "case $i: unenroll --token-id $bad removed a keyslot: $(stock_keyslots "$img") ($ERR)"
  ways_in "$img" "case $i, after unenroll --token-id $bad" full
done
[ "$ASSERT_FAILS" = "$before" ] && pass "every layout: list, open, unenroll and the plugin keep every way in"
finish
