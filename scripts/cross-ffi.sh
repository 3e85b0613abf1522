#!/usr/bin/env bash
# Builds the native library (crate ccauth-ffi) for other platforms from this
# Linux x86-64 machine, stripped, into target/cross/lib/<target>/:
#   bash scripts/cross-ffi.sh aarch64-unknown-linux-gnu.2.17 x86_64-apple-darwin ...
# A `.2.17` suffix pins the glibc the library may use (manylinux2014).
# CCAUTH_CRATE_TYPE=staticlib builds static libraries instead (the Apple
# XCFramework): no linker is involved, so any Apple target builds here.
#
# Route (shared/TOOLCHAIN.md): rustup has only the host's std, so every other
# target's std is built from Debian's rust-web-src with Debian's rustc
# (-Zbuild-std), and zig links. x86_64 glibc uses rustup's own toolchain and
# std (built for glibc 2.17 already) and zig only to pin the glibc version.
# UniFFI's bindings are generated from the host build (the metadata is the
# same for every target), so the libraries here are stripped at once.
source "$(dirname "$0")/lib.sh"
need_rust
[ $# -gt 0 ] || die "usage: $0 TARGET..."
tools=$(bash "$ROOT/scripts/cross-tools.sh")
export PATH="$tools:$PATH"
crate_type="${CCAUTH_CRATE_TYPE:-cdylib}"
cd "$ROOT"

# zig's MinGW has no libssp; Rust's windows-gnu target still asks the linker
# for it. Empty archives satisfy the request (nothing in them is used).
stubs="$ROOT/target/cross/stubs"
mkdir -p "$stubs"
for lib in libssp_nonshared.a libssp.a; do
  [ -f "$stubs/$lib" ] || printf '!<arch>\n' > "$stubs/$lib"
done

for target in "$@"; do
  triple="${target%.2.17}"
  out="$ROOT/target/cross/lib/$triple"
  env_triple=$(echo "$triple" | tr 'a-z-' 'A-Z_')
  case "$triple" in
    *-apple-darwin) file=libccauth_ffi.dylib ;;
    *-windows-gnu) file=ccauth_ffi.dll ;;
    *) file=libccauth_ffi.so ;;
  esac
  flags=""
  # zig would otherwise stamp its own default (macOS 15) as the minimum.
  case "$triple" in
    x86_64-apple-darwin) export MACOSX_DEPLOYMENT_TARGET=10.12 ;;
    aarch64-apple-darwin) export MACOSX_DEPLOYMENT_TARGET=11.0 ;;
    *) unset MACOSX_DEPLOYMENT_TARGET ;;
  esac
  case "$triple" in
    *-musl) flags="-C target-feature=-crt-static" ;;  # a cdylib links libc dynamically
    *-windows-gnu) flags="-L native=$stubs" ;;
  esac
  say "building ccauth-ffi for $target ($crate_type)"
  if [ "$crate_type" = staticlib ]; then
    file=libccauth_ffi.a
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$ROOT/target/cross/cargo" \
      /usr/bin/cargo rustc --quiet --release --locked -Zbuild-std=std,panic_abort \
        --target "$triple" -p ccauth-ffi --lib --crate-type staticlib
  elif [ "$triple" = x86_64-unknown-linux-gnu ]; then
    CARGO_TARGET_DIR="$ROOT/target/cross/cargo-host" \
      cargo zigbuild --quiet --release --locked --target "$target" -p ccauth-ffi
  else
    env "CARGO_TARGET_${env_triple}_RUSTFLAGS=$flags" \
      RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$ROOT/target/cross/cargo" \
      /usr/bin/cargo zigbuild --quiet --release --locked -Zbuild-std=std,panic_abort \
        --target "$target" -p ccauth-ffi
  fi
  built="$ROOT/target/cross/cargo/$triple/release/$file"
  [ "$triple" = x86_64-unknown-linux-gnu ] && [ "$crate_type" != staticlib ] &&
    built="$ROOT/target/cross/cargo-host/$triple/release/$file"
  mkdir -p "$out"
  cp "$built" "$out/$file"
  if [ "$crate_type" = staticlib ]; then
    llvm-strip-22 --strip-debug "$out/$file"   # the linker still needs its symbols
  elif [ "$file" = libccauth_ffi.dylib ]; then
    # Its own name, not this machine's build path; LLVM's tools re-sign an
    # ad-hoc (linker-signed) arm64 image after changing it (checked by
    # scripts/check-wheels.py: every page hash).
    llvm-install-name-tool-22 -id @rpath/libccauth_ffi.dylib "$out/$file"
    llvm-strip-22 --strip-all "$out/$file"
  else
    llvm-strip-22 --strip-all "$out/$file"
  fi
  ls -l "$out/$file" >&2
done
