# Shared by scripts/test, scripts/demo and bench/run: packages, vpcd, configure and build.
# Every step is idempotent.

YK_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian's programs first: the tests call python3 hundreds of times, and a version manager's
# shim in front of /usr/bin (pyenv on some build machines) costs several processes per call and
# may pick an interpreter without Debian's modules.
export PATH="/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"

# Debian 12 packages: to build, to test against real components, to fuzz.
YK_BUILD_PACKAGES=(cmake make gcc pkg-config libpcsclite-dev libykpers-1-dev libyubikey-dev
  libcryptsetup-dev libjson-c-dev libssl-dev libcmocka-dev)
YK_RUNTIME_PACKAGES=(pcscd cryptsetup-bin e2fsprogs iproute2 util-linux openssl
  yubikey-manager python3 expect bc strace man-db bsdextrautils) # man-db, col: tests/docs
YK_FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)
YK_VM_PACKAGES=(qemu-system-x86 busybox-static cpio kmod zstd mmdebstrap dracut-core) # the rest of the guest: apt-get download; the Debian root: mmdebstrap; the boot tests: dracut (tests/vm)
YK_PACKAGE_PACKAGES=(dpkg-dev debhelper lintian fakeroot) # debian/ and tests/package: dpkg-buildpackage -b, lintian
YK_BENCH_PACKAGES=(time)      # bench/run, also --quick: /usr/bin/time for peak RSS
YK_PLOT_PACKAGES=(gnuplot-nox) # bench/run without --quick: the plot in bench/REPORT.md

log() { printf '==> %s\n' "$*" >&2; }

# Installs the packages that are missing; runs `apt-get update` once when something is.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || { echo "missing packages: ${missing[*]} (run as root to install them)" >&2; return 1; }
  log "installing ${missing[*]}"
  local stamp=/var/lib/apt/periodic/ykunlock-update-stamp
  if [ ! -e "$stamp" ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit)" ]; then
    apt-get update -q >&2
    mkdir -p "$(dirname "$stamp")" && touch "$stamp"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

ensure_vpcd() {
  "$YK_ROOT/tests/lib/fetch-vpcd.sh" "$YK_ROOT/build/vpcd"
}

# configure_and_build DIR [cmake options...]
configure_and_build() {
  local dir=$1
  shift
  cmake -S "$YK_ROOT" -B "$YK_ROOT/$dir" -DYK_VPCD_DIR="$YK_ROOT/build/vpcd" "$@" >/dev/null
  cmake --build "$YK_ROOT/$dir" -j"$(nproc)"
}
