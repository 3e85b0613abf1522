#!/usr/bin/env bash
# Builds the Python wheel users on Linux x86-64 get into target/wheels/:
# manylinux2014 (glibc >= 2.17), whatever the glibc of this machine.
# maturin builds the host wheel (Python code, UniFFI-generated module,
# METADATA) into target/python/host-wheel/; the native library inside it is
# then swapped for the one linked against glibc 2.17 (scripts/cross-ffi.sh,
# zig) and the wheel re-tagged (scripts/repack-wheel.sh). Idempotent: cargo
# and maturin skip what is up to date.
source "$(dirname "$0")/lib.sh"
need_rust
MATURIN_VERSION=1.16.0
venv="$ROOT/target/python/build-venv"
if [ "$("$venv/bin/maturin" --version 2>/dev/null)" != "maturin $MATURIN_VERSION" ]; then
  say "installing maturin $MATURIN_VERSION (PyPI) into target/python/build-venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "maturin==$MATURIN_VERSION"
fi
say "building the host wheel (maturin, UniFFI)"
host="$ROOT/target/python/host-wheel"
rm -rf "$host"
cd "$ROOT/bindings-uniffi/python"
"$venv/bin/maturin" build --quiet --release --out "$host" 2>&1 | grep -v '^\s*$' | tail -n 5 >&2
bash "$ROOT/scripts/cross-ffi.sh" x86_64-unknown-linux-gnu.2.17
rm -f "$ROOT"/target/wheels/ccauth-*.whl
bash "$ROOT/scripts/repack-wheel.sh" "$(echo "$host"/ccauth-*.whl)" x86_64-unknown-linux-gnu.2.17 "$ROOT/target/wheels"
