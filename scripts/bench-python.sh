#!/usr/bin/env bash
# The Python package beside msal, authlib, httpx-auth, requests-oauthlib and
# oauthlib, in one run, with ratios (bindings-uniffi/python/bench/bench.py
# says what each table measures), then what the UniFFI boundary costs call by
# call (bench/ffi_costs.py: the generated runtime beside the package's).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-python.sh"
bench="$ROOT/bindings-uniffi/python/bench"
venv="$ROOT/target/python/bench-venv"
venv_with_wheel "$venv" "$bench/requirements.txt"
say "python benchmarks"
cd /tmp
"$ROOT/scripts/with-auth-server.sh" "$venv/bin/python" "$bench/bench.py"
say "python: the UniFFI boundary, call by call"
"$venv/bin/python" "$bench/ffi_costs.py"
