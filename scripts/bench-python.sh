#!/usr/bin/env bash
# The Python package beside authlib, httpx-auth and requests-oauthlib, in one
# run, with ratios (bindings-uniffi/python/bench/bench.py says what is measured).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-python.sh"
bench="$ROOT/bindings-uniffi/python/bench"
venv="$ROOT/target/python/bench-venv"
venv_with_wheel "$venv" "$bench/requirements.txt"
say "python benchmarks"
cd /tmp
"$ROOT/scripts/with-auth-server.sh" "$venv/bin/python" "$bench/bench.py"
