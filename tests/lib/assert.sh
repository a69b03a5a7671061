# Assertions for the bash tests. Each failure names what was expected and what came.

ASSERT_FAILS=0
OUT= ERR= RC=

fail() { echo "FAIL: $*" >&2; ASSERT_FAILS=$((ASSERT_FAILS + 1)); }
pass() { echo "ok: $*"; }

# run CMD...: runs it with stdin from /dev/null, keeping $OUT, $ERR, $RC.
run() {
  local o e
  o=$(mktemp) e=$(mktemp)
  "$@" </dev/null >"$o" 2>"$e"
  RC=$?
  OUT=$(cat "$o") ERR=$(cat "$e")
  rm -f "$o" "$e"
}

# run_stdin DATA CMD...: the same with DATA on stdin.
run_stdin() {
  local data=$1 o e
  shift
  o=$(mktemp) e=$(mktemp)
  printf '%s' "$data" | "$@" >"$o" 2>"$e"
  RC=$?
  OUT=$(cat "$o") ERR=$(cat "$e")
  rm -f "$o" "$e"
}

expect_rc() {
  local want=$1 what=$2
  if [ "$RC" = "$want" ]; then pass "$what: exit $RC"
  else fail "$what: exit $RC, expected $want; stderr: $ERR"; fi
}

# expect_err_line TEXT WHAT: stderr has a line that equals TEXT exactly.
expect_err_line() {
  if printf '%s\n' "$ERR" | grep -qxF -- "$1"; then pass "$2: message"
  else fail "$2: stderr lacks the line '$1'; it was: $ERR"; fi
}

# expect_err_contains TEXT WHAT
expect_err_contains() {
  if printf '%s' "$ERR" | grep -qF -- "$1"; then pass "$2: message"
  else fail "$2: stderr lacks '$1'; it was: $ERR"; fi
}

expect_out_contains() {
  if printf '%s' "$OUT" | grep -qF -- "$1"; then pass "$2: output"
  else fail "$2: stdout lacks '$1'; it was: $OUT"; fi
}

expect_eq() {
  if [ "$1" = "$2" ]; then pass "$3"
  else fail "$3: got '$1', expected '$2'"; fi
}

# Fingerprints of files, to check that a refused command changed nothing on disk.
fingerprint() { sha256sum "$@" | awk '{print $1}' | tr '\n' ' '; }

expect_unchanged() {
  local before=$1 what=$2
  shift 2
  local now
  now=$(fingerprint "$@")
  if [ "$before" = "$now" ]; then pass "$what: nothing changed on disk"
  else fail "$what: $* changed"; fi
}

# Ends the test: exit 1 if any assertion failed.
finish() {
  if [ "$ASSERT_FAILS" -gt 0 ]; then
    echo "$ASSERT_FAILS assertion(s) failed" >&2
    exit 1
  fi
  echo "all assertions passed"
}
