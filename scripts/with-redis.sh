#!/usr/bin/env bash
# Runs a command with a Redis server up on a free 127.0.0.1 port (Debian's
# redis-server, installed if missing; no persistence, nothing shared):
#   scripts/with-redis.sh CMD ARGS...
# Exports CCAUTH_REDIS_URL (redis://127.0.0.1:PORT/0), CCAUTH_REDIS_PORT and
# CCAUTH_REDIS_SERVER (the binary, for tests that stop and restart it).
# The server is stopped when the command ends, whatever happens.
source "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || die "usage: $0 CMD ARGS..."
if ! command -v redis-server >/dev/null 2>&1; then
  say "installing redis-server (Debian package)"
  # Installing must not start the system service (there may be no init).
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
    || { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }
  as_root rm -f /usr/sbin/policy-rc.d
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$work" \
  --daemonize no --loglevel warning > "$work/log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.05
done
redis-cli -p "$port" ping >/dev/null 2>&1 || { cat "$work/log" >&2; die "redis-server did not start"; }
export CCAUTH_REDIS_URL="redis://127.0.0.1:$port/0" CCAUTH_REDIS_PORT="$port"
CCAUTH_REDIS_SERVER=$(command -v redis-server)
export CCAUTH_REDIS_SERVER
"$@"
