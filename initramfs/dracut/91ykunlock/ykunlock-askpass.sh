#!/bin/sh
# ykunlock-askpass: the initrd's helper for YubiKeys that systemd-cryptsetup cannot wait for.
#
# systemd-cryptsetup 252 gives the ykunlock token plugin one chance (which waits
# YKUNLOCK_TOKEN_TIMEOUT), then asks for a passphrase (an ask file with Id=cryptsetup:... in
# /run/systemd/ask-password) and never tries the token again. This loop, for every volume that
# systemd-cryptsetup is attaching with ykunlock tokens enrolled:
# - says on the console (and through plymouth) that an enrolled YubiKey is awaited, and that it
#   must be touched when its slot needs a touch: the plugin itself cannot show anything;
# - once the passphrase is asked, waits for an enrolled key and opens the volume with
#   `ykunlock open` under the name systemd-cryptsetup uses, then restarts that
#   systemd-cryptsetup@ unit, which finds the volume active and succeeds. The prompt stays open
#   meanwhile, so a passphrase typed first wins.
# The passphrase is never handed over through the password agent protocol: it is 32 raw bytes,
# and that protocol carries text lines (a NUL, CR or LF byte would cut it).
# The service is stopped before the switch to the real root.
ASK_DIR=/run/systemd/ask-password
STATE=/run/ykunlock-askpass
YKUNLOCK=/usr/bin/ykunlock

say() {
        echo "ykunlock: $*"
        if command -v plymouth >/dev/null 2>&1 && plymouth --ping 2>/dev/null; then
                plymouth display-message --text="$*" 2>/dev/null
        fi
}

# The ask file of process PID with Id=cryptsetup:..., if any.
ask_of() {
        local f
        for f in "$ASK_DIR"/ask.*; do
                [ -f "$f" ] || continue
                grep -qx "PID=$1" "$f" 2>/dev/null && grep -q '^Id=cryptsetup:' "$f" 2>/dev/null && {
                        echo "$f"
                        return 0
                }
        done
        return 1
}

# The systemd unit a process runs in (the last part of its cgroup path).
unit_of() {
        sed -n 's|^0::.*/\([^/]*\.service\)$|\1|p' "/proc/$1/cgroup" 2>/dev/null
}

# announce NAME SOURCE: once per volume; remembers whether ykunlock has tokens there.
announce() {
        local name=$1 source=$2 json
        json=$("$YKUNLOCK" list "$source" --json </dev/null) || json=
        case $json in
        *'"serial"'*) ;;
        *) : >"$STATE/$name.none"; return ;;
        esac
        : >"$STATE/$name.tokens"
        if printf '%s' "$json" | grep -q '"touch": *true'; then
                say "insert a YubiKey enrolled in $name, and touch it when it blinks (or type a passphrase at the prompt)"
        else
                say "insert a YubiKey enrolled in $name (or type a passphrase at the prompt)"
        fi
}

# worker PID NAME SOURCE ASK: the passphrase is asked; open with a YubiKey as soon as one comes.
worker() {
        local pid=$1 name=$2 source=$3 ask=$4 unit rc
        unit=$(unit_of "$pid")
        while [ -e "$ask" ] && kill -0 "$pid" 2>/dev/null; do
                "$YKUNLOCK" open "$source" "$name" --timeout 30 </dev/null
                rc=$?
                case $rc in
                0)
                        say "$name opened with a YubiKey"
                        [ -n "$unit" ] && systemctl --no-block restart "$unit"
                        return 0
                        ;;
                3) ;;                   # no enrolled key yet
                2) say "this YubiKey does not open $name; try another one, or type a passphrase"
                        sleep 5 ;;
                *) sleep 5 ;;           # ykunlock said why on the console
                esac
        done
}

mkdir -p "$STATE"
while :; do
        for dir in /proc/[0-9]*; do
                # Cheap first (no fork for the other processes): the command name, cut to 15.
                { read -r comm <"$dir/comm"; } 2>/dev/null || continue
                [ "$comm" = systemd-cryptse ] || continue
                pid=${dir#/proc/}
                # systemd-cryptsetup attach NAME SOURCE [KEY [OPTIONS]]; a key file is not ours.
                set -- $(tr '\0' ' ' <"$dir/cmdline" 2>/dev/null)
                [ "${2:-}" = attach ] && [ $# -ge 4 ] || continue
                # ykunlock opens no symbolic link (/dev/disk/by-uuid/...): the node itself.
                name=$3 source=$(readlink -f "$4")
                case ${5:--} in - | none) ;; *) continue ;; esac
                [ -e "$STATE/$name.none" ] && continue
                [ -e "$STATE/$name.tokens" ] || announce "$name" "$source"
                [ -e "$STATE/$name.tokens" ] || continue
                ask=$(ask_of "$pid") || continue
                # One worker per question (a wrong passphrase typed makes a new one).
                [ -e "$STATE/worker.${ask##*/}" ] && continue
                : >"$STATE/worker.${ask##*/}"
                worker "$pid" "$name" "$source" "$ask" &
        done
        sleep 1
done
