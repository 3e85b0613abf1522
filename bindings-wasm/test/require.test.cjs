// CommonJS consumers: `require("ccauth")` gives the same API.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { ClientCredentials, CcauthError, buildTokenRequest } = require("ccauth");

test("require() loads the package and the wasm core", () => {
  const r = buildTokenRequest({ tokenEndpoint: "https://as.example.com/t", clientId: "c", clientSecret: "s" });
  assert.equal(r.headers[2][1], "Basic Yzpz");
  assert.throws(() => new ClientCredentials({ tokenEndpoint: "http://as.example.com/t", clientId: "c", clientSecret: "s" }),
    (e) => e instanceof CcauthError && e.code === "INSECURE_ENDPOINT" && e.field === "tokenEndpoint");
});

test("the inlined CommonJS build (what non-Node require() resolvers pick) works on its own", () => {
  // Loaded by file path: the package's exports send Node itself to node.cjs.
  const path = require("node:path");
  const dist = path.join(path.dirname(require.resolve("ccauth/package.json")), "dist");
  const inlined = require(path.join(dist, "index.cjs"));
  assert.notEqual(inlined.buildTokenRequest, buildTokenRequest, "a separate module instance");
  const r = inlined.buildTokenRequest({ tokenEndpoint: "https://as.example.com/t", clientId: "c", clientSecret: "s" });
  assert.equal(r.headers[2][1], "Basic Yzpz");
  assert.throws(() => inlined.buildTokenRequest({ tokenEndpoint: "ftp://x/t", clientId: "c", clientSecret: "s" }),
    (e) => inlined.isCcauthError(e) && e.code === "INVALID_TOKEN_ENDPOINT");
});

test("the Node build moved away from its .wasm (a bundle that left it behind) throws a CcauthError naming the file to ship", () => {
  const fs = require("node:fs");
  const os = require("node:os");
  const path = require("node:path");
  const dist = path.join(path.dirname(require.resolve("ccauth/package.json")), "dist");
  for (const variant of [""]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccauth-no-wasm-"));
    try {
      fs.copyFileSync(path.join(dist, variant, "node.cjs"), path.join(dir, "node.cjs"));
      const moved = require(path.join(dir, "node.cjs"));
      const options = { tokenEndpoint: "https://as.example.com/t", clientId: "c", clientSecret: "s" };
      assert.throws(() => new moved.ClientCredentials(options), (e) =>
        e instanceof moved.CcauthError && e.code === "WASM_LOAD_FAILED" && e.retryable === false &&
        e.message.includes(`cannot read ${path.join(dir, "ccauth_wasm_bg.wasm")} (ENOENT)`) &&
        e.message.includes(`ship node_modules/ccauth/dist/ccauth_wasm_bg.wasm next to it`));
      // Shipping the file is the fix.
      fs.copyFileSync(path.join(dist, variant, "ccauth_wasm_bg.wasm"), path.join(dir, "ccauth_wasm_bg.wasm"));
      assert.equal(moved.buildTokenRequest(options).headers[2][1], "Basic Yzpz");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("a file that is not the package's wasm beside the Node build is a CcauthError too", () => {
  const fs = require("node:fs");
  const os = require("node:os");
  const path = require("node:path");
  const dist = path.join(path.dirname(require.resolve("ccauth/package.json")), "dist");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ccauth-bad-wasm-"));
  try {
    fs.copyFileSync(path.join(dist, "node.cjs"), path.join(dir, "node.cjs"));
    fs.writeFileSync(path.join(dir, "ccauth_wasm_bg.wasm"), "<html>not found</html>");
    const moved = require(path.join(dir, "node.cjs"));
    assert.throws(() => moved.buildTokenRequest({ tokenEndpoint: "https://as.example.com/t", clientId: "c", clientSecret: "s" }), (e) =>
      moved.isCcauthError(e) && e.code === "WASM_LOAD_FAILED" &&
      e.message.includes(`${path.join(dir, "ccauth_wasm_bg.wasm")} is not a wasm module this build can load (CompileError)`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
