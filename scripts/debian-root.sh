#!/usr/bin/env bash
# Makes (once per machine) a Debian 11 "bullseye" root for ARCH (amd64 or
# arm64) in which the packed artifacts are installed and run as a user on an
# older system would: glibc 2.31 (older than this machine's 2.36 and than the
# 2.34 a host-built library needs), CPython 3.9, OpenJDK 17. arm64 runs under
# qemu-user (binfmt). Prints the root's path. Cached at
# /var/tmp/ccauth-bullseye-ARCH across clones and runs; needs root or sudo.
#   bash scripts/debian-root.sh arm64
source "$(dirname "$0")/lib.sh"
arch="${1:?usage: $0 amd64|arm64}"
R="/var/tmp/ccauth-bullseye-$arch"
PACKAGES="python3 python3-venv python3-pip openjdk-17-jre-headless ca-certificates"
if [ "$(cat "$R/.ccauth-ready" 2>/dev/null)" = "$PACKAGES" ]; then
  echo "$R"; exit 0
fi
grep -q " $R/" /proc/mounts && die "something is still mounted under $R; unmount it first"
need_pkg() { # $1: command, $2: Debian package
  command -v "$1" >/dev/null 2>&1 || {
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  }
}
need_pkg debootstrap debootstrap
if [ "$arch" != amd64 ]; then
  need_pkg qemu-aarch64-static qemu-user-static
  need_pkg update-binfmts binfmt-support
  as_root update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
fi
say "making a Debian bullseye $arch root at $R (debootstrap${arch:+, $arch})"
as_root rm -rf "$R"
as_root mkdir -p "$R"
as_root debootstrap --variant=minbase --arch="$arch" bullseye "$R" >/dev/null
as_root cp /etc/resolv.conf "$R/etc/"
as_root mount -t proc proc "$R/proc"
trap 'as_root umount "$R/proc" 2>/dev/null || true' EXIT
# shellcheck disable=SC2086
as_root chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
echo "$PACKAGES" | as_root tee "$R/.ccauth-ready" >/dev/null
as_root chroot "$R" sh -c 'ldd --version | head -1; python3 --version; java -version 2>&1 | head -1' >&2
echo "$R"
