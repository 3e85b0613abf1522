// CommonJS consumers: `require("ccauth")` gives the same API.
const { test } = require("node:test");
const assert = require("node:assert/strict");
const { ClientCredentials, CcauthError, buildTokenRequest } = require("ccauth");

test("require() loads the package and the wasm core", () => {
  const r = buildTokenRequest({ tokenEndpoint: "https://as.example.com/t", clientId: "c", clientSecret: "s" });
  assert.equal(r.headers[2][1], "Basic Yzpz");
  assert.throws(() => new ClientCredentials({ tokenEndpoint: "http://as.example.com/t", clientId: "c", clientSecret: "s" }),
    (e) => e instanceof CcauthError && e.code === "INSECURE_ENDPOINT" && e.field === "token_endpoint");
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
