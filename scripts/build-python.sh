#!/usr/bin/env bash
# Builds the Python wheel (maturin + UniFFI) into target/wheels/ (idempotent:
# cargo and maturin skip what is up to date).
source "$(dirname "$0")/lib.sh"
need_rust
venv="$ROOT/target/python/build-venv"
if ! [ -x "$venv/bin/maturin" ]; then
  say "installing maturin (PyPI) into target/python/build-venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9,<2"
fi
say "building the ccauth wheel (maturin, UniFFI)"
rm -f "$ROOT"/target/wheels/ccauth-*.whl
cd "$ROOT/bindings-uniffi/python"
"$venv/bin/maturin" build --quiet --release --out "$ROOT/target/wheels" 2>&1 | grep -v '^\s*$' | tail -n 5 >&2
ls -l "$ROOT"/target/wheels/ccauth-*.whl >&2
