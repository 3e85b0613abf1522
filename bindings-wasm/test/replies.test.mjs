// The endpoint reply vectors (tests/vectors/endpoint_replies.json): metadata,
// introspection and revocation answers through the package's sans-IO parsers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { isCcauthError, parseIntrospectionResponse, parseMetadataResponse, parseRevocationResponse } from "ccauth";

const { cases } = JSON.parse(readFileSync(`${process.env.CCAUTH_VECTORS}/endpoint_replies.json`, "utf8"));
const options = { tokenEndpoint: "https://as.example.com/token", clientId: "client", clientSecret: "vector-secret-1" };
const NOW = 1_700_000_000_000;

for (const c of cases) {
  test(`endpoint reply: ${c.name}`, () => {
    const run = () => {
      if (c.endpoint === "metadata") {
        const m = parseMetadataResponse(c.issuer, c.response, NOW);
        return {
          token_endpoint: m.token_endpoint,
          token_endpoint_auth_methods_supported: m.token_endpoint_auth_methods_supported ?? null,
          revocation_endpoint: m.revocation_endpoint ?? null,
          introspection_endpoint: m.introspection_endpoint ?? null,
        };
      }
      if (c.endpoint === "introspection") {
        const i = parseIntrospectionResponse(options, c.response, NOW);
        return { active: i.active, client_id: i.client_id ?? null, scope: i.scope ?? null, exp: i.exp ?? null, token_type: i.token_type ?? null };
      }
      parseRevocationResponse(options, c.response, NOW);
      return {};
    };
    if (c.expect) {
      assert.deepEqual(run(), c.expect);
      return;
    }
    const err = (() => {
      try {
        run();
      } catch (e) {
        return e;
      }
    })();
    assert.ok(isCcauthError(err), `${c.name}: want ${c.expect_error.code}`);
    const got = { code: err.code, status: err.status, error: err.error, retry_after_ms: err.retryAfterMs };
    for (const [key, value] of Object.entries(c.expect_error)) assert.equal(got[key], value, key);
  });
}
