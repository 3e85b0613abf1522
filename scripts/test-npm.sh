#!/usr/bin/env bash
# The npm package as a user gets it: packs the tarball, installs it into a
# scratch project, runs the vectors and the CommonJS check there, then the
# integration tests against the local authorization server.
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-npm.sh"
scratch="$ROOT/target/npm/scratch"
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"
printf '{ "private": true, "type": "module" }\n' > package.json
npm install --no-audit --no-fund --loglevel=error "$ROOT"/target/npm/ccauth-*.tgz
cp "$ROOT"/bindings-wasm/test/*.test.* .
say "npm package: shared vectors and require()"
CCAUTH_VECTORS="$ROOT/tests/vectors" node --test --test-reporter=dot vectors.test.mjs require.test.cjs
say "npm package: integration against the local authorization server"
CCAUTH_SERVER_ARGS="--short-ttl 4" bash "$ROOT/scripts/with-auth-server.sh" node --test integration.test.mjs
