# Helpers shared by the ykman-*.sh tests: Yubico's ykman against ykemu in a world.

command -v ykman >/dev/null || { echo "SKIP: ykman (yubikey-manager) is not installed"; exit 77; }

# ykm ARGS...: ykman on reader 0, through assert.sh's run (stdin /dev/null, $OUT $ERR $RC).
ykm() { run ykman --reader "$WORLD_READER0" "$@"; }

# state_get FILE KEY...: one value of the ykemu state file (a JSON path given as keys).
state_get() {
  local file=$1
  shift
  python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v[k]
print(str(v).lower() if isinstance(v, bool) else v)' "$file" "$@"
}

# hmac_sha1 KEY_HEX MESSAGE_HEX: the response computed by openssl, lowercase hex.
hmac_sha1() {
  printf '%s' "$2" | tr a-f A-F | basenc --base16 -d |
    openssl dgst -sha1 -mac HMAC -macopt "hexkey:$1" -r | awk '{print $1}'
}

# Milliseconds since the epoch, for timing touch waits.
now_ms() { date +%s%3N; }
