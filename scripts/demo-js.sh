#!/usr/bin/env bash
# The Node and Deno examples, with the packed npm tarball installed as a user would.
# Expects the CCAUTH_* variables of scripts/with-auth-server.sh.
source "$(dirname "$0")/lib.sh"
bin=$(bash "$ROOT/scripts/js-runtimes.sh")
tarball=$(ls "$ROOT"/target/npm/ccauth-*.tgz)
for example in node deno; do
  (cd "$ROOT/examples/$example" && npm install --no-save --no-audit --no-fund --loglevel=error "$tarball" >/dev/null)
done
(cd "$ROOT/examples/node" && node main.mjs)
(cd "$ROOT/examples/deno" && "$bin/deno" run --quiet --no-check --allow-net --allow-env --allow-read main.ts)
