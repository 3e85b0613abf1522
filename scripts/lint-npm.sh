#!/usr/bin/env bash
# Lint of the npm package's TypeScript sources (bindings-wasm/js) and tests
# (bindings-wasm/test): Biome's recommended rules, formatting off (biome.json).
# Biome is a pinned devDependency; the type check of js/ (tsc --strict) runs
# in scripts/build-npm.sh, which needs the wasm build's declarations.
# First, js/wire.ts (the JSON shapes of the wasm exports) must be what the
# Rust types of bindings-wasm/src/wire.rs generate now (ts-rs, in a test).
source "$(dirname "$0")/lib.sh"
need_rust
say "npm: bindings-wasm/js/wire.ts is what bindings-wasm/src/wire.rs generates"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The crate's unit tests with it: the wire shapes' JSON, and that the reply
# headers the driver passes (RESPONSE_HEADERS) are every one the core reads.
(cd "$ROOT" && CCAUTH_WIRE_TS="$scratch/wire.ts" cargo test --quiet --locked -p ccauth-wasm --lib >/dev/null)
if ! diff -u --label "bindings-wasm/js/wire.ts (committed)" --label "generated from bindings-wasm/src/wire.rs" \
  "$ROOT/bindings-wasm/js/wire.ts" "$scratch/wire.ts"; then
  die "bindings-wasm/js/wire.ts is out of date with the Rust types in bindings-wasm/src/wire.rs (diff above).
Regenerate it from the repository root and commit it:
  CCAUTH_WIRE_TS=bindings-wasm/js/wire.ts cargo test -p ccauth-wasm --lib wire"
fi
echo "wire.ts: up to date"
cd "$ROOT/bindings-wasm"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
say "npm: biome lint js/ test/"
node_modules/.bin/biome lint --error-on-warnings js test
