#!/usr/bin/env bash
# Size and start-up of the npm package: tarball, wasm + JS glue gzipped, and
# cold `import` + first use in Node (median of 5 fresh processes).
source "$(dirname "$0")/lib.sh"
bash "$ROOT/scripts/build-npm.sh" 2>/dev/null
cd "$ROOT"
python3 - "$ROOT" <<'PY'
import gzip, pathlib, sys
root = pathlib.Path(sys.argv[1])
gz = lambda p: len(gzip.compress(p.read_bytes(), 9))
tgz = next((root / "target/npm").glob("ccauth-*.tgz"))
wasm = root / "bindings-wasm/pkg/ccauth_wasm_bg.wasm"
glue = root / "bindings-wasm/pkg/ccauth_wasm.js"
mjs = root / "bindings-wasm/dist/index.mjs"
print(f"tarball              {tgz.stat().st_size / 1024:7.1f} KB")
print(f"wasm                 {wasm.stat().st_size / 1024:7.1f} KB raw, {gz(wasm) / 1024:6.1f} KB gzipped (budget 120 KB)")
node = root / "bindings-wasm/dist/node.mjs"
print(f"node.mjs (Node entry) {node.stat().st_size / 1024:6.1f} KB raw, {gz(node) / 1024:6.1f} KB gzipped")
print(f"JS glue gzipped      {gz(glue) / 1024:7.1f} KB")
print(f"index.mjs (inlined)  {mjs.stat().st_size / 1024:7.1f} KB raw, {gz(mjs) / 1024:6.1f} KB gzipped")
PY
cd "$ROOT/target/npm/scratch" 2>/dev/null || die "run scripts/test-npm.sh first (it installs the tarball)"
for _ in 1 2 3 4 5; do
  node --input-type=module -e '
    const t0 = performance.now();
    const { buildTokenRequest } = await import("ccauth");
    buildTokenRequest({ tokenEndpoint: "https://as.example.com/t", clientId: "c", clientSecret: "s" });
    console.log((performance.now() - t0).toFixed(2));'
done | sort -n | sed -n 3p | xargs printf 'cold import + first use in Node: %s ms (median of 5; budget 15 ms)\n'
