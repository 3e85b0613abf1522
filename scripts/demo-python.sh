#!/usr/bin/env bash
# Runs examples/python with the built wheel installed in a virtualenv of its
# own (needs CCAUTH_* from with-auth-server.sh and a built wheel).
source "$(dirname "$0")/lib.sh"
venv="$ROOT/target/python/demo-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$ROOT"/target/wheels/ccauth-*.whl
say "examples/python"
"$venv/bin/python" "$ROOT/examples/python/main.py"
