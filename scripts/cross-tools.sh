#!/usr/bin/env bash
# Installs (once per machine, idempotently) what cross-compiling the native
# library needs: rustup can add no targets here, so Debian's rustc-web builds
# std for each target from rust-web-src (-Zbuild-std), zig links for other
# OSes and old glibcs (ziglang + cargo-zigbuild from PyPI), LLVM's binutils
# strip, lipo and inspect the results, and `wheel` + `auditwheel` repack and
# check the Python wheels. Prints the tools virtualenv's bin directory.
source "$(dirname "$0")/lib.sh"
ZIGLANG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.1
WHEEL_VERSION=0.48.0
AUDITWHEEL_VERSION=6.8.2

if ! [ -x /usr/bin/rustc ] || ! [ -d /usr/lib/rustlib/src/rust/library ] ||
   ! command -v llvm-strip-22 >/dev/null 2>&1 || ! command -v wasm-ld-22 >/dev/null 2>&1; then
  say "installing Debian's rustc-web, rust-web-src, lld-22 and llvm-22"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    rustc-web cargo-web rust-web-src lld-22 llvm-22 >/dev/null
fi

venv="$ROOT/target/cross/tools"
pins="ziglang==$ZIGLANG_VERSION cargo-zigbuild==$CARGO_ZIGBUILD_VERSION wheel==$WHEEL_VERSION auditwheel==$AUDITWHEEL_VERSION"
if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$pins" ]; then
  say "installing $pins (PyPI) into target/cross/tools" 
  rm -rf "$venv"
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check $pins
  echo "$pins" > "$venv/.pins"
fi
echo "$venv/bin"
