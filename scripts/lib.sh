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

# Runs `env ASSIGNMENTS... CMD ARGS...` inside the chroot $1 (a Debian root
# of scripts/swift-root.sh or debian-root.sh) with this repository
# bind-mounted at the same path, /proc mounted and the host's loopback
# network (the local authorization server is reachable). Unmounts on exit.
# sudo drops the environment, so the CCAUTH_* variables of
# scripts/with-auth-server.sh are passed explicitly.
run_in_root() {
  local R="$1"; shift
  as_root mkdir -p "$R$ROOT"
  # shellcheck disable=SC2064 # expand now: $R is local
  trap "as_root umount '$R$ROOT' 2>/dev/null || true; as_root umount '$R/proc' 2>/dev/null || true" EXIT
  mountpoint -q "$R/proc" || as_root mount -t proc proc "$R/proc"
  mountpoint -q "$R$ROOT" || as_root mount --bind "$ROOT" "$R$ROOT"
  as_root chroot "$R" /usr/bin/env HOME=/root \
    CCAUTH_ISSUER="${CCAUTH_ISSUER:-}" CCAUTH_TOKEN_ENDPOINT="${CCAUTH_TOKEN_ENDPOINT:-}" \
    CCAUTH_API_URL="${CCAUTH_API_URL:-}" CCAUTH_STATS_URL="${CCAUTH_STATS_URL:-}" \
    CCAUTH_OVERSIZED_URL="${CCAUTH_OVERSIZED_URL:-}" "$@"
}
