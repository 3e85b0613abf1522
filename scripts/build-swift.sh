#!/usr/bin/env bash
# Generates the UniFFI Swift for ccauth-ffi into the Swift package: the Swift
# module (Sources/CcauthFFI) and the C module ccauth_ffiFFI (header + a
# module map that links libccauth_ffi), plus the pkg-config file through
# which SwiftPM finds target/release/libccauth_ffi.so on Linux
# (target/swift-pkgconfig; in-swift-root.sh puts it on PKG_CONFIG_PATH).
# Generated files are not committed.
source "$(dirname "$0")/lib.sh"
need_rust
cd "$ROOT"
cargo build --quiet --locked --release -p ccauth-ffi
cargo build --quiet --locked -p ccauth-ffi --features bindgen --bin uniffi-bindgen
pkg="$ROOT/bindings-uniffi/ccauth-swift"
gen="$ROOT/target/swift-generated"
rm -rf "$gen"
"$ROOT/target/debug/uniffi-bindgen" generate --no-format --language swift \
  --library "$ROOT/target/release/libccauth_ffi.so" --out-dir "$gen" >/dev/null
mkdir -p "$pkg/Sources/CcauthFFI" "$pkg/Sources/ccauth_ffiFFI"
cp "$gen/ccauth_ffi.swift" "$pkg/Sources/CcauthFFI/"
cp "$gen/ccauth_ffiFFI.h" "$pkg/Sources/ccauth_ffiFFI/"
# Our own module map: the generated one names Darwin modules Linux lacks.
cat > "$pkg/Sources/ccauth_ffiFFI/module.modulemap" <<'MAP'
module ccauth_ffiFFI {
    header "ccauth_ffiFFI.h"
    link "ccauth_ffi"
    export *
}
MAP
# What an installed library's ccauth_ffi.pc says (dist-swift.sh ships one),
# pointing at this build.
mkdir -p "$ROOT/target/swift-pkgconfig"
cat > "$ROOT/target/swift-pkgconfig/ccauth_ffi.pc" <<PC
libdir=$ROOT/target/release

Name: ccauth_ffi
Description: ccauth's UniFFI library (this checkout's build)
Version: $(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -1)
Libs: -L\${libdir} -lccauth_ffi
PC
