#!/usr/bin/env bash
# Builds the npm package: wasm core, ESM + CommonJS bundles with the wasm
# inlined, type declarations, and the tarball a user installs
# (target/npm/ccauth-<version>.tgz).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-wasm.sh"
cd "$ROOT/bindings-wasm"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf dist
node bundle.mjs
npx tsc -p tsconfig.json
mkdir -p "$ROOT/target/npm"
rm -f "$ROOT/target/npm/"*.tgz
npm pack --silent --pack-destination "$ROOT/target/npm" >/dev/null
ls -l "$ROOT/target/npm/"*.tgz >&2
