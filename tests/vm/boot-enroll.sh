#!/usr/bin/env bash
# Programs an emulated token and enrolls it in a LUKS2 image, on the host, in a private PC/SC
# world (tests/lib/world.sh): the boot scenarios' root disk cannot be enrolled from the guest,
# which boots from it. The token's state file is the one the guest's token then uses.
#
#   boot-enroll.sh IMAGE RECOVERY_KEY_FILE STATE SERIAL SECRET_HEX [enroll options...]
#
# IMAGE "-": only program the token (a second key with the same serial and another secret).
# An existing STATE keeps its serial (ykemu) and gets SECRET_HEX in slot 2 (--force), with the
# `token setup` options in $YKVM_SETUP_OPTS (e.g. --touch).
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
world_enter "$@"
image=$1 recovery=$2 state=$3 serial=$4 secret=$5
shift 5
world_start_pcscd
world_start_token t 35963 "$state" --serial "$serial" --touch auto
printf '%s\n' "$secret" | "$YKUNLOCK" token setup --reader "$WORLD_READER0" --secret-file - --force ${YKVM_SETUP_OPTS:-} >/dev/null ||
        world_die "cannot program the token"
if [ "$image" != - ]; then
        "$YKUNLOCK" enroll "$image" --recovery-key-file "$recovery" "$@" || world_die "enroll failed"
fi
world_stop_token t
