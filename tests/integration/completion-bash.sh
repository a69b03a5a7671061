#!/usr/bin/env bash
# The bash completion that tools/docgen generates (build/doc/completion/ykunlock), sourced into
# this shell and asked as bash asks it (COMP_WORDS, COMP_CWORD, then COMPREPLY): the verbs, each
# verb's options exactly as `ykunlock VERB --help` lists them, option values, file names,
# mappings for `close` (a fake /dev/mapper: a tmpfs in this world's private mount namespace),
# and the serials of the tokens present (an emulated token behind a private pcscd), quietly
# nothing without a PC/SC service.
set -u
. "$YK_SOURCE_DIR/tests/lib/world.sh"
. "$YK_SOURCE_DIR/tests/lib/assert.sh"
world_enter "$@"
completion=${YK_COMPLETION:-$YK_BINARY_DIR/doc/completion/ykunlock}
[ -r "$completion" ] || { echo "FAIL: no completion at $completion" >&2; exit 1; }
# shellcheck source=/dev/null
. "$completion"

# complete WORD... : COMPREPLY for the command line WORD... with the cursor in the last word,
# sorted, one line; the completion's stderr in $COMP_ERR. The command is the ykunlock under test.
complete_line() {
  COMP_WORDS=("$YKUNLOCK" "$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _ykunlock 2>"$WORLD_DIR/comp.err"
  COMP_ERR=$(cat "$WORLD_DIR/comp.err")
  GOT=$(printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort | tr '\n' ' ')
}
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' '; }

# ---- verbs, from the program's --help ----
"$YKUNLOCK" --help >"$WORLD_DIR/help"
mapfile -t verbs < <(sed -n 's/^  ykunlock \(.*\) \[OPTIONS\]$/\1/p' "$WORLD_DIR/help" |
  awk '{ for (i = 1; i <= NF && $i !~ /[A-Z[|]/; i++) printf "%s%s", (i > 1 ? " " : ""), $i; print "" }')
[ "${#verbs[@]}" -ge 10 ] || fail "only ${#verbs[@]} verbs in --help"
mapfile -t first < <(printf '%s\n' "${verbs[@]}" help | awk '{ print $1 }' | sort -u)
complete_line ''
expect_eq "$GOT" "$(sorted "${first[@]}")" "the verbs' first words and help"
complete_line to
expect_eq "$GOT" "token " "a prefix"
complete_line token ''
expect_eq "$GOT" "$(printf '%s\n' "${verbs[@]}" | sed -n 's/^token //p' | sort | tr '\n' ' ')" "the verbs of the token group"
complete_line help ''
expect_eq "$GOT" "$(printf '%s\n' "${verbs[@]}" | awk '{ print $1 }' | sort -u | tr '\n' ' ')" "help VERB"

# ---- every verb's options: exactly the long options of `ykunlock VERB --help` ----
for verb in "${verbs[@]}"; do
  # shellcheck disable=SC2086 # the verb's words
  want=$("$YKUNLOCK" $verb --help | grep -oE '^  (-., |    )--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort | tr '\n' ' ')
  # shellcheck disable=SC2086
  complete_line $verb --
  expect_eq "$GOT" "$want" "ykunlock $verb --: the options of its --help"
done
complete_line enroll vault.img --replace --slot 1 --
case " $GOT " in
  *" --replace "* | *" --slot "*) fail "options already given are offered again: $GOT" ;;
  *" --pin "*) pass "options already given are not offered again" ;;
  *) fail "enroll's options are gone: $GOT" ;;
esac
complete_line --reader X token list --
case " $GOT " in *" --json "*) pass "a global option with its value before the verb" ;;
  *) fail "after --reader X: $GOT" ;; esac

# ---- option values ----
complete_line enroll vault.img --slot ''
expect_eq "$GOT" "1 2 " "--slot 1|2"
complete_line token setup --slot =
expect_eq "$GOT" "1 2 " "--slot= (bash splits at =)"
complete_line token setup --slot = 2 --for
expect_eq "$GOT" "--force " "after --slot=2"
complete_line --transport h
expect_eq "$GOT" "hid " "--transport before the verb"
complete_line create img --fill ''
expect_eq "$GOT" "random zero " "--fill"
complete_line plug-event ''
expect_eq "$GOT" "add remove " "plug-event add|remove"
complete_line create img --size ''
expect_eq "$GOT" "" "nothing to offer for --size"

# ---- file names: images, headers, key files, directories ----
d=$WORLD_DIR/files
mkdir -p "$d/sub dir"
: >"$d/backup.img" && : >"$d/backup.hdr" && : >"$d/key"
complete_line create "$d/backup."
expect_eq "$GOT" "$(sorted "$d/backup.hdr" "$d/backup.img")" "create IMAGE: file names"
complete_line open "$d/backup.img" --header "$d/backup.h"
expect_eq "$GOT" "$d/backup.hdr " "--header FILE"
complete_line list "$d/su"
expect_eq "$GOT" "$d/sub dir " "a name with a blank stays one word"
complete_line open "$d/backup.img" --recovery-key-file ''
case " $GOT " in *" - "*) pass "F|- offers - for stdin" ;; *) fail "F|- without -: $GOT" ;; esac
complete_line open "$d/backup.img" --mount "$d/"
expect_eq "$GOT" "$d/sub dir " "--mount DIR: directories only"
complete_line open "$d/backup.img" ''
expect_eq "$GOT" "" "open's NAME is new: nothing offered"

# ---- close: the open mappings of /dev/mapper, without control ----
if [ -d /dev/mapper ]; then
  mount -t tmpfs -o mode=0755 tmpfs /dev/mapper
  : >/dev/mapper/control
  ln -s ../dm-0 /dev/mapper/backup
  ln -s ../dm-1 /dev/mapper/data-2026
  complete_line close ''
  expect_eq "$GOT" "backup data-2026 " "close NAME: the mappings, without control"
  complete_line close d
  expect_eq "$GOT" "data-2026 " "close NAME: a prefix"
  complete_line close backup ''
  expect_eq "$GOT" "" "close takes one NAME"
  rm -f /dev/mapper/backup /dev/mapper/data-2026
  complete_line close ''
  expect_eq "$GOT" "" "close NAME: nothing open"
else
  fail "no /dev/mapper on this machine to lay a fake one over"
fi

# ---- serials of the tokens present ----
complete_line token setup --serial ''
expect_eq "$GOT|$COMP_ERR" "|" "--serial without a PC/SC service: nothing, quietly"
world_start_pcscd
complete_line token setup --serial ''
expect_eq "$GOT|$COMP_ERR" "|" "--serial without a token: nothing, quietly"
world_start_token a 35963 "$WORLD_DIR/a.json" --serial 4000001
world_start_token b 35964 "$WORLD_DIR/b.json" --serial 4000002
complete_line token setup --serial ''
expect_eq "$GOT" "4000001 4000002 " "--serial: the tokens present"
complete_line enroll "$d/backup.img" --serial 40000
expect_eq "$GOT" "4000001 4000002 " "--serial N of enroll"
world_stop_token b
complete_line --serial ''
expect_eq "$GOT" "4000001 " "--serial before the verb, one token left"
finish
