#!/usr/bin/env bash
# The Python package: builds the wheel, installs *the wheel* into a fresh
# virtualenv (not the source tree) and runs pytest there: every shared vector,
# error and redaction checks, and integration against the local authorization
# server; then mypy --strict on the example.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-python.sh"
py="$ROOT/bindings-uniffi/python"
venv="$ROOT/target/python/test-venv"
stamp="$venv/.requirements"
if ! cmp -s "$py/tests/requirements.txt" "$stamp" 2>/dev/null; then
  say "creating the test virtualenv (pytest, httpx, requests, mypy from PyPI)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$py/tests/requirements.txt"
  cp "$py/tests/requirements.txt" "$stamp"
fi
say "installing the wheel into the test virtualenv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$ROOT"/target/wheels/ccauth-*.whl
say "python: import from the installed wheel alone"
(cd /tmp && "$venv/bin/python" -c 'import ccauth, sys; assert "site-packages" in ccauth.__file__, ccauth.__file__')
say "python: pytest (vectors, errors, integration)"
cd "$py/tests"
"$ROOT/scripts/with-auth-server.sh" "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
say "python: mypy --strict on the example"
"$venv/bin/mypy" --strict --no-incremental "$ROOT/examples/python/main.py"
