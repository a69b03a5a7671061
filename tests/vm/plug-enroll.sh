#!/usr/bin/env bash
# Makes the vaults of the plug-in scenarios on the host, without device-mapper: each an empty
# ext4 image encrypted in place (`cryptsetup reencrypt --encrypt`, pbkdf2, few iterations) with a
# recovery keyslot, then enrolled by ykunlock itself with an emulated token in a private PC/SC
# world (tests/lib/world.sh). The guest boots with the vaults ready: under TCG, making them
# there would cost tens of seconds per boot.
#
#   plug-enroll.sh DIR STATE:SERIAL:VAULT[,VAULT...][:touch-group]...
# For each argument: token STATE (ykemu's state file, made if missing) gets a new secret in
# slot 2 and is enrolled in DIR/VAULT.img for each VAULT. DIR/VAULT.recovery: the recovery key.
# touch-group: the slot needs a touch and the vaults are one group (each after the first
# enrolled with --share-challenge-with the first), so that one touch opens them all.
set -euo pipefail
. "${YK_SOURCE_DIR:?}/tests/lib/world.sh"
world_enter "$@"
DIR=$1
shift

# vault IMG: an empty ext4 image of 32 MiB encrypted in place; its recovery key next to it.
vault() {
        local img=$1 rec=${1%.img}.recovery
        rm -f "$img"
        mke2fs -q -t ext4 "$img" 32M
        truncate -s +16M "$img"  # room for the LUKS2 header, taken off the end by reencrypt
        head -c 32 /dev/urandom >"$WORLD_DIR/recovery.raw"
        base64 -w0 <"$WORLD_DIR/recovery.raw" >"$rec"
        cryptsetup reencrypt --batch-mode --encrypt --type luks2 --luks2-metadata-size 64k \
                --reduce-device-size 16M --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
                --key-file "$WORLD_DIR/recovery.raw" "$img" >/dev/null
}

world_start_pcscd
for spec in "$@"; do
        IFS=: read -r state serial vaults mode <<<"$spec"
        touch=() first=
        [ "${mode:-}" != touch-group ] || touch=(--touch)
        world_start_token tok 35963 "$state" --serial "$serial"
        "$YKUNLOCK" token setup --generate "${touch[@]}" >/dev/null
        for v in ${vaults//,/ }; do
                vault "$DIR/$v.img"
                if [ -n "$first" ] && [ -n "${mode:-}" ]; then
                        "$YKUNLOCK" enroll "$DIR/$v.img" --share-challenge-with "$DIR/$first.img" \
                                --recovery-key-file "$DIR/$v.recovery" "${touch[@]}" >/dev/null
                else
                        "$YKUNLOCK" enroll "$DIR/$v.img" --recovery-key-file "$DIR/$v.recovery" "${touch[@]}" >/dev/null
                fi
                first=${first:-$v}
        done
        world_stop_token tok
done
