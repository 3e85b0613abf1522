#!/usr/bin/env bash
# Runs a command inside the Swift root (scripts/swift-root.sh) with this
# repository bind-mounted at the same path and the host's loopback network
# (lib.sh: run_in_root). Unmounts on exit.
source "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || die "usage: $0 CMD ARGS..."
bash "$ROOT/scripts/swift-root.sh"
run_in_root "${CCAUTH_SWIFT_ROOT:-/var/tmp/ccauth-swift-root}" PATH=/usr/bin:/bin \
  LD_LIBRARY_PATH="$ROOT/target/release" PKG_CONFIG_PATH="$ROOT/target/swift-pkgconfig" "$@"
