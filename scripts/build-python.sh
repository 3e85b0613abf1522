#!/usr/bin/env bash
# Builds the Python wheel (maturin + UniFFI) into target/wheels/ (idempotent:
# cargo and maturin skip what is up to date).
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
say "building the ccauth wheel (maturin, UniFFI)"
rm -f "$ROOT"/target/wheels/ccauth-*.whl
cd "$ROOT/bindings-uniffi/python"
"$venv/bin/maturin" build --quiet --release --out "$ROOT/target/wheels" 2>&1 | grep -v '^\s*$' | tail -n 5 >&2
ls -l "$ROOT"/target/wheels/ccauth-*.whl >&2
