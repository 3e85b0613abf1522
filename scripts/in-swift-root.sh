#!/usr/bin/env bash
# Runs a command inside the Swift root (scripts/swift-root.sh) with this
# repository bind-mounted at the same path and the host's loopback network.
# Unmounts on exit.
source "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || die "usage: $0 CMD ARGS..."
bash "$ROOT/scripts/swift-root.sh"
R="${CCAUTH_SWIFT_ROOT:-/var/tmp/ccauth-swift-root}"
mkdir -p "$R$ROOT"
cleanup() {
  umount "$R$ROOT" 2>/dev/null || true
  umount "$R/proc" 2>/dev/null || true
}
trap cleanup EXIT
mountpoint -q "$R/proc" || mount -t proc proc "$R/proc"
mountpoint -q "$R$ROOT" || mount --bind "$ROOT" "$R$ROOT"
chroot "$R" /usr/bin/env PATH=/usr/bin:/bin HOME=/root \
  LD_LIBRARY_PATH="$ROOT/target/release" "$@"
