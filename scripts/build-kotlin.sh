#!/usr/bin/env bash
# Generates the UniFFI Kotlin for ccauth-ffi into target/kotlin/generated (from
# the host build: the metadata is the same for every target) and puts native
# libraries where JNA looks for them in the jar, target/kotlin/native/<prefix>/
# (JNA's resource prefixes: linux-x86-64, linux-aarch64, darwin-x86-64,
# darwin-aarch64, win32-x86-64). Maven builds the jar from these and
# bindings-uniffi/kotlin/src.
#   bash scripts/build-kotlin.sh             # the host build as linux-x86-64 (demo, bench)
#   bash scripts/build-kotlin.sh TARGET...   # cross-built by scripts/cross-ffi.sh, e.g.
#       x86_64-unknown-linux-gnu.2.17 aarch64-unknown-linux-gnu.2.17   (test-kotlin.sh)
#       ... x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu (dist-kotlin.sh)
source "$(dirname "$0")/lib.sh"
need_rust
command -v mvn >/dev/null 2>&1 || die "mvn not found: install Maven (and a JDK >= 17)"
cd "$ROOT"
say "building ccauth-ffi and uniffi-bindgen"
cargo build --quiet --locked --release -p ccauth-ffi
cargo build --quiet --locked -p ccauth-ffi --features bindgen --bin uniffi-bindgen
out="$ROOT/target/kotlin"
# Maven copies resources without removing old ones: a jar built after a
# five-platform one would keep its natives. The classes go too (test classes
# of a deleted test would run again).
rm -rf "$out/generated" "$out/native" "$out/maven/classes" "$out/maven/test-classes"
# The options (package dev.ccauth.ffi, JNA's cleaner) are the crate root's
# bindings-uniffi/uniffi.toml, which uniffi-bindgen finds through cargo metadata.
"$ROOT/target/debug/uniffi-bindgen" generate --no-format --language kotlin \
  --library "$ROOT/target/release/libccauth_ffi.so" --out-dir "$out/generated" >/dev/null
[ -f "$out/generated/dev/ccauth/ffi/ccauth_ffi.kt" ] ||
  die "uniffi-bindgen did not apply bindings-uniffi/uniffi.toml (no dev/ccauth/ffi/ccauth_ffi.kt)"
! grep -q "java.lang.ref.Cleaner" "$out/generated/dev/ccauth/ffi/ccauth_ffi.kt" ||
  die "the generated Kotlin uses java.lang.ref.Cleaner (disable_java_cleaner not applied)"
python3 "$ROOT/scripts/check-ffi-arity.py" "$out/generated/dev/ccauth/ffi/ccauth_ffi.kt"

if [ $# -eq 0 ]; then
  mkdir -p "$out/native/linux-x86-64"
  cp "$ROOT/target/release/libccauth_ffi.so" "$out/native/linux-x86-64/"
  exit 0
fi
bash "$ROOT/scripts/cross-ffi.sh" "$@"
for target in "$@"; do
  triple="${target%.2.17}"
  case "$triple" in
    x86_64-unknown-linux-gnu) prefix=linux-x86-64 file=libccauth_ffi.so ;;
    aarch64-unknown-linux-gnu) prefix=linux-aarch64 file=libccauth_ffi.so ;;
    x86_64-apple-darwin) prefix=darwin-x86-64 file=libccauth_ffi.dylib ;;
    aarch64-apple-darwin) prefix=darwin-aarch64 file=libccauth_ffi.dylib ;;
    x86_64-pc-windows-gnu) prefix=win32-x86-64 file=ccauth_ffi.dll ;;
    *) die "no JNA resource prefix known for $target" ;;
  esac
  mkdir -p "$out/native/$prefix"
  cp "$ROOT/target/cross/lib/$triple/$file" "$out/native/$prefix/"
done
