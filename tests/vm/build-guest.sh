#!/usr/bin/env bash
# Assembles the test machine from Debian packages: a kernel (linux-image-amd64's current ABI
# package) and an initramfs with busybox, the modules for device-mapper, ext4, virtio and USB,
# cryptsetup, dmsetup, e2fsprogs, rsync, util-linux's mount and partition tools (sfdisk, partx),
# udev, pcscd with libccid, and the given programs.
#
#   build-guest.sh OUT_DIR [--file SRC[:DEST]]...
#
# Writes OUT_DIR/vmlinuz, OUT_DIR/initrd.img and OUT_DIR/inputs (the manifest the cache is
# keyed on). Nothing is rebuilt when the manifest is unchanged: the package versions, this
# script, the guest files in tests/vm/guest/ and the given programs. Packages installed on the
# host are taken from the host; the others (the kernel, rsync, udev...) are fetched with
# `apt-get download` into OUT_DIR/debs and extracted there, never installed.
set -euo pipefail
shopt -s inherit_errexit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ARCH_LIBDIR=/usr/lib/x86_64-linux-gnu

die() { echo "build-guest: $*" >&2; exit 1; }
say() { echo "build-guest: $*" >&2; }

[ $# -ge 1 ] || die "usage: build-guest.sh OUT_DIR [--file SRC[:DEST]]..."
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
shift
EXTRA=()
while [ $# -gt 0 ]; do
        case $1 in
        --file) EXTRA+=("$2"); shift 2 ;;
        *) die "unknown argument $1" ;;
        esac
done

# Userspace packages and the files the guest needs from each (paths as the package ships them).
declare -A PKG_FILES=(
        [busybox-static]="/bin/busybox"
        [cryptsetup-bin]="/sbin/cryptsetup"
        [dmsetup]="/sbin/dmsetup /lib/udev/rules.d/55-dm.rules /lib/udev/rules.d/60-persistent-storage-dm.rules /lib/udev/rules.d/95-dm-notify.rules"
        [e2fsprogs]="/sbin/mke2fs /sbin/e2fsck /sbin/resize2fs /sbin/dumpe2fs /etc/mke2fs.conf"
        [rsync]="/usr/bin/rsync"
        [mount]="/bin/mount /bin/umount /sbin/losetup"
        [util-linux]="/bin/mountpoint /bin/findmnt /sbin/blkid /usr/bin/partx"
        [fdisk]="/sbin/sfdisk"
        [udev]="/bin/udevadm /lib/udev/rules.d/50-udev-default.rules /lib/udev/rules.d/60-block.rules /lib/udev/rules.d/60-persistent-storage.rules /lib/udev/rules.d/80-drivers.rules"
        [pcscd]="/usr/sbin/pcscd"
        [libccid]="/usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Info.plist /usr/lib/pcsc/drivers/ifd-ccid.bundle/Contents/Linux/libccid.so"
        [libgcc-s1]="/lib/x86_64-linux-gnu/libgcc_s.so.1"
)
# Libraries the programs above load that are not installed on the host: fetched like them.
LIB_PKGS=(libsystemd-shared libpopt0 libxxhash0)
MODULES=(virtio_pci virtio_blk ext4 crc32c_generic loop dm_mod dm_crypt xts ecb essiv cbc
        algif_skcipher algif_hash xhci_pci xhci_hcd usbcore uhid hid hid_generic usbhid)

# ---- package versions (the cache key) --------------------------------------------------------

declare -A INSTALLED=() CANDIDATE=()

# Looks the versions of all packages up at once (one dpkg-query, one apt-cache call).
load_versions() {
        local p v st name
        while IFS=' ' read -r name st v; do
                [ "$st" = installed ] && INSTALLED[$name]=$v
        done < <(dpkg-query -W -f='${Package} ${db:Status-Status} ${Version}\n' "$@" 2>/dev/null)
        name=
        while read -r p v; do
                case $p in
                Candidate:) [ -n "$name" ] && CANDIDATE[$name]=$v ;;
                *:) [ -z "$v" ] && name=${p%:} ;;
                esac
        done < <(apt-cache policy "$@" 2>/dev/null)
}
installed_version() { echo "${INSTALLED[$1]:-}"; }
candidate_version() { echo "${CANDIDATE[$1]:-}"; }

kernel_package() {
        local p
        p=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
        [ -n "$p" ] || die "apt-cache knows no linux-image-amd64 (run apt-get update)"
        echo "$p"
}

# Prints "name version source" for every package, source being "host" or "deb".
package_manifest() {
        local p v
        for p in "${!PKG_FILES[@]}" "${LIB_PKGS[@]}"; do
                v=$(installed_version "$p")
                if [ -n "$v" ]; then
                        echo "$p $v host"
                else
                        v=$(candidate_version "$p")
                        [ -n "$v" ] && [ "$v" != "(none)" ] || die "no package $p (run apt-get update)"
                        echo "$p $v deb"
                fi
        done | sort
        echo "$KERNEL_PKG $(candidate_version "$KERNEL_PKG") deb"
}

file_hash() { sha256sum "$1" | cut -d' ' -f1; }

write_manifest() {
        local e src
        package_manifest
        echo "script $(file_hash "${BASH_SOURCE[0]}")"
        for e in "$HERE"/guest/*; do echo "guest/$(basename "$e") $(file_hash "$e")"; done
        for e in "${EXTRA[@]}"; do
                src=${e%%:*}
                [ -f "$src" ] || die "no file $src"
                echo "file $e $(file_hash "$src")"
        done
}

# ---- fetching ---------------------------------------------------------------------------------

# Prints the root a package's files are found under: / when installed, else its extracted .deb.
package_root() {
        local p=$1 v root deb
        if [ -n "$(installed_version "$p")" ]; then echo /; return; fi
        v=$(candidate_version "$p")
        root=$OUT/roots/$p
        if [ ! -e "$root/.version" ] || [ "$(cat "$root/.version")" != "$v" ]; then
                mkdir -p "$OUT/debs"
                rm -f "$OUT/debs/${p}_"*.deb
                (cd "$OUT/debs" && apt-get download -q "$p=$v" >/dev/null 2>&1) || die "apt-get download $p=$v failed"
                deb=$(ls "$OUT/debs/${p}_"*.deb)
                rm -rf "$root" && mkdir -p "$root"
                dpkg-deb -x "$deb" "$root"
                echo "$v" >"$root/.version"
        fi
        echo "$root"
}

# ---- the initramfs tree -----------------------------------------------------------------------

STAGE=
LIBPATH=

# The guest is merged-/usr: /bin, /sbin, /lib and /lib64 point into /usr.
guest_path() {
        case $1 in
        /usr/*) echo "$1" ;;
        *) echo "/usr$1" ;;
        esac
}

# copy_file SRC DEST: copies a file (following links) into the tree, with its libraries.
copy_file() {
        local src=$1 dest
        dest=$STAGE$(guest_path "$2")
        mkdir -p "$(dirname "$dest")"
        cp -L --preserve=mode "$src" "$dest"
        case $(head -c 4 "$src" | od -An -c | tr -d ' ') in
        177ELF) copy_libraries "$src" ;;
        esac
}

copy_libraries() {
        local out line name path
        out=$(LD_LIBRARY_PATH=$LIBPATH ldd "$1" 2>&1) || true
        while read -r line; do
                case $line in
                *"not found"*) die "$1 needs ${line%% *}, which no package here provides" ;;
                *"=> /"*) name=${line%% *}; path=${line#*=> }; path=${path%% (*}
                        copy_lib "$path" "$name" ;;
                /*) path=${line%% (*}; copy_lib "$path" "$path" ;;
                esac
        done <<<"$out"
}

# copy_lib PATH SONAME_OR_PATH: places a library by its soname in the directory it came from
# (roots of extracted packages are stripped off).
copy_lib() {
        local path=$1 name=$2 dir dest
        dir=$(dirname "${path#"$OUT"/roots/*/}")
        case $dir in /*) ;; *) dir=/$dir ;; esac
        case $name in /*) dest=$STAGE$(guest_path "$name") ;; *) dest=$STAGE$(guest_path "$dir")/$name ;; esac
        [ -e "$dest" ] && return 0
        mkdir -p "$(dirname "$dest")"
        cp -L --preserve=mode "$path" "$dest"
}

stage_skeleton() {
        local d
        mkdir -p "$STAGE"/usr/{bin,sbin,lib,lib64} "$STAGE"/{dev,proc,sys,run,tmp,work,mnt,etc,root,var}
        for d in bin sbin lib lib64; do ln -s "usr/$d" "$STAGE/$d"; done
        ln -s ../run "$STAGE/var/run"
        printf 'root:x:0:0:root:/root:/bin/sh\n' >"$STAGE/etc/passwd"
        printf 'root:x:0:\ndisk:x:6:\ntty:x:5:\n' >"$STAGE/etc/group"
        : >"$STAGE/etc/fstab"
        ln -s /proc/self/mounts "$STAGE/etc/mtab"
}

stage_busybox() {
        local root applet
        root=$(package_root busybox-static)
        copy_file "$root/bin/busybox" /bin/busybox
        for applet in $("$root/bin/busybox" --list); do
                [ "$applet" = busybox ] && continue
                ln -sf busybox "$STAGE/usr/bin/$applet"
        done
        # The kernel runs /sbin/modprobe for crypto algorithms and filesystems.
        ln -sf ../bin/busybox "$STAGE/usr/sbin/modprobe"
}

stage_packages() {
        local p root f src
        for p in "${!PKG_FILES[@]}"; do
                root=$(package_root "$p")
                for f in ${PKG_FILES[$p]}; do
                        src=$root$f
                        [ -e "$src" ] || src=$root/usr$f
                        [ -e "$src" ] || die "package $p has no $f"
                        # Real programs replace busybox's applets of the same name.
                        rm -f "$STAGE$(guest_path "$f")"
                        copy_file "$src" "$f"
                done
        done
        ln -sf mke2fs "$STAGE/usr/sbin/mkfs.ext4"
        ln -sf e2fsck "$STAGE/usr/sbin/fsck.ext4"
        mkdir -p "$STAGE/usr/lib/systemd"
        ln -sf ../../bin/udevadm "$STAGE/usr/lib/systemd/systemd-udevd"
        mkdir -p "$STAGE/etc/udev/rules.d" "$STAGE/etc/reader.conf.d"
}

stage_extra() {
        local e src dest
        for e in "${EXTRA[@]}"; do
                src=${e%%:*}
                dest=${e#*:}
                [ "$dest" = "$e" ] && dest=/usr/bin/$(basename "$src")
                rm -f "$STAGE$(guest_path "$dest")"
                copy_file "$src" "$dest"
        done
}

stage_modules() {
        local kroot=$1 kver=$2 m f mods=() load=()
        for m in "${MODULES[@]}"; do
                # Built-in modules need nothing; --show-depends lists a module after its dependencies.
                grep -q "/${m//_/[-_]}\.ko" "$kroot/lib/modules/$kver/modules.builtin" && continue
                load+=("$m")
                while read -r _ f _; do mods+=("$f"); done < <(modprobe -d "$kroot" -S "$kver" --show-depends "$m" | grep '^insmod ')
        done
        for f in $(printf '%s\n' "${mods[@]}" | sort -u); do
                mkdir -p "$STAGE$(dirname "${f#"$kroot"}")"
                cp "$f" "$STAGE${f#"$kroot"}"
        done
        cp "$kroot/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$STAGE/usr/lib/modules/$kver/"
        depmod -b "$STAGE" "$kver"
        # busybox's modprobe ignores softdeps: init loads every module of the list by name.
        printf '%s\n' "${load[@]}" >"$STAGE/etc/ykvm-modules"
}

build() {
        local kroot kver p t0=$SECONDS
        kroot=$(package_root "$KERNEL_PKG")
        kver=${KERNEL_PKG#linux-image-}
        [ -e "$kroot/lib/modules/$kver/modules.dep" ] || depmod -b "$kroot" "$kver"
        for p in "${LIB_PKGS[@]}"; do
                package_root "$p" >/dev/null
        done
        # ldd looks into the extracted packages' library directories after the host's.
        LIBPATH=$(find "$OUT/roots" -path '*/lib/x86_64-linux-gnu' -type d 2>/dev/null | tr '\n' :)
        LIBPATH=$LIBPATH$(find "$OUT/roots" -path '*/lib/x86_64-linux-gnu/systemd' -type d 2>/dev/null | tr '\n' :)

        STAGE=$OUT/stage
        rm -rf "$STAGE"
        mkdir -p "$STAGE"
        stage_skeleton
        stage_busybox
        stage_packages
        stage_extra
        stage_modules "$kroot" "$kver"
        install -m 0755 "$HERE/guest/init" "$STAGE/init"

        say "packing the initramfs"
        (cd "$STAGE" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) |
                zstd -q -T0 -10 >"$OUT/initrd.img.new"
        cp "$kroot/boot/vmlinuz-$kver" "$OUT/vmlinuz.new"
        mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
        mv "$OUT/initrd.img.new" "$OUT/initrd.img"
        rm -rf "$STAGE"
        say "built kernel $kver and initramfs ($(du -h "$OUT/initrd.img" | cut -f1)) in $((SECONDS - t0)) s"
}

main() {
        local want
        exec 9>"$OUT/.lock"
        flock 9
        KERNEL_PKG=$(kernel_package)
        load_versions "${!PKG_FILES[@]}" "${LIB_PKGS[@]}" "$KERNEL_PKG"
        want=$(write_manifest)
        if [ -e "$OUT/inputs" ] && [ -e "$OUT/initrd.img" ] && [ -e "$OUT/vmlinuz" ] &&
                [ "$(cat "$OUT/inputs")" = "$want" ]; then
                say "guest is up to date"
                return 0
        fi
        rm -f "$OUT/inputs"
        build
        echo "$want" >"$OUT/inputs"
}

main
