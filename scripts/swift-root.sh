#!/usr/bin/env bash
# Makes (once per machine) a Debian trixie root with Swift 6 (swiftlang) for
# the Swift package: bookworm has no Swift, and no toolchain can be downloaded
# from elsewhere here. Cached at $CCAUTH_SWIFT_ROOT (default
# /var/tmp/ccauth-swift-root) across clones and runs; needs root or sudo.
source "$(dirname "$0")/lib.sh"
R="${CCAUTH_SWIFT_ROOT:-/var/tmp/ccauth-swift-root}"
# git: SwiftPM resolves URL dependencies with it (the consumer test).
PACKAGES="swiftlang libc6-dev libstdc++-14-dev libcurl4-openssl-dev ca-certificates git"
# (usr/bin/swift is an absolute symlink: test the marker, not the link target.)
if [ -f "$R/.ccauth-ready" ]; then
  [ "$(cat "$R/.ccauth-ready")" = "$PACKAGES" ] && exit 0
  # An older root: add what is missing instead of making it again.
  say "adding packages to the Swift root: $PACKAGES"
  mountpoint -q "$R/proc" || { as_root mount -t proc proc "$R/proc"; trap 'as_root umount "$R/proc" 2>/dev/null || true' EXIT; }
  # shellcheck disable=SC2086
  as_root chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
  echo "$PACKAGES" | as_root tee "$R/.ccauth-ready" >/dev/null
  exit 0
fi
# Never delete a root that still has something mounted in it (a bind-mounted
# repository would go with it).
if grep -q " $R/" /proc/mounts; then
  die "something is still mounted under $R; unmount it first"
fi
say "making the Swift root (Debian trixie + swiftlang) at $R"
command -v debootstrap >/dev/null 2>&1 || {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}
as_root rm -rf "$R"
as_root mkdir -p "$R"
as_root debootstrap --variant=minbase trixie "$R" >/dev/null
as_root cp /etc/resolv.conf "$R/etc/"
as_root mount -t proc proc "$R/proc"
trap 'as_root umount "$R/proc" 2>/dev/null || true' EXIT
# shellcheck disable=SC2086
as_root chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
echo "$PACKAGES" | as_root tee "$R/.ccauth-ready" >/dev/null
as_root chroot "$R" swift --version >&2
