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
