#!/usr/bin/env bash
# ykunlock backup: the refusals that come before the vault is opened. No SOURCE, a SOURCE that
# is not there, an empty --exclude, a vault that is not there or not LUKS2, and (on a kernel
# without device-mapper) the system check: one line each, the documented exit code, and the
# image and the sources as they were. The copy itself, and SIGTERM in the middle of it, are
# the VM scenario vm_grow-backup.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR
IMAGE=$D/v.img

make_vault "$IMAGE" --no-enroll
mkdir -p "$D/src/dir"
echo one >"$D/src/a"
echo two >"$D/src/dir/b"
before=$(fingerprint "$IMAGE" "$D/src/a" "$D/src/dir/b")

run "$YKUNLOCK" backup "$IMAGE"
expect_rc 1 "no SOURCE"
expect_err_line "ykunlock: backup takes VAULT SOURCE... (see ykunlock backup --help)" "no SOURCE"
run "$YKUNLOCK" backup "$IMAGE" "$D/src" "$D/missing"
expect_rc 1 "a SOURCE that is not there"
expect_err_line "ykunlock: $D/missing: No such file or directory; nothing was opened" "a missing SOURCE"
run "$YKUNLOCK" backup "$IMAGE" ""
expect_rc 1 "an empty SOURCE"
expect_err_line "ykunlock: a SOURCE is an empty string" "an empty SOURCE"
run "$YKUNLOCK" backup "$IMAGE" "$D/src" --exclude ""
expect_rc 1 "an empty --exclude"
expect_err_line "ykunlock: --exclude takes a pattern, not an empty string" "an empty --exclude"
run "$YKUNLOCK" backup "$IMAGE" "$D/src" --timeout 2 --timeout 3
expect_rc 1 "--timeout twice"
expect_err_line "ykunlock: --timeout was given twice; give it once" "--timeout twice"
run "$YKUNLOCK" backup "$D/none.img" "$D/src"
expect_rc 1 "a vault that is not there"
expect_err_line "ykunlock: $D/none.img: No such file or directory" "a vault that is not there"
[ -e "$D/none.img" ] && fail "backup created $D/none.img" || pass "backup creates no vault"
head -c 1M /dev/zero >"$D/zero.img"
run "$YKUNLOCK" backup "$D/zero.img" "$D/src"
expect_rc 4 "a file that is no vault"

if [ ! -e /sys/class/misc/device-mapper ]; then
  # --exclude may be given several times (it reaches the system check, not a usage error).
  run "$YKUNLOCK" backup "$IMAGE" "$D/src" --exclude '*.o' --exclude 'tmp/' --delete
  expect_rc 9 "backup without device-mapper"
  expect_err_line "ykunlock: backup opens the vault, which needs device-mapper, and this kernel does not have it; nothing was opened" "backup without dm"
fi
expect_unchanged "$before" "every refusal" "$IMAGE" "$D/src/a" "$D/src/dir/b"
left=$(ls -d /run/ykunlock/backup-* 2>/dev/null)
[ -z "$left" ] && pass "no mount point left behind" || fail "left behind: $left"
finish
