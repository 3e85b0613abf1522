// The package against the real authorization server on 127.0.0.1
// (scripts/with-auth-server.sh exports its URLs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";

import { ClientCredentials, isCcauthError } from "ccauth";

const { CCAUTH_TOKEN_ENDPOINT: tokenEndpoint, CCAUTH_API_URL: api, CCAUTH_STATS_URL: stats } = process.env;
assert.ok(tokenEndpoint && api && stats, "run through scripts/with-auth-server.sh");

const tokenRequests = async (clientId) => (await (await fetch(stats)).json()).token_requests_by_client[clientId] ?? 0;

test("client_secret_basic: token, then the protected API answers 200", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-basic", clientSecret: 's3cr3t+/:%&= "~*', scope: ["api.read"] });
  const res = await client.fetch(api);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).client_id, "ccauth-basic");
  const token = await client.getToken();
  assert.match(await client.authorizationHeader(), /^Bearer ey/);
  assert.ok(token.expiresAt > new Date());
  assert.ok(!inspect(token).includes(token.accessToken) && !JSON.stringify(token).includes(token.accessToken));
});

test("client_secret_post: credentials in the form body", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-post", clientSecret: "post-secret-0123456789", authMethod: "client_secret_post", scope: "api.read" });
  assert.equal((await client.fetch(api)).status, 200);
});

test("a wrong secret is a CcauthError carrying invalid_client", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-post", clientSecret: "wrong-secret-value", authMethod: "client_secret_post" });
  const err = await client.getToken().then(() => undefined, (e) => e);
  assert.ok(isCcauthError(err));
  assert.equal(err.code, "TOKEN_ENDPOINT_ERROR");
  assert.equal(err.error, "invalid_client");
  assert.equal(err.status, 401);
  assert.ok(!`${err.message}${err.stack}${inspect(err)}`.includes("wrong-secret-value"));
});

test("bring-your-own fetch is used for token requests", async () => {
  let calls = 0;
  const client = new ClientCredentials({
    tokenEndpoint, clientId: "ccauth-post", clientSecret: "post-secret-0123456789", authMethod: "client_secret_post",
    fetch: (url, init) => { calls += 1; return fetch(url, init); },
  });
  await client.getToken();
  await client.getToken();
  assert.equal(calls, 1);
});

test("export/import moves the cached token to a new client", async () => {
  const options = { tokenEndpoint, clientId: "ccauth-post", clientSecret: "post-secret-0123456789", authMethod: "client_secret_post", scope: ["api.read"] };
  const first = new ClientCredentials(options);
  const token = await first.getToken();
  const second = new ClientCredentials(options);
  const before = await tokenRequests("ccauth-post");
  assert.equal(second.importToken(first.exportToken()).accessToken, token.accessToken);
  assert.equal((await second.fetch(api)).status, 200);
  assert.equal(await tokenRequests("ccauth-post"), before);
});

test("200 concurrent fetches with 4 s tokens: one token request per refresh", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-short", clientSecret: "short-secret-0123456789", scope: ["api.read"] });
  const before = await tokenRequests("ccauth-short");
  const first = await Promise.all(Array.from({ length: 200 }, () => client.fetch(api)));
  assert.ok(first.every((r) => r.status === 200));
  assert.equal(await tokenRequests("ccauth-short") - before, 1, "the first 200 callers share one fetch");
  const end = Date.now() + 8_000;
  let served = 200;
  while (Date.now() < end) {
    const wave = await Promise.all(Array.from({ length: 200 }, () => client.fetch(api)));
    assert.ok(wave.every((r) => r.status === 200));
    served += wave.length;
    await new Promise((r) => setTimeout(r, 100));
  }
  await new Promise((r) => setTimeout(r, 300));
  const fetches = await tokenRequests("ccauth-short") - before;
  console.log(`[single-flight/js] ${served} authorized fetches in ~8 s with 4 s tokens: ${fetches} token requests`);
  assert.ok(fetches >= 3 && fetches <= 8, `token requests: ${fetches}`);
});

test("a 401 invalid_token drops the token and retries once with a fresh one", async () => {
  const options = { tokenEndpoint, clientId: "ccauth-post", clientSecret: "post-secret-0123456789", authMethod: "client_secret_post", scope: ["api.read"] };
  const client = new ClientCredentials(options);
  await client.getToken();
  const doc = JSON.parse(client.exportToken());
  doc.access_token = "revoked-or-forged-token";
  const victim = new ClientCredentials(options);
  victim.importToken(JSON.stringify(doc));
  const before = await tokenRequests("ccauth-post");
  const res = await victim.fetch(api, { method: "GET" });
  assert.equal(res.status, 200, "retried with a fresh token");
  assert.equal(await tokenRequests("ccauth-post") - before, 1);
  assert.notEqual((await victim.getToken()).accessToken, "revoked-or-forged-token");
});
