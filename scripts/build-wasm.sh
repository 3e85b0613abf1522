#!/usr/bin/env bash
# Builds the npm package's wasm + JS glue into bindings-wasm/pkg/ (idempotent).
# rustup cannot add wasm32 here, so Debian's rustc-web builds std for wasm
# (see shared TOOLCHAIN notes): installed on first use, skipped afterwards.
source "$(dirname "$0")/lib.sh"
need_rust
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' "$ROOT/bindings-wasm/Cargo.toml")

if ! [ -x /usr/bin/rustc ] || ! command -v wasm-ld-22 >/dev/null 2>&1 || ! [ -d /usr/lib/rustlib/src/rust/library ]; then
  say "installing Debian's rustc-web toolchain for wasm32"
  sudo_if() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if apt-get update -qq
  sudo_if env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rustc-web cargo-web rust-web-src lld-22 >/dev/null
fi
if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

cd "$ROOT"
# A target dir of its own: a different rustc must not invalidate the host build.
# Size: std is rebuilt with `optimize_for_size`, and panics abort at once
# (the core never panics by design; an abort without the formatting machinery
# is 13 % less gzipped wasm than `panic=abort`).
export CARGO_TARGET_DIR="$ROOT/target/wasm"
# One build: the wasm carries no asymmetric crypto (WebCrypto signs every
# key: js/keys.ts), so there is no second, larger build to choose.
# The allocator and zeroize are built for speed, on every call's path (each
# string that crosses is allocated, each secret and body zeroized on drop):
# a token exchange's poll + handleResponse 32 -> 25 µs for +0.1 KB gzipped.
fast=""
for crate in dlmalloc zeroize; do
  fast="$fast --config profile.release.package.$crate.opt-level=3"
done
# --omit-default-module-path: the glue's async init would otherwise name the
# .wasm by URL, which bundlers (webpack, Vite) copy as an unused asset.
build_variant() { # $1: cargo features (none today), $2: output dir
  say "building ccauth-wasm for wasm32${1:+ (features: $1)}"
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-22 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=${WASM_OPT_LEVEL:-z} CARGO_PROFILE_RELEASE_LTO=true \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_PANIC=immediate-abort \
    /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown \
      -Zpanic-immediate-abort -Zbuild-std=std,panic_abort \
      -Zbuild-std-features=optimize_for_size -p ccauth-wasm ${1:+--features "$1"} $fast
  rm -rf "$2"
  wasm-bindgen --target web --omit-default-module-path --remove-name-section --remove-producers-section \
    --out-dir "$2" --out-name ccauth_wasm \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/ccauth_wasm.wasm"
  ls -l "$2"/*.wasm >&2
}
build_variant "" "$ROOT/bindings-wasm/pkg"
rm -rf "$ROOT/bindings-wasm/pkg-full"
