#!/usr/bin/env bash
# Remote vault addresses on the command line (docs/remote.md "Addresses"): every malformed
# ssh:// address and every misplaced --ssh-command is refused by create and open with one line
# that names the problem, exit 1, before anything is created, mounted or asked; so is it by every
# other verb that takes a vault (enroll, unenroll, list, passphrase, grow, backup, header backup
# and restore, recovery-key); a remote vault without sshfs installed is exit 8 for each (grow
# and backup: exit 9 first on a kernel without device-mapper), with nothing left under
# /run/ykunlock/remote and nothing written.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
world_enter "$@"
D=$WORLD_DIR
cd "$D" || world_die "cd $D"
mkdir -p srv
remote_state() { ls -A /run/ykunlock/remote 2>/dev/null | grep '^m-' ; }
before_state=$(remote_state)

# bad ADDRESS REASON: create and open both refuse it, with the reason, and make nothing.
bad() {
  local url=$1 why=$2
  run "$YKUNLOCK" create "$url" --size 32M --fs none --no-enroll
  expect_rc 1 "create $url"
  expect_err_line "ykunlock: '$url' is not a remote vault address (ssh://[user@]host[:port]/path): $why" "create $url"
  [ -z "$OUT" ] || fail "create $url printed on stdout: $OUT"
  run "$YKUNLOCK" open "$url" v --timeout 0
  expect_rc 1 "open $url"
  expect_err_line "ykunlock: '$url' is not a remote vault address (ssh://[user@]host[:port]/path): $why" "open $url"
  others "$url" 1 "ykunlock: '$url' is not a remote vault address (ssh://[user@]host[:port]/path): $why"
}

# others ADDRESS CODE LINE: every other verb that takes a vault refuses ADDRESS with CODE and
# LINE on stderr, nothing on stdout, no header backup file written, nothing copied.
others() {
  local url=$1 code=$2 line=$3 v
  local -a verbs=(
    "enroll $url --recovery-key-file $D/rk"
    "unenroll $url --token-id 0"
    "list $url"
    "passphrase $url --output $D/pp"
    "grow $url --size +8M"
    "backup $url $D/src"
    "header backup $url $D/hdr.bak"
    "header restore $url $D/hdr.old"
    "recovery-key $url --recovery-key-file $D/rk"
  )
  for v in "${verbs[@]}"; do
    # grow and backup check for device-mapper before they mount anything (cli-vault-grow, -backup)
    [ "$code" = 8 ] && [ ! -e /sys/class/misc/device-mapper ] && case $v in grow* | backup*) continue ;; esac
    # shellcheck disable=SC2086 # the words of v are the arguments
    run "$YKUNLOCK" $v -q
    expect_rc "$code" "$v"
    expect_err_line "$line" "$v"
    [ -z "$OUT" ] || fail "$v printed on stdout: $OUT"
  done
  [ ! -e "$D/hdr.bak" ] && [ ! -e "$D/pp" ] && cmp -s "$D/hdr.old" "$D/hdr.orig" &&
    pass "$url: no header backup or passphrase written, the backup file as it was" ||
    fail "$url: a file was written or changed"
}
mkdir -p src && echo data >src/file
echo not-a-header >hdr.old && cp hdr.old hdr.orig
printf 'cbdefghi-cbdefghi-cbdefghi-cbdefghi-cbdefghi-cbdefghi-cbdefghi-cbdefghi\n' >rk

host_why="the host is not a host name (letters, digits, '-', '_' and dots; not starting with '-'), an IPv4 address or an IPv6 address in brackets"
bad "ssh://-oProxyCommand=touch$D/pwned/srv/x.img" "$host_why"
bad "ssh://host,other/srv/x.img" "$host_why"
bad "ssh://u:secret@host/srv/x.img" "a password in the address is not accepted (use an SSH key)"
bad "ssh://host:0/srv/x.img" "the port is not a number from 1 to 65535"
bad "ssh://host/srv/../x.img" "the path has an empty, '.' or '..' component, or ends with '/' (it names the image file)"
bad "ssh://host/srv/-x.img" "a component of the path starts with '-'"
bad "ssh://host/srv/a,b.img" "the path may hold printable ASCII characters other than ',', '%', '?' and '#'"
bad "ssh://host" "the image's path is missing (ssh://host/path/image.img)"
bad "ssh://[fe80::1%eth0]/x.img" "the address in brackets is not an IPv6 address (zone ids are not accepted)"
[ ! -e "$D/pwned" ] && [ -z "$(ls -A srv)" ] && pass "nothing was created" || fail "something was created"

# --ssh-command: only with a remote vault, and without ','.
run "$YKUNLOCK" create "$D/srv/local.img" --size 32M --fs none --no-enroll --ssh-command dbclient
expect_rc 1 "--ssh-command with a local image"
expect_err_line "ykunlock: --ssh-command is for a vault given as ssh://…, not $D/srv/local.img" "--ssh-command, local"
[ ! -e srv/local.img ] && pass "local.img was not created" || fail "local.img was created"
run "$YKUNLOCK" open ssh://host/srv/x.img v --ssh-command 'dbclient,-o,x'
expect_rc 1 "--ssh-command with ','"
expect_err_line "ykunlock: --ssh-command takes a program and its options, without ',' or control characters, not 'dbclient,-o,x'" \
  "--ssh-command with ','"

# No sshfs on this machine (the guest has it: vm_remote): exit 8, nothing left behind.
if ! command -v sshfs >/dev/null; then
  run "$YKUNLOCK" open ssh://127.0.0.1/srv/x.img --test --timeout 0
  expect_rc 8 "open without sshfs"
  expect_err_line "ykunlock: ssh://127.0.0.1/srv/x.img: sshfs is not installed (Debian: apt install sshfs)" "open without sshfs"
  others ssh://127.0.0.1/srv/x.img 8 "ykunlock: ssh://127.0.0.1/srv/x.img: sshfs is not installed (Debian: apt install sshfs)"
fi
expect_eq "$(remote_state)" "$before_state" "no mount directory left under /run/ykunlock/remote"
finish
