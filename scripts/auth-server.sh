#!/usr/bin/env bash
# Installs the local authorization server's packages (tests/server), once per
# package-lock.json. Idempotent and quiet when there is nothing to do.
source "$(dirname "$0")/lib.sh"
command -v node >/dev/null 2>&1 || die "node not found: install Node.js >= 20.19"
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || die "Node.js >= 20.19 needed (found $(node --version))"
dir="$ROOT/tests/server"
stamp="$dir/node_modules/.ccauth-lock-sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
say "installing the test authorization server (npm ci in tests/server)"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
echo "$want" > "$stamp"
