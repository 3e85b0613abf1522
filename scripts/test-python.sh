#!/usr/bin/env bash
# The Python package: builds the wheel, installs *the wheel* into a fresh
# virtualenv (not the source tree) and runs pytest there: every shared vector,
# error and redaction checks, and integration against the local authorization
# server, and the fleet store against a real Redis (scripts/with-redis.sh:
# processes sharing one token, a lease holder killed, Redis stopped and
# started again; tests/test_fleet.py); ruff and mypy --strict on the package
# before, `python -m ccauth doctor` from the wheel alone in a fresh
# virtualenv and mypy --strict on the example after.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-python.sh"
py="$ROOT/bindings-uniffi/python"
venv="$ROOT/target/python/test-venv"
say "installing the wheel into the test virtualenv"
venv_with_wheel "$venv" "$py/tests/requirements.txt"
say "python: import from the installed wheel alone"
(cd /tmp && "$venv/bin/python" -c 'import ccauth, sys; assert "site-packages" in ccauth.__file__, ccauth.__file__')
say "python: ruff check and mypy --strict on the package (src/ccauth; rules in pyproject.toml)"
(cd "$py" && "$venv/bin/ruff" check --no-cache src/ccauth && "$venv/bin/mypy" --strict --no-incremental src/ccauth)
say "python: pytest (vectors, errors, integration, the fleet store on Redis)"
cd "$py/tests"
bash "$ROOT/scripts/with-redis.sh" "$ROOT/scripts/with-auth-server.sh" "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
say "python: python -m ccauth doctor from the wheel in a fresh virtualenv (nothing else installed)"
doctor_venv="$ROOT/target/python/doctor-venv"
rm -rf "$doctor_venv"
python3 -m venv "$doctor_venv"
"$doctor_venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "$ROOT"/target/wheels/ccauth-*.whl
"$ROOT/scripts/with-auth-server.sh" env PYTHONPATH="$py/tests" "$doctor_venv/bin/python" "$py/tests/check_doctor.py"
say "python: mypy --strict on the example"
"$venv/bin/mypy" --strict --no-incremental "$ROOT/examples/python/main.py"

# The wheel is tagged py3-none (UniFFI's Python side is ctypes, no C API):
# prove it on every other CPython >= 3.9 this machine has (pyenv or PATH).
say "python: the same wheel on other CPython versions"
for v in 3.9 3.10 3.12 3.13; do
  interp=$(ls "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python 2>/dev/null | tail -n 1 || true)
  [ -n "$interp" ] || interp=$(command -v "python$v" || true)
  if [ -z "$interp" ] || ! "$interp" -c 'import venv' 2>/dev/null; then
    echo "CPython $v: not on this machine, skipped" >&2; continue
  fi
  venv_v="$ROOT/target/python/venv-$v"
  [ -x "$venv_v/bin/python" ] || "$interp" -m venv "$venv_v"
  "$venv_v/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$ROOT"/target/wheels/ccauth-*.whl
  (cd "$py/tests" && "$venv_v/bin/python" run_vectors.py)
done
