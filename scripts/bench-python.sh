#!/usr/bin/env bash
# The Python package beside authlib, httpx-auth and requests-oauthlib, in one
# run, with ratios (bindings-uniffi/python/bench/bench.py says what is measured).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-python.sh"
bench="$ROOT/bindings-uniffi/python/bench"
venv="$ROOT/target/python/bench-venv"
if ! cmp -s "$bench/requirements.txt" "$venv/.requirements" 2>/dev/null; then
  say "creating the benchmark virtualenv (the peers, from PyPI)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$bench/requirements.txt"
  cp "$bench/requirements.txt" "$venv/.requirements"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$ROOT"/target/wheels/ccauth-*.whl
say "python benchmarks"
cd /tmp
"$ROOT/scripts/with-auth-server.sh" "$venv/bin/python" "$bench/bench.py"
