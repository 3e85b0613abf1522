#!/usr/bin/env bash
# Runs a command inside the Swift root (scripts/swift-root.sh) with this
# repository bind-mounted at the same path and the host's loopback network.
# Unmounts on exit.
source "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || die "usage: $0 CMD ARGS..."
bash "$ROOT/scripts/swift-root.sh"
R="${CCAUTH_SWIFT_ROOT:-/var/tmp/ccauth-swift-root}"
as_root mkdir -p "$R$ROOT"
cleanup() {
  as_root umount "$R$ROOT" 2>/dev/null || true
  as_root umount "$R/proc" 2>/dev/null || true
}
trap cleanup EXIT
mountpoint -q "$R/proc" || as_root mount -t proc proc "$R/proc"
mountpoint -q "$R$ROOT" || as_root mount --bind "$ROOT" "$R$ROOT"
# sudo drops the environment: pass what the tests need explicitly.
as_root chroot "$R" /usr/bin/env PATH=/usr/bin:/bin HOME=/root \
  LD_LIBRARY_PATH="$ROOT/target/release" PKG_CONFIG_PATH="$ROOT/target/swift-pkgconfig" \
  CCAUTH_ISSUER="${CCAUTH_ISSUER:-}" CCAUTH_TOKEN_ENDPOINT="${CCAUTH_TOKEN_ENDPOINT:-}" \
  CCAUTH_API_URL="${CCAUTH_API_URL:-}" CCAUTH_STATS_URL="${CCAUTH_STATS_URL:-}" "$@"
