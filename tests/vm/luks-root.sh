#!/usr/bin/env bash
# Makes an encrypted root disk for the boot tests, on the host and without device-mapper: an
# ext4 image of ROOT_DIR encrypted in place (`cryptsetup reencrypt --encrypt`, pbkdf2 with few
# iterations), a recovery keyslot (32 random bytes, as ykunlock makes them), a passphrase
# keyslot, then tokens programmed and enrolled by ykunlock itself over a private PC/SC world
# (tests/lib/world.sh: pcscd + vpcd + ykemu with the state files the test machine's tokens use).
#
#   luks-root.sh IMG SIZE_MB ROOT_DIR KEYS_DIR [ACTION...]
#     enroll STATE SERIAL [touch] [pin]   program slot 2 of the key in STATE and enroll it
#     program STATE SERIAL                program slot 2 only (a key that is not enrolled)
#     recovery-key                        `ykunlock recovery-key`: a recovery key as ykunlock
#                                         makes it now (text) in KEYS_DIR/recovery-text
# KEYS_DIR receives recovery (a version-1 key: base64 of the 32 bytes of keyslot 0),
# passphrase, pin and uuid.
set -euo pipefail
. "${YK_SOURCE_DIR:?}/tests/lib/world.sh"
world_enter "$@"
IMG=$1 SIZE=$2 ROOT=$3 KEYS=$4
shift 4

mkdir -p "$KEYS"
rm -f "$IMG"
mke2fs -q -t ext4 -L root -d "$ROOT" "$IMG" "${SIZE}M"
truncate -s "+16M" "$IMG"  # room for the LUKS2 header, taken off the end by reencrypt
head -c 32 /dev/urandom >"$WORLD_DIR/recovery.raw"
base64 -w0 <"$WORLD_DIR/recovery.raw" >"$KEYS/recovery"
cryptsetup reencrypt --batch-mode --encrypt --type luks2 --luks2-metadata-size 64k \
        --reduce-device-size 16M --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
        --key-file "$WORLD_DIR/recovery.raw" "$IMG" >/dev/null
printf 'correct horse battery' >"$KEYS/passphrase"
cryptsetup luksAddKey --batch-mode --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
        --key-file "$WORLD_DIR/recovery.raw" "$IMG" "$KEYS/passphrase"
printf '2468' >"$KEYS/pin"
cryptsetup luksUUID "$IMG" >"$KEYS/uuid"

world_start_pcscd
while [ $# -gt 0 ]; do
        if [ "$1" = recovery-key ]; then
                "$YKUNLOCK" recovery-key "$IMG" --recovery-key-file "$KEYS/recovery" >"$KEYS/recovery-text"
                shift
                continue
        fi
        verb=$1 state=$2 serial=$3
        shift 3
        touch=() pin=()
        while [ $# -gt 0 ]; do
                case $1 in
                touch) touch=(--touch); shift ;;
                pin) pin=(--pin-file "$KEYS/pin" --pbkdf-memory 32768 --iter-time 100); shift ;;
                *) break ;;
                esac
        done
        world_start_token tok 35963 "$state" --serial "$serial"
        "$YKUNLOCK" token setup --generate "${touch[@]}" >/dev/null
        if [ "$verb" = enroll ]; then
                "$YKUNLOCK" enroll "$IMG" --recovery-key-file "$KEYS/recovery" "${touch[@]}" "${pin[@]}" >/dev/null
        fi
        world_stop_token tok
done
