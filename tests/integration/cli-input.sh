#!/usr/bin/env bash
# What the command line takes as input: the size grammar of `create --size` (coreutils' units,
# nothing else; rounding up to 4096 is said), and secret files that are not regular files (a
# FIFO without a writer must not block the command: it is refused at once).
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
. "$YK_SOURCE_DIR/tests/integration/cli-vault-lib.sh"
world_enter "$@"
world_start_pcscd
D=$WORLD_DIR

# only_files EXPECTED WHAT: the vault files in $D are exactly these (sorted).
only_files() { expect_eq "$(cd "$D" && ls -1 | grep -E '\.(img|hdr)$' | tr '\n' ' ')" "$1" "$2"; }
# bounded CMD...: the command, killed after 20 s (exit 124) if it blocks.
bounded() { timeout 20 "$@"; }

# ---- --size: malformed sizes are refused (exit 1) and create nothing ----
for bad in "33554432 " " 32M" "32M " "32M"$'\n' "1.5G" "-32M" "+32M" "32MM" "32Mb" "32MIB" "32 M" "" "M" "32X" \
  "0x2000000" "1e9"; do
  run bounded "$YKUNLOCK" create "$D/s.img" --size "$bad" --fs none --no-enroll
  expect_rc 1 "--size '$bad'"
  expect_err_line "ykunlock: --size takes a size such as 64M, 500G, 2T (powers of 1024) or 100MB (powers of 1000), not '$bad'" "--size '$bad'"
done
for big in 16E 17179869184G 19EB 99999999999999999999 18446744073709551615; do
  run bounded "$YKUNLOCK" create "$D/s.img" --size "$big" --fs none --no-enroll
  expect_rc 1 "--size $big"
  expect_err_line "ykunlock: --size '$big' is too large" "--size $big"
done
only_files "" "no refused size created a file"

# ---- --size: units (K M G T = KiB MiB GiB TiB = powers of 1024; kB MB GB = powers of 1000) ----
# size_of IMAGE: its size in bytes
size_of() { stat -c %s "$1"; }
run "$YKUNLOCK" create "$D/mib.img" --size 40MiB --fs none --no-enroll
expect_rc 0 "--size 40MiB"
expect_eq "$(size_of "$D/mib.img")" 41943040 "40MiB is 40 * 2^20 bytes"
run "$YKUNLOCK" create "$D/m.img" --size 40m --fs none --no-enroll
expect_rc 0 "--size 40m"
expect_eq "$(size_of "$D/m.img")" 41943040 "40m is 40 * 2^20 bytes"
# 40MB = 40 000 000 bytes, not a multiple of 4096: rounded up to 9766 * 4096, and said so
run "$YKUNLOCK" create "$D/mb.img" --size 40MB --fs none --no-enroll
expect_rc 0 "--size 40MB"
expect_eq "$(size_of "$D/mb.img")" 40001536 "40MB is 40 * 10^6 bytes, rounded up to 4096"
expect_err_line "ykunlock: --size 40MB is not a multiple of 4096 bytes: rounded up to 40001536 bytes" "the rounding is said"
run "$YKUNLOCK" create "$D/odd.img" --size 33554433 --fs none --no-enroll
expect_rc 0 "--size 33554433"
expect_eq "$(size_of "$D/odd.img")" 33558528 "33554433 is rounded up to 33558528"
expect_err_line "ykunlock: --size 33554433 is not a multiple of 4096 bytes: rounded up to 33558528 bytes" "rounding of bytes"
run "$YKUNLOCK" create "$D/exact.img" --size 33554432 --fs none --no-enroll
expect_rc 0 "--size 33554432"
expect_eq "$(printf '%s\n' "$ERR" | grep -c 'rounded up')" 0 "an exact size is not said to be rounded"
expect_eq "$(size_of "$D/exact.img")" 33554432 "33554432 bytes exactly"
# below the minimum after rounding: still refused
run "$YKUNLOCK" create "$D/small.img" --size 30MB --fs none --no-enroll
expect_rc 1 "--size 30MB is below 32M"
expect_err_line "ykunlock: --size must be at least 32M (16 MiB go to the LUKS2 header)" "30MB too small"
only_files "exact.img m.img mb.img mib.img odd.img " "only the accepted sizes created files"

# ---- secret files that are not regular files: refused at once, exit 1, nothing changed ----
make_vault "$D/v.img" --no-enroll
before=$(fingerprint "$D/v.img")
mkfifo "$D/fifo"
refused_fifo() { # refused_fifo OPTION WHAT: the last command refused the FIFO given to OPTION
  expect_rc 1 "$2"
  expect_err_line "ykunlock: $1 $D/fifo: not a regular file (a FIFO or a device is refused; - reads standard input)" "$2"
}
run bounded "$YKUNLOCK" open "$D/v.img" --test --recovery-key-file "$D/fifo"
refused_fifo --recovery-key-file "open --recovery-key-file FIFO"
run bounded "$YKUNLOCK" open "$D/v.img" --test --passphrase-file "$D/fifo"
refused_fifo --passphrase-file "open --passphrase-file FIFO"
run bounded "$YKUNLOCK" enroll "$D/v.img" --recovery-key-file "$D/fifo"
refused_fifo --recovery-key-file "enroll --recovery-key-file FIFO"
run bounded "$YKUNLOCK" enroll "$D/v.img" --recovery-key-file "$D/v.img.key" --pin-file "$D/fifo"
refused_fifo --pin-file "enroll --pin-file FIFO"
run bounded "$YKUNLOCK" token setup --secret-file "$D/fifo"
refused_fifo --secret-file "token setup --secret-file FIFO"
run bounded "$YKUNLOCK" token setup --generate --access-code-file "$D/fifo"
refused_fifo --access-code-file "token setup --access-code-file FIFO"
run bounded "$YKUNLOCK" open "$D/v.img" --test --passphrase-file /dev/zero
expect_rc 1 "a device as --passphrase-file"
expect_err_line "ykunlock: --passphrase-file /dev/zero: not a regular file (a FIFO or a device is refused; - reads standard input)" "a device"
expect_unchanged "$before" "the vault after refused secret files" "$D/v.img"
# standard input may still be a pipe
key=$(cat "$D/v.img.key")
run_stdin "$key" bounded "$YKUNLOCK" open "$D/v.img" --test --recovery-key-file -
expect_rc 0 "--recovery-key-file - from a pipe"

finish
