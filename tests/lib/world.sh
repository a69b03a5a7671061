# An isolated PC/SC world for one test: a private mount and network namespace, a tmpfs on
# /run/pcscd, a private pcscd with vpcd's two readers ("Virtual PCD 00 00" on port 35963,
# "Virtual PCD 00 01" on 35964) and ykemu tokens that plug into them. Tests run in parallel
# because each has its own namespaces. Source it, then call world_enter "$@" first.
#
# Environment (set by CTest, tests/CMakeLists.txt): YKUNLOCK, YKEMU, YK_VPCD_DIR.

world_die() { echo "world: $*" >&2; exit 99; }

# Re-runs the calling script inside `unshare -m -n` (once) and sets the world up.
world_enter() {
  if [ -z "${YK_IN_WORLD:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "SKIP: needs root for unshare -m -n"; exit 77; }
    exec env YK_IN_WORLD=1 unshare -m -n --propagation private bash "$0" "$@"
  fi
  : "${YKUNLOCK:?}" "${YKEMU:?}" "${YK_VPCD_DIR:?}"
  [ -e "$YK_VPCD_DIR/reader.conf.d/vpcd" ] || world_die "no vpcd driver in $YK_VPCD_DIR (run tests/lib/fetch-vpcd.sh)"
  mkdir -p /run/pcscd
  mount -t tmpfs -o mode=0755 tmpfs /run/pcscd
  # A YubiKey plugged into this machine must not show up in the tests (`auto` asks HID too).
  [ -d /sys/class/hidraw ] && mount -t tmpfs -o mode=0755 tmpfs /sys/class/hidraw
  ip link set lo up
  WORLD_DIR=$(mktemp -d /tmp/ykworld.XXXXXX)
  declare -gA WORLD_TOKEN_PID=()
  WORLD_PCSCD_PID=
  trap world_cleanup EXIT
}

world_cleanup() {
  local rc=$?
  local name
  for name in "${!WORLD_TOKEN_PID[@]}"; do
    kill "${WORLD_TOKEN_PID[$name]}" 2>/dev/null || true
  done
  [ -n "$WORLD_PCSCD_PID" ] && kill "$WORLD_PCSCD_PID" 2>/dev/null
  wait 2>/dev/null || true
  if [ "$rc" != 0 ] && [ -d "$WORLD_DIR" ]; then
    for f in "$WORLD_DIR"/*.log; do
      [ -e "$f" ] || continue
      echo "---- $(basename "$f") (last 30 lines)"; tail -n 30 "$f"
    done >&2
  fi
  rm -rf "$WORLD_DIR"
  exit "$rc"
}

# True when something listens on local TCP port $1.
world_port_listening() {
  local hex
  hex=$(printf '%04X' "$1")
  grep -q ":$hex [0-9A-F:]* 0A " /proc/net/tcp 2>/dev/null
}

world_start_pcscd() {
  pcscd --foreground --config "$YK_VPCD_DIR/reader.conf.d" >"$WORLD_DIR/pcscd.log" 2>&1 &
  WORLD_PCSCD_PID=$!
  local i
  for i in $(seq 100); do
    world_port_listening 35963 && world_port_listening 35964 && return 0
    kill -0 "$WORLD_PCSCD_PID" 2>/dev/null || world_die "pcscd exited: $(tail -n 5 "$WORLD_DIR/pcscd.log")"
    sleep 0.1
  done
  world_die "pcscd did not open the vpcd ports"
}

# A pcscd with no reader at all.
world_start_pcscd_without_readers() {
  mkdir -p "$WORLD_DIR/no-readers"
  pcscd --foreground --config "$WORLD_DIR/no-readers" >"$WORLD_DIR/pcscd.log" 2>&1 &
  WORLD_PCSCD_PID=$!
  local i
  for i in $(seq 100); do
    [ -S /run/pcscd/pcscd.comm ] && return 0
    sleep 0.1
  done
  world_die "pcscd did not open its socket"
}

world_stop_pcscd() {
  [ -n "$WORLD_PCSCD_PID" ] || return 0
  kill "$WORLD_PCSCD_PID" 2>/dev/null || true
  wait "$WORLD_PCSCD_PID" 2>/dev/null || true
  WORLD_PCSCD_PID=
}

# world_start_token NAME PORT STATE_FILE [ykemu options...]
# Starts ykemu as the card in vpcd's reader on PORT and waits until pcscd powered it up.
world_start_token() {
  local name=$1 port=$2 state=$3
  shift 3
  local log=$WORLD_DIR/ykemu-$name.log
  : >"$log"
  "$YKEMU" --vpcd "127.0.0.1:$port" --state "$state" "$@" >>"$log" 2>&1 &
  WORLD_TOKEN_PID[$name]=$!
  local i
  for i in $(seq 100); do
    grep -q 'ATR sent' "$log" && { world_wait_card "$port"; return 0; }
    kill -0 "${WORLD_TOKEN_PID[$name]}" 2>/dev/null || world_die "ykemu $name exited: $(tail -n 5 "$log")"
    sleep 0.1
  done
  world_die "pcscd did not power up token $name"
}

# pcscd asks for the ATR while it powers the card up and marks the reader "present" just after:
# wait until a client sees a card in the reader of PORT.
world_wait_card() {
  local reader=$WORLD_READER0 i
  [ "$1" = 35964 ] && reader=$WORLD_READER1
  for i in $(seq 50); do
    "$YKUNLOCK" token list --json --reader "$reader" 2>/dev/null | grep -q 'no-card' || return 0
    sleep 0.1
  done
  world_die "pcscd did not show the card in $reader"
}

# Pulls the token out: ykemu ends and vpcd reports the card removed.
world_stop_token() {
  local name=$1 pid=${WORLD_TOKEN_PID[$1]:-}
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  unset "WORLD_TOKEN_PID[$name]"
  sleep 0.5 # pcscd polls vpcd readers for presence
}

# The readers' names as pcscd shows them.
WORLD_READER0="Virtual PCD 00 00"
WORLD_READER1="Virtual PCD 00 01"
