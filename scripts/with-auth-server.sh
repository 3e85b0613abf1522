#!/usr/bin/env bash
# Runs a command with the local authorization server up on 127.0.0.1:
#   scripts/with-auth-server.sh CMD ARGS...
# Exports CCAUTH_ISSUER, CCAUTH_TOKEN_ENDPOINT, CCAUTH_API_URL, CCAUTH_STATS_URL,
# CCAUTH_OVERSIZED_URL (tests/server/oversized.mjs: POST $URL/token?mib=N).
# Extra server flags via CCAUTH_SERVER_ARGS (e.g. "--short-ttl 3").
# The server is stopped when the command ends, whatever happens.
source "$(dirname "$0")/lib.sh"
[ $# -gt 0 ] || die "usage: $0 CMD ARGS..."
bash "$ROOT/scripts/auth-server.sh"

work=$(mktemp -d)
mkfifo "$work/stdin"
server_pid=""
holder_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# The server exits when its stdin closes; this holder keeps it open.
sleep 3600 > "$work/stdin" &
holder_pid=$!
# shellcheck disable=SC2086 # CCAUTH_SERVER_ARGS is a list of flags
node "$ROOT/tests/server/server.mjs" --port 0 ${CCAUTH_SERVER_ARGS:-} \
  < "$work/stdin" > "$work/ready" 2> "$work/stderr" &
server_pid=$!
for _ in $(seq 1 300); do
  [ -s "$work/ready" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/stderr" >&2; die "the authorization server did not start"; }
  sleep 0.1
done
[ -s "$work/ready" ] || die "the authorization server did not start within 30 s"
read -r ready < "$work/ready"
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$ready" "$1"; }
export CCAUTH_ISSUER CCAUTH_TOKEN_ENDPOINT CCAUTH_API_URL CCAUTH_STATS_URL CCAUTH_OVERSIZED_URL
CCAUTH_ISSUER=$(field issuer)
CCAUTH_TOKEN_ENDPOINT=$(field token_endpoint)
CCAUTH_API_URL=$(field api)
CCAUTH_STATS_URL=$(field stats)
CCAUTH_OVERSIZED_URL=$(field oversized)
status=0
"$@" || status=$?
exit "$status"
