#!/usr/bin/env bash
# The Python wheels where users install them, beyond this machine's own
# CPython (scripts/test-python.sh):
# - each extra alone: `ccauth[httpx]` without requests, `ccauth[requests]`
#   without httpx, from PyPI into a fresh virtualenv, calling the local API;
# - the manylinux2014 x86_64 wheel in a Debian 11 root (glibc 2.31, CPython
#   3.9: older than the 2.34 a host-built library needs);
# - the manylinux2014 aarch64 wheel in a Debian 11 arm64 root, under qemu-user;
# each runs every vector and fetches a token from the local server, installed
# by pip from the wheel file alone (--no-index).
source "$(dirname "$0")/lib.sh"
py="$ROOT/bindings-uniffi/python"
x86_wheel=$(ls "$ROOT"/target/wheels/ccauth-*manylinux_2_17_x86_64*.whl 2>/dev/null || true)
[ -n "$x86_wheel" ] || bash "$ROOT/scripts/build-python.sh"
x86_wheel=$(ls "$ROOT"/target/wheels/ccauth-*manylinux_2_17_x86_64*.whl)
bash "$ROOT/scripts/cross-ffi.sh" aarch64-unknown-linux-gnu.2.17
bash "$ROOT/scripts/repack-wheel.sh" "$(ls "$ROOT"/target/python/host-wheel/ccauth-*.whl)" \
  aarch64-unknown-linux-gnu.2.17 "$ROOT/target/python/platform-wheels"
arm_wheel=$(ls "$ROOT"/target/python/platform-wheels/ccauth-*manylinux_2_17_aarch64*.whl)
bash "$ROOT/scripts/debian-root.sh" amd64 >/dev/null
bash "$ROOT/scripts/debian-root.sh" arm64 >/dev/null

lone_extra() { # $1: httpx | requests
  local venv="$ROOT/target/python/lone-$1"
  rm -rf "$venv"
  python3 -m venv "$venv"
  # The test requirements pin the version pip may pick for the extra.
  "$venv/bin/pip" install --quiet --disable-pip-version-check -c "$py/tests/requirements.txt" "$x86_wheel[$1]"
  (cd "$py/tests" && "$venv/bin/python" check_lone_extra.py "$1")
}

in_root() { # $1: arch, $2: wheel
  # A virtualenv inside the root, remade each run: pip installs the wheel
  # file only (its tags must match this system, or pip refuses it).
  bash "$ROOT/scripts/in-debian-root.sh" "$1" sh -c '
    set -e
    rm -rf /opt/ccauth-venv
    python3 -m venv /opt/ccauth-venv
    /opt/ccauth-venv/bin/pip install --quiet --disable-pip-version-check --no-index "$1"
    cd "$2/tests" && /opt/ccauth-venv/bin/python check_installed.py' _ "$2" "$py"
}

say "python: each extra alone (ccauth[httpx], ccauth[requests]), and the wheel on older and other Linux systems"
export -f lone_extra in_root say
export py x86_wheel arm_wheel
bash "$ROOT/scripts/with-auth-server.sh" bash -c '
  set -euo pipefail
  lone_extra httpx
  lone_extra requests
  say "python: $(basename "$x86_wheel") in Debian 11 amd64"
  in_root amd64 "$x86_wheel"
  say "python: $(basename "$arm_wheel") in Debian 11 arm64 (qemu-user)"
  in_root arm64 "$arm_wheel"
'
