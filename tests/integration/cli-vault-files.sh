#!/usr/bin/env bash
# Where a vault goes: a detached header that is the image itself (same path spelt two ways, a
# hard link) is refused by every verb that takes --header, with exit 1 and nothing changed;
# `create` into an existing empty file refuses a file of another user and leaves its own 0600.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
cd "$D" || world_die "cd $D"

# ---- create: the header is the image ----
run "$YKUNLOCK" create same.img --header ./same.img --size 32M --fs none --no-enroll
expect_rc 1 "create same.img --header ./same.img"
expect_err_line "ykunlock: --header ./same.img is same.img itself: a detached header is a file of its own; nothing was changed" \
  "create, header = image"
[ -e same.img ] && fail "create left same.img behind" || pass "create left nothing behind"

: >empty.img
chmod 0640 empty.img
before=$(fingerprint empty.img)
run "$YKUNLOCK" create empty.img --header "$D/empty.img" --size 32M --fs none --no-enroll
expect_rc 1 "create into an empty file given twice"
expect_unchanged "$before" "create, header = image (empty file)" empty.img
expect_eq "$(stat -c %a empty.img)" 640 "its mode is unchanged"

# ---- open, list, enroll, unenroll: the header is the image (a hard link, another spelling) ----
plug a 35963 10000001
program 35963 "$SECRET_A"
make_vault v.img
ln v.img hard.img
before=$(fingerprint v.img)
for hdr in hard.img ./v.img "$D/v.img"; do
  for cmd in "list v.img" "open v.img --test --timeout 0" "enroll v.img --recovery-key-file v.img.key" \
             "unenroll v.img --token-id 1"; do
    # shellcheck disable=SC2086
    run "$YKUNLOCK" $cmd --header "$hdr"
    expect_rc 1 "${cmd%% *} --header $hdr"
    expect_err_line "ykunlock: --header $hdr is v.img itself: a detached header is a file of its own; nothing was changed" \
      "${cmd%% *} --header $hdr"
  done
done
expect_unchanged "$before" "every verb with the image as its header" v.img

# ---- create into an existing empty file ----
: >mine.img
chmod 0666 mine.img
run "$YKUNLOCK" create mine.img --size 32M --fs none --no-enroll
expect_rc 0 "create into an empty file of mine"
expect_eq "$(stat -c %a mine.img)" 600 "the vault is 0600 like a file create makes"

mkdir -m 1777 shared
: >shared/theirs.img
chown nobody shared/theirs.img
chmod 0666 shared/theirs.img
run "$YKUNLOCK" create shared/theirs.img --size 32M --fs none --no-enroll
expect_rc 11 "create into an empty file of another user"
expect_err_contains "shared/theirs.img is an empty file of another user; create makes a vault only in a file of its own" \
  "create, a file of another user"
expect_eq "$(stat -c '%U %a %s' shared/theirs.img)" "nobody 666 0" "that file is unchanged"
[ -z "$OUT" ] && pass "no recovery key was printed" || fail "a recovery key was printed: $OUT"

finish
