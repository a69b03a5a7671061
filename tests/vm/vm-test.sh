#!/usr/bin/env bash
# The CTest entry of the vm tests (tests/vm/CMakeLists.txt):
#   vm-test.sh guest            build (or find cached) the guest in $YK_BINARY_DIR/vm/guest
#   vm-test.sh SCENARIO_NAME    run tests/vm/scenarios/SCENARIO_NAME.sh in a fresh machine
# Environment: YK_BINARY_DIR, YKEMU, YKVM_FILES (SRC[:DEST] entries separated by ';', the
# programs of this build put into the guest). Exit 77 (skipped) when QEMU cannot run here.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${YK_BINARY_DIR:?}" "${YKEMU:?}"
VM_DIR=$YK_BINARY_DIR/vm

if ! command -v qemu-system-x86_64 >/dev/null; then
        echo "SKIP: qemu-system-x86_64 is not installed (Debian package qemu-system-x86; scripts/test installs it)"
        exit 77
fi

build_guest() {
        local args=() f
        IFS=';' read -ra files <<<"${YKVM_FILES:-}"
        for f in "${files[@]}"; do
                [ -n "$f" ] && args+=(--file "$f")
        done
        "$HERE/build-guest.sh" "$VM_DIR/guest" "${args[@]}"
}

case $1 in
guest)
        start=$SECONDS
        build_guest
        echo "guest ready in $((SECONDS - start)) s: $(du -h "$VM_DIR/guest/initrd.img" | cut -f1) initramfs"
        ;;
*)
        scenario=$HERE/scenarios/$1.sh
        [ -f "$scenario" ] || { echo "no scenario $scenario" >&2; exit 1; }
        build_guest
        exec python3 "$HERE/run-vm.py" --guest "$VM_DIR/guest" --scenario "$scenario" \
                --run-dir "$VM_DIR/runs/$1" --ykemu "$YKEMU" --timeout "${YKVM_TIMEOUT:-150}"
        ;;
esac
