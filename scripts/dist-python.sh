#!/usr/bin/env bash
# Every Python artifact into target/dist/: wheels for manylinux2014 x86_64 and
# aarch64, musllinux_1_2 x86_64 and aarch64, macOS x86_64 and arm64, Windows
# x86_64 (one native library each, cross-built here: scripts/cross-ffi.sh),
# and the sdist. Then checks every wheel (scripts/check-wheels.py), loads the
# musl one with musl's loader (scripts/check-musl-load.sh), and builds
# the sdist from source, as pip does where no wheel fits, into a fresh
# virtualenv that runs the vectors.
source "$(dirname "$0")/lib.sh"
TARGETS="x86_64-unknown-linux-gnu.2.17 aarch64-unknown-linux-gnu.2.17 x86_64-unknown-linux-musl
  aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-gnu"
dist="$ROOT/target/dist"
bash "$ROOT/scripts/build-python.sh"
host_wheel=$(ls "$ROOT"/target/python/host-wheel/ccauth-*.whl)
# shellcheck disable=SC2086
bash "$ROOT/scripts/cross-ffi.sh" $TARGETS
mkdir -p "$dist"
rm -f "$dist"/ccauth-*.whl "$dist"/ccauth-*.tar.gz
for target in $TARGETS; do
  bash "$ROOT/scripts/repack-wheel.sh" "$host_wheel" "$target" "$dist"
done
say "python: the sdist (maturin)"
(cd "$ROOT/bindings-uniffi/python" && "$ROOT/target/python/build-venv/bin/maturin" sdist \
  --out "$dist" 2>&1 | tail -n 1 >&2)
tools=$(bash "$ROOT/scripts/cross-tools.sh")
say "python: every wheel's tags, native library, RECORD, licences and metadata"
python3 "$ROOT/scripts/check-wheels.py" "$tools" "$dist"/ccauth-*.whl
bash "$ROOT/scripts/check-musl-load.sh" "$(ls "$dist"/ccauth-*musllinux_1_2_x86_64.whl)"

say "python: pip builds the sdist from source (Rust toolchain present) and the result runs the vectors"
venv="$ROOT/target/python/sdist-venv"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-binary ccauth "$(ls "$dist"/ccauth-*.tar.gz)"
(cd "$ROOT/bindings-uniffi/python/tests" && "$venv/bin/python" run_vectors.py)
ls -l "$dist"/ccauth-* >&2
