#!/usr/bin/env bash
# Tokens and readers that misbehave: no reader, a card without the OTP application, a card
# that answers garbage or a truncated status, and a token pulled out between select and write.
# Each: the exact message, the documented exit code, and the token state unchanged.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
world_enter "$@"

S=$WORLD_DIR/token.json
printf '303132333435363738393a3b3c3d3e3f40414243\n' >"$WORLD_DIR/secret"

# pcscd with no reader at all.
world_start_pcscd_without_readers
run "$YKUNLOCK" token list
expect_rc 0 "list with no reader"
expect_err_line "No readers or tokens found." "list with no reader"
run "$YKUNLOCK" token setup --secret-file "$WORLD_DIR/secret"
expect_rc 3 "setup with no reader"
expect_err_line "ykunlock: no token with an OTP application is present" "setup with no reader"
world_stop_pcscd
world_start_pcscd

# A card that has no OTP application: listed as such, not an error; setup finds no token.
world_start_token bad 35963 "$S" --serial 6000001 --fault no-otp
before=$(fingerprint "$S")
run "$YKUNLOCK" token list
expect_rc 0 "list with a non-OTP card"
expect_out_contains "$WORLD_READER0                 (card without OTP application)" "non-OTP card listed as such"
run "$YKUNLOCK" token setup --secret-file "$WORLD_DIR/secret"
expect_rc 3 "setup on a non-OTP card"
expect_err_line "ykunlock: no token with an OTP application is present" "setup on a non-OTP card"
run "$YKUNLOCK" token setup --reader "PCD 00 00" --secret-file "$WORLD_DIR/secret"
expect_rc 3 "setup --reader on a non-OTP card"
expect_err_line "ykunlock: no token with an OTP application in a reader matching 'PCD 00 00'" "setup --reader on a non-OTP card"
expect_unchanged "$before" "non-OTP card" "$S"
world_stop_token bad

# Garbage: one byte where a status word should be.
world_start_token bad 35963 "$S" --fault garbage
run "$YKUNLOCK" token list --json
expect_rc 0 "list with a garbage card"
expect_eq "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print([d["state"] for d in json.load(sys.stdin)["devices"] if d["reader"].endswith("00 00")])')" \
  "['error']" "garbage card's state"
expect_out_contains '"state":"error"' "garbage card in JSON"
run "$YKUNLOCK" token setup --reader "PCD 00 00" --secret-file "$WORLD_DIR/secret"
expect_rc 3 "setup on a garbage card"
expect_unchanged "$before" "garbage card" "$S"
world_stop_token bad

# A truncated status on SELECT.
world_start_token bad 35963 "$S" --fault short
run "$YKUNLOCK" token list
expect_out_contains "$WORLD_READER0                 (does not answer)" "short status listed"
expect_unchanged "$before" "short status" "$S"
world_stop_token bad

# Pulled out between select and write: the write never reaches the key.
world_start_token bad 35963 "$S" --fault pull-on-write
run "$YKUNLOCK" token setup --secret-file "$WORLD_DIR/secret"
expect_rc 6 "token pulled out before the write"
expect_err_line "ykunlock: cannot write slot 2 of token 6000001: the token was removed" "token pulled out"
expect_unchanged "$before" "token pulled out" "$S"
run "$YKUNLOCK" token list
expect_out_contains "$WORLD_READER0                 (no card)" "the reader is empty afterwards"

finish
