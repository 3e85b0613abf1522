# Shared helpers for the scripts; source it, do not run it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
say() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Rust comes from rustup on these machines; it cannot be downloaded here.
need_rust() {
  command -v cargo >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/cargo" ] ||
    die "cargo not found: install Rust (rustup, stable >= 1.80) first"
  case ":$PATH:" in *":$HOME/.cargo/bin:"*) ;; *) export PATH="$HOME/.cargo/bin:$PATH" ;; esac
}

# Runs a command as root: directly when we are root, else through sudo.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# A virtualenv at $1 with the pinned requirements file $2 (remade only when
# the file changes) and the freshly built ccauth wheel installed into it.
venv_with_wheel() {
  local venv="$1" requirements="$2"
  if ! cmp -s "$requirements" "$venv/.requirements" 2>/dev/null; then
    say "creating the virtualenv $(basename "$venv") ($(basename "$(dirname "$requirements")")/requirements.txt, from PyPI)"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/.requirements"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$ROOT"/target/wheels/ccauth-*.whl
}
