#!/usr/bin/env bash
# Runs a command inside the Debian bullseye root for ARCH (scripts/debian-root.sh)
# with this repository bind-mounted at the same path and the host's loopback
# network (the local authorization server is reachable). Unmounts on exit.
#   bash scripts/in-debian-root.sh arm64 sh -c 'cd ... && ...'
source "$(dirname "$0")/lib.sh"
arch="${1:?usage: $0 amd64|arm64 CMD ARGS...}"; shift
[ $# -gt 0 ] || die "usage: $0 ARCH CMD ARGS..."
R=$(bash "$ROOT/scripts/debian-root.sh" "$arch")
as_root mkdir -p "$R$ROOT"
cleanup() {
  as_root umount "$R$ROOT" 2>/dev/null || true
  as_root umount "$R/proc" 2>/dev/null || true
}
trap cleanup EXIT
mountpoint -q "$R/proc" || as_root mount -t proc proc "$R/proc"
mountpoint -q "$R$ROOT" || as_root mount --bind "$ROOT" "$R$ROOT"
# sudo drops the environment: pass what the tests need explicitly.
as_root chroot "$R" /usr/bin/env PATH=/usr/local/bin:/usr/bin:/bin HOME=/root \
  CCAUTH_ISSUER="${CCAUTH_ISSUER:-}" CCAUTH_TOKEN_ENDPOINT="${CCAUTH_TOKEN_ENDPOINT:-}" \
  CCAUTH_API_URL="${CCAUTH_API_URL:-}" CCAUTH_STATS_URL="${CCAUTH_STATS_URL:-}" "$@"
