# What the plugin tests share: our plugin alone in libcryptsetup's plugin directory (a bind
# mount inside the world's private mount namespace: the real directory is never written),
# the stock cryptsetup with libasan preloaded when the plugin is ASan-built, and emulated
# tokens made with vault-tool. Source after world.sh and assert.sh.
: "${YK_PLUGIN:?}" "${VAULT_TOOL:?}"

# The directory the stock libcryptsetup 2.6.1 loads plugins from (fixed at its build time).
PLUGIN_SYSDIR=$(cryptsetup --help | sed -n 's/^LUKS2 external token plugin path: \(.*\)\.$/\1/p')

plugin_isolate() {
  [ -n "$PLUGIN_SYSDIR" ] || { echo "SKIP: this cryptsetup has no external token plugin support"; exit 77; }
  [ -d "$PLUGIN_SYSDIR" ] || { echo "SKIP: $PLUGIN_SYSDIR does not exist (nothing to bind over)"; exit 77; }
  mkdir -p "$WORLD_DIR/tokens"
  cp "$YK_PLUGIN" "$WORLD_DIR/tokens/libcryptsetup-token-ykunlock.so"
  mount --bind "$WORLD_DIR/tokens" "$PLUGIN_SYSDIR" || world_die "cannot bind over $PLUGIN_SYSDIR"
}

# cs ARGS...: the stock cryptsetup (CS: the same as a command line, for `timeout` and expect).
# An ASan-built plugin needs the ASan runtime loaded first (docs/protocol.md §6); cryptsetup itself is
# not instrumented, so its own leaks at exit are not ours.
CS=(cryptsetup)
if [ "${YK_SANITIZE:-0}" = 1 ]; then
  CS=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so)" "ASAN_OPTIONS=detect_leaks=0:${ASAN_OPTIONS:-}" cryptsetup)
fi
cs() { "${CS[@]}" "$@"; }

# plugin_card STATE SECRET_HEX [SERIAL]: an emulated key's state file, slot 2 programmed.
plugin_card() {
  "$VAULT_TOOL" program "$1" "$2" || world_die "vault-tool program $1"
  if [ -n "${3:-}" ]; then
    sed -i "s/\"serial\":[0-9]*/\"serial\":$3/" "$1"
    grep -q "\"serial\":$3," "$1" || world_die "could not set serial $3 in $1"
  fi
}

# plugin_vault IMAGE: a new vault; its recovery key in IMAGE.rec
plugin_vault() {
  "$VAULT_TOOL" create "$1" >"$1.rec" || world_die "vault-tool create $1"
}

# plugin_enroll IMAGE STATE [--pin-file F]: enrolls the card of STATE (in process, no pcscd).
plugin_enroll() {
  local img=$1 state=$2
  shift 2
  VAULT_TOOL_EMU_STATE=$state "$VAULT_TOOL" enroll "$img" --recovery-key-file "$img.rec" "$@" >/dev/null ||
    world_die "vault-tool enroll $img $state"
}

# now_ms: a monotonic-enough clock for timing assertions.
now_ms() { date +%s%3N; }
