#!/usr/bin/env bash
# ykunlock grow: the refusals that need no device-mapper. A garbage or negative size, a size
# smaller than the image (grow never shrinks), no --size for an image, a vault that is not
# there or not LUKS2, and (on a kernel without device-mapper) the system check: each says so
# in one line, exits with its documented code, and leaves the image byte for byte as it was.
# Growing itself (mounted, closed) is the VM scenario vm_grow-backup.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
IMAGE=$D/v.img

make_vault "$IMAGE" --no-enroll
before=$(fingerprint "$IMAGE")
size_before=$(stat -c %s "$IMAGE")

for bad in 12X + -5M "+-1M" 1.5G ""; do
  run "$YKUNLOCK" grow "$IMAGE" --size "$bad"
  expect_rc 1 "--size '$bad'"
  expect_err_line "ykunlock: --size takes a new size such as 2G, or an increment such as +512M (powers of 1024; MB, GB: of 1000), not '$bad'" "--size '$bad'"
done
expect_unchanged "$before" "garbage sizes" "$IMAGE"

run "$YKUNLOCK" grow "$IMAGE" --size 16E
expect_rc 1 "a size that does not fit"
expect_err_line "ykunlock: --size '16E' is too large" "a size that does not fit"
run "$YKUNLOCK" grow "$IMAGE" --size +16E
expect_rc 1 "an increment that does not fit"
expect_err_line "ykunlock: --size '+16E' is too large" "an increment that does not fit"

run "$YKUNLOCK" grow "$IMAGE" --size 16M
expect_rc 5 "a size smaller than the image"
expect_err_line "ykunlock: $IMAGE is 32 MiB; --size 16M (16 MiB) would shrink it, and grow never shrinks a vault; nothing was changed" "shrinking"
run "$YKUNLOCK" grow "$IMAGE" --size 33554431
expect_rc 5 "one byte less than the image"
expect_unchanged "$before" "shrinking" "$IMAGE"
expect_eq "$(stat -c %s "$IMAGE")" "$size_before" "the image keeps its size"

run "$YKUNLOCK" grow "$IMAGE"
expect_rc 1 "no --size for an image"
expect_err_line "ykunlock: grow needs --size NEW or +DELTA (such as 2G or +512M) for an image" "no --size"
run "$YKUNLOCK" grow "$IMAGE" --size +1M --size +2M
expect_rc 1 "--size twice"
run "$YKUNLOCK" grow "$D/none.img" --size +1M
expect_rc 1 "a vault that is not there"
expect_err_line "ykunlock: $D/none.img: No such file or directory" "a vault that is not there"
[ -e "$D/none.img" ] && fail "grow created $D/none.img" || pass "grow creates no file"
head -c 1M /dev/zero >"$D/zero.img"
zero_before=$(fingerprint "$D/zero.img")
run "$YKUNLOCK" grow "$D/zero.img" --size +1M
expect_rc 4 "a file that is no vault"
expect_unchanged "$zero_before" "a file that is no vault" "$D/zero.img"

# ssh:// vaults: a malformed address and --ssh-command for a local vault are usage errors.
run "$YKUNLOCK" grow 'ssh://ho st/x.img' --size +1M
expect_rc 1 "a malformed ssh:// address"
expect_err_contains "is not a remote vault address" "a malformed ssh:// address"
run "$YKUNLOCK" grow "$IMAGE" --size +1M --ssh-command dbclient
expect_rc 1 "--ssh-command for a local vault"
expect_err_line "ykunlock: --ssh-command is for a vault given as ssh://…, not $IMAGE" "--ssh-command for a local vault"

if [ ! -e /sys/class/misc/device-mapper ]; then
  run "$YKUNLOCK" grow "$IMAGE" --size +64M
  expect_rc 9 "grow without device-mapper"
  expect_err_line "ykunlock: growing a vault needs device-mapper, which this kernel does not have; nothing was changed" "grow without dm"
fi
expect_unchanged "$before" "every refusal" "$IMAGE"
finish
