# Shared by the cli-vault-*.sh tests: tokens programmed through the CLI, and vaults made by it.
# Source after world.sh and assert.sh, and after world_enter.

# Slot secrets (hex) for the emulated tokens.
SECRET_A=303132333435363738393a3b3c3d3e3f40414243
SECRET_B=606162636465666768696a6b6c6d6e6f70717273
SECRET_C=a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3

# reader_of PORT
reader_of() { [ "$1" = 35964 ] && echo "$WORLD_READER1" || echo "$WORLD_READER0"; }

# plug NAME PORT SERIAL [ykemu options...]: the token NAME (state kept in $WORLD_DIR/NAME.json).
plug() {
  local name=$1 port=$2 serial=$3
  shift 3
  world_start_token "$name" "$port" "$WORLD_DIR/$name.json" --serial "$serial" "$@"
}

# program PORT SECRET_HEX [token setup options...]: program slot 2 of the token in that reader.
program() {
  local port=$1 secret=$2
  shift 2
  printf '%s\n' "$secret" | "$YKUNLOCK" token setup --reader "$(reader_of "$port")" --secret-file - "$@" >/dev/null 2>&1 ||
    world_die "cannot program the token on port $port"
}

# make_vault IMAGE [create options...]: ykunlock create --fs none, the recovery key in IMAGE.key.
make_vault() {
  local image=$1
  shift
  "$YKUNLOCK" create "$image" --size 32M --fs none "$@" >"$image.key" 2>"$WORLD_DIR/create.err" ||
    world_die "create $image failed: $(cat "$WORLD_DIR/create.err")"
}

# Stock cryptsetup with a fast PBKDF, for vaults made the seed's way.
stock_format() { # stock_format IMAGE KEYFILE [type]
  truncate -s 32M "$1"
  cryptsetup luksFormat -q --type "${3:-luks2}" --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
    --key-file "$2" "$1" >/dev/null 2>&1 || world_die "cryptsetup luksFormat $1 failed"
}

# The LUKS2 keyslot numbers of IMAGE, from cryptsetup luksDump (independent of ykunlock).
stock_keyslots() {
  # Without plugins: listing keyslots needs none, and an ASan-built plugin bound in the world
  # would abort the stock cryptsetup that loads it without libasan.
  cryptsetup luksDump --disable-external-tokens "$@" | sed -n '/^Keyslots:/,/^Tokens:/p' | sed -n 's/^  \([0-9]*\): luks2$/\1/p' | tr '\n' ' '
}
