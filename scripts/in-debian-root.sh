#!/usr/bin/env bash
# Runs a command inside the Debian bullseye root for ARCH (scripts/debian-root.sh)
# with this repository bind-mounted at the same path and the host's loopback
# network (lib.sh: run_in_root). Unmounts on exit.
#   bash scripts/in-debian-root.sh arm64 sh -c 'cd ... && ...'
source "$(dirname "$0")/lib.sh"
arch="${1:?usage: $0 amd64|arm64 CMD ARGS...}"; shift
[ $# -gt 0 ] || die "usage: $0 ARCH CMD ARGS..."
run_in_root "$(bash "$ROOT/scripts/debian-root.sh" "$arch")" PATH=/usr/local/bin:/usr/bin:/bin "$@"
