#!/usr/bin/env bash
# Lint of the npm package's TypeScript sources (bindings-wasm/js) and tests
# (bindings-wasm/test): Biome's recommended rules, formatting off (biome.json).
# Biome is a pinned devDependency; the type check of js/ (tsc --strict) runs
# in scripts/build-npm.sh, which needs the wasm build's declarations.
source "$(dirname "$0")/lib.sh"
cd "$ROOT/bindings-wasm"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
say "npm: biome lint js/ test/"
node_modules/.bin/biome lint --error-on-warnings js test
