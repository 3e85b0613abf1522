#!/usr/bin/env bash
# Builds the npm package: wasm core, ESM + CommonJS bundles with the wasm
# inlined, type declarations (one .d.ts for import, one .d.cts for require),
# the licences, and the tarball a user installs (target/npm/ccauth-<version>.tgz).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-wasm.sh"
cd "$ROOT/bindings-wasm"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
rm -rf dist
node bundle.mjs
npx tsc -p tsconfig.json
node types.mjs
mkdir -p "$ROOT/target/npm"
rm -f "$ROOT/target/npm/"*.tgz
# The licences live at the repository root; the package carries copies (not committed).
trap 'rm -f LICENSE-MIT LICENSE-APACHE' EXIT
cp "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" .
npm pack --silent --pack-destination "$ROOT/target/npm" >/dev/null
ls -l "$ROOT/target/npm/"*.tgz >&2
