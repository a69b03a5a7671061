#!/usr/bin/env bash
# The 52-byte slot configurations that ykman itself writes, captured from ykemu's state file,
# for every combination of slot (1, 2), touch (--touch or not) and access code (or not).
# They are committed as golden files in tests/data/ykman-configs/ (src/otp/config.c is compared
# with them); this test writes them again with ykman and checks they are still the same.
#   YK_WRITE_GOLDEN=1 ... (re)writes the golden files instead of comparing.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/ykman-lib.sh"
world_enter "$@"
world_start_pcscd

GOLDEN=$YK_SOURCE_DIR/tests/data/ykman-configs
KEY=303132333435363738393a3b3c3d3e3f40414243 # as in tests/data/ykman-configs/README.md
CODE=010203040506
STATE=$WORLD_DIR/key.json
world_start_token k0 35963 "$STATE"

count=0
for slot in 1 2; do
  for touch in "" -touch; do
    for acc in "" -acc; do
      name=slot$slot$touch$acc.hex
      args=(otp)
      [ -n "$acc" ] && args+=(--access-code "$CODE")
      args+=(chalresp -f)
      [ -n "$touch" ] && args+=(--touch)
      ykm "${args[@]}" "$slot" "$KEY"
      expect_rc 0 "ykman ${args[*]} $slot KEY"
      expect_eq "$(state_get "$STATE" "slot$slot" programmed)" true "$name: ykemu took it"
      got=$(state_get "$STATE" "slot$slot" last_write)
      if [ "${YK_WRITE_GOLDEN:-0}" = 1 ]; then
        mkdir -p "$GOLDEN"
        printf '%s\n' "$got" >"$GOLDEN/$name"
      else
        expect_eq "$got" "$(cat "$GOLDEN/$name")" "$name: ykman still writes the golden bytes"
      fi
      # Clean up for the next combination (the access code is needed to delete).
      if [ -n "$acc" ]; then ykm otp --access-code "$CODE" delete -f "$slot"; else ykm otp delete -f "$slot"; fi
      expect_rc 0 "delete slot $slot"
      count=$((count + 1))
    done
  done
done
expect_eq "$count" 8 "eight combinations"

# Two of them are written out in docs/protocol.md §2, independently of ykman and ykemu.
facts=00000000000000000000000000000000404142430000303132333435363738393a3b3c3d3e3f0000000000000024402600000921
expect_eq "$(cat "$GOLDEN/slot2.hex")" "$facts" "slot2.hex = docs/protocol.md §2 worked example"
expect_eq "$(cat "$GOLDEN/slot2-touch.hex")" "${facts:0:94}2e0000cbe7" "slot2-touch.hex = docs/protocol.md §2 with touch"
# The access code variants carry the code at offset 38 and differ only there, in cfg and CRC.
acc=$(cat "$GOLDEN/slot2-acc.hex")
expect_eq "${acc:76:12}" "$CODE" "slot2-acc.hex has the access code at offset 38"
finish
