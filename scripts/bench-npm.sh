#!/usr/bin/env bash
# The npm package beside oauth4webapi, openid-client and simple-oauth2, in one run.
source "$(dirname "$0")/lib.sh"
[ -n "${CCAUTH_BENCH_NO_BUILD:-}" ] || bash "$ROOT/scripts/build-npm.sh" 2>/dev/null
dir="$ROOT/target/npm/bench"
rm -rf "$dir" && mkdir -p "$dir"
cp "$ROOT/bindings-wasm/bench/package.json" "$ROOT/bindings-wasm/bench/bench.mjs" "$dir/"
cd "$dir"
npm install --no-audit --no-fund --loglevel=error
# CCAUTH_BENCH_BEFORE=<an older ccauth .tgz>: its rows run beside the current ones (as ccauth-before).
npm install --no-save --no-audit --no-fund --loglevel=error "$ROOT"/target/npm/ccauth-*.tgz \
  ${CCAUTH_BENCH_BEFORE:+"ccauth-before@file:$CCAUTH_BENCH_BEFORE"}
# --expose-gc: each section starts with the last one's garbage collected and finalized.
bash "$ROOT/scripts/with-auth-server.sh" node --expose-gc bench.mjs
