#!/usr/bin/env bash
# Generates the UniFFI Kotlin for ccauth-ffi into target/kotlin/generated and
# puts the native library where JNA finds it in the jar
# (target/kotlin/native/linux-x86-64/). Maven (scripts/test-kotlin.sh) builds
# the jar from these and bindings-uniffi/kotlin/src.
source "$(dirname "$0")/lib.sh"
need_rust
command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (and a JDK >= 17)"
cd "$ROOT"
say "building ccauth-ffi and uniffi-bindgen"
cargo build --quiet --locked --release -p ccauth-ffi
cargo build --quiet --locked -p ccauth-uniffi-bindgen
out="$ROOT/target/kotlin"
rm -rf "$out/generated" "$out/native"
mkdir -p "$out/native/linux-x86-64"
"$ROOT/target/debug/uniffi-bindgen" generate --no-format --language kotlin \
  --library "$ROOT/target/release/libccauth_ffi.so" --out-dir "$out/generated" >/dev/null
cp "$ROOT/target/release/libccauth_ffi.so" "$out/native/linux-x86-64/"
