// ClientCredentials as a driver of the core, with a stubbed transport (the
// `fetch` option): what it sends on an API's 401 (the core's verdict), how an
// assertion source failure is reported, discovery, revocation and
// introspection through the lifecycle. No network.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";

import { ClientCredentials, isCcauthError } from "ccauth";

const TOKEN_ENDPOINT = "https://as.example.com/token";
const API = "https://api.example.com/orders";
const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const urlOf = (input) => (input instanceof Request ? input.url : String(input));
/** The claims of a DPoP proof (a compact JWS). */
const claims = (proof) => JSON.parse(Buffer.from(proof.split(".")[1], "base64url").toString());

/**
 * A stub server: `api(call)` answers API calls (`call`: n, headers, proof
 * claims); the token endpoint hands out `${prefix}-1`, `${prefix}-2`, …
 */
function stub({ api, tokenType = "Bearer", prefix = "at", routes = {} }) {
  const seen = { tokens: 0, api: [], other: [] };
  const fetch = async (input, init = {}) => {
    const url = urlOf(input);
    if (url === TOKEN_ENDPOINT) {
      seen.tokens += 1;
      return json(200, { access_token: `${prefix}-${seen.tokens}`, token_type: tokenType, expires_in: 3600 });
    }
    if (url === API) {
      const headers = new Headers(init.headers);
      const proof = headers.get("dpop");
      const call = { n: seen.api.length + 1, authorization: headers.get("authorization"), proof: proof && claims(proof) };
      seen.api.push(call);
      return api(call);
    }
    seen.other.push({ url, method: init.method, body: init.body });
    const route = routes[url];
    return route ? route(init) : new Response("not found", { status: 404 });
  };
  return { seen, fetch };
}

const useNonce = (nonce) =>
  new Response("", { status: 401, headers: { "www-authenticate": 'DPoP error="use_dpop_nonce", algs="ES256"', "dpop-nonce": nonce } });

test("fetch: a 401 use_dpop_nonce is sent again once, its proof carrying the API's nonce; later calls carry it at once", async () => {
  const { seen, fetch } = stub({ tokenType: "DPoP", api: (c) => (c.proof?.nonce === "api-nonce-1" ? json(200, { ok: true }) : useNonce("api-nonce-1")) });
  const client = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", dpop: true, fetch });
  const res = await client.fetch(API, { method: "POST", body: "{}" });
  assert.equal(res.status, 200);
  assert.equal(seen.api.length, 2);
  assert.match(seen.api[0].authorization, /^DPoP at-1$/);
  assert.equal(seen.api[0].proof.nonce, undefined);
  assert.equal(seen.api[1].proof.nonce, "api-nonce-1");
  assert.equal(seen.api[1].proof.htm, "POST");
  assert.notEqual(seen.api[0].proof.jti, seen.api[1].proof.jti, "a fresh proof");
  assert.equal((await client.fetch(API)).status, 200);
  assert.equal(seen.api.length, 3, "the nonce was remembered");
  assert.equal(seen.tokens, 1, "the token was kept");
});

test("fetch: the nonce retry happens once; a second use_dpop_nonce 401 is returned and the token kept", async () => {
  const { seen, fetch } = stub({ tokenType: "DPoP", api: (c) => useNonce(`api-nonce-${c.n}`) });
  const client = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", dpop: true, fetch });
  const res = await client.fetch(API);
  assert.equal(res.status, 401);
  assert.equal(seen.api.length, 2);
  assert.equal(seen.tokens, 1);
});

test("fetch: a streamed body is not sent again; the API's nonce is still remembered", async () => {
  const { seen, fetch } = stub({ tokenType: "DPoP", api: (c) => (c.proof?.nonce === "api-nonce-1" ? json(200, { ok: true }) : useNonce("api-nonce-1")) });
  const client = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", dpop: true, fetch });
  const body = new ReadableStream({ start: (c) => c.close() });
  const res = await client.fetch(API, { method: "PUT", body, duplex: "half" });
  assert.equal(res.status, 401);
  assert.equal(seen.api.length, 1);
  assert.equal((await client.fetch(API)).status, 200);
  assert.equal(seen.api[1].proof.nonce, "api-nonce-1");
});

test("fetch: a 401 invalid_token (or a bare 401) drops the token and sends once more with a new one", async () => {
  const { seen, fetch } = stub({
    api: (c) => (c.authorization === "Bearer at-1" ? new Response("", { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } }) : new Response("", { status: 401 })),
  });
  const client = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", fetch });
  const res = await client.fetch(API);
  // at-2 is refused too (a bare 401): returned as is, no third call; at-2 is dropped as well.
  assert.equal(res.status, 401);
  assert.deepEqual(seen.api.map((c) => c.authorization), ["Bearer at-1", "Bearer at-2"]);
  assert.equal(seen.tokens, 2);
  assert.equal((await client.getToken()).accessToken, "at-3");
});

test("fetch: calls in flight with one rejected token are all sent again with the new one (one token request)", async () => {
  const { seen, fetch } = stub({
    api: (c) => (c.authorization === "Bearer at-1" ? new Response("", { status: 401, headers: { "www-authenticate": 'Bearer error="invalid_token"' } }) : json(200, {})),
  });
  const client = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", fetch });
  await client.getToken();
  const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch(API)));
  assert.deepEqual(responses.map((r) => r.status), Array(10).fill(200));
  assert.equal(seen.api.filter((c) => c.authorization === "Bearer at-2").length, 10);
  assert.equal(seen.tokens, 2);
});

test("fetch: a DPoP-Nonce on a 200 reaches the core (one of the headers it asks to see); the next proof carries it", async () => {
  const { seen, fetch } = stub({ tokenType: "DPoP", api: (c) => json(200, {}, c.n === 1 ? { "dpop-nonce": "api-nonce-7" } : {}) });
  const client = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", dpop: true, fetch });
  assert.equal((await client.fetch(API)).status, 200);
  assert.equal((await client.fetch(API)).status, 200);
  assert.equal(seen.api[0].proof.nonce, undefined);
  assert.equal(seen.api[1].proof.nonce, "api-nonce-7");
  assert.notEqual(seen.api[0].proof.jti, seen.api[1].proof.jti, "a proof per call (DPoP headers are never reused)");
});

test("fetch: the Bearer headers kept with a token are dropped with it; authorizationHeaders hands out a copy", async () => {
  const { seen, fetch } = stub({ api: () => json(200, {}) });
  const client = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", fetch });
  const first = await client.authorizationHeaders("GET", API);
  first.Authorization = "Bearer tampered";
  await client.fetch(API);
  assert.equal(seen.api[0].authorization, "Bearer at-1");
  assert.equal(client.invalidate(await client.getToken()), true);
  await client.fetch(API);
  assert.equal(seen.api[1].authorization, "Bearer at-2");
  assert.deepEqual(await client.authorizationHeaders("GET", API), { Authorization: "Bearer at-2" });
});

test("fetch: a 401 insufficient_scope keeps the token and is returned as is", async () => {
  const { seen, fetch } = stub({
    api: () => new Response("", { status: 401, headers: { "www-authenticate": 'Bearer error="insufficient_scope", scope="orders.write"' } }),
  });
  const client = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", fetch });
  assert.equal((await client.fetch(API)).status, 401);
  assert.equal(seen.api.length, 1);
  assert.equal((await client.getToken()).accessToken, "at-1");
  assert.equal(seen.tokens, 1);
});

test("authorizationHeaders: Bearer alone, or DPoP with a proof for the method and URL", async () => {
  const bearer = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", fetch: stub({ api: () => json(200, {}) }).fetch });
  assert.deepEqual(await bearer.authorizationHeaders("get", API), { Authorization: "Bearer at-1" });
  const bound = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", dpop: true, fetch: stub({ tokenType: "DPoP", api: () => json(200, {}) }).fetch });
  const headers = await bound.authorizationHeaders("get", API);
  assert.equal(headers.Authorization, "DPoP at-1");
  assert.equal(claims(headers.DPoP).htm, "GET");
  assert.equal(claims(headers.DPoP).htu, API);
});

test("a client assertion source that throws is one report to the core: a TRANSPORT_ERROR naming the source, no request sent", async () => {
  const { seen, fetch } = stub({ api: () => json(200, {}) });
  const client = new ClientCredentials({
    tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", authMethod: "private_key_jwt", retry: { maxAttempts: 1 }, fetch,
    clientAssertion: () => {
      throw new Error("ENOENT: no such file /var/run/secrets/tokens/assertion");
    },
  });
  const err = await client.getToken().then(() => undefined, (e) => e);
  assert.ok(isCcauthError(err), String(err));
  assert.equal(err.code, "TRANSPORT_ERROR");
  assert.equal(err.requestSent, false);
  assert.equal(err.cause.code, "client_assertion_source");
  assert.match(err.message, /client assertion source failed: ENOENT/);
  assert.equal(seen.tokens, 0);
});

test("discover(): RFC 8414 first, then OpenID Connect; the metadata kept for the next client; revocation and introspection at its endpoints", async () => {
  const issuer = `https://issuer-${process.pid}-${Date.now()}.example.com`;
  const metadata = {
    issuer, token_endpoint: TOKEN_ENDPOINT, revocation_endpoint: `${issuer}/revoke`, introspection_endpoint: `${issuer}/introspect`,
    token_endpoint_auth_methods_supported: ["client_secret_post"],
  };
  const { seen, fetch } = stub({
    api: () => json(200, {}),
    routes: {
      [`${issuer}/.well-known/openid-configuration`]: () => json(200, metadata),
      [`${issuer}/revoke`]: () => new Response("", { status: 200 }),
      [`${issuer}/introspect`]: () => json(200, { active: true, client_id: "c", scope: "orders.read", exp: 1_900_000_000 }),
    },
  });
  const options = { issuer, clientId: "c", clientSecret: "stub-secret-0123", fetch };
  const client = await ClientCredentials.discover(options);
  assert.deepEqual(seen.other.map((r) => r.url), [`${issuer}/.well-known/oauth-authorization-server`, `${issuer}/.well-known/openid-configuration`]);
  await ClientCredentials.discover(options);
  assert.equal(seen.other.length, 2, "the second client used the cached metadata");

  const token = await client.getToken();
  const info = await client.introspect(token);
  assert.equal(info.active, true);
  assert.equal(info.clientId, "c");
  assert.equal(info.scope, "orders.read");
  assert.equal(seen.other.at(-1).url, `${issuer}/introspect`);
  assert.match(String(seen.other.at(-1).body), /client_secret=stub-secret-0123/, "the discovered auth method");
  assert.ok(!inspect(client).includes("stub-secret-0123"));

  await client.revoke();
  assert.equal(seen.other.at(-1).url, `${issuer}/revoke`);
  assert.match(String(seen.other.at(-1).body), /token=at-1/);
  assert.equal(seen.tokens, 1);
  assert.equal((await client.getToken()).accessToken, "at-2", "the revoked token was dropped");
});

test("revoke(): a refusal is the core's error; no answer is a TRANSPORT_ERROR", async () => {
  const fetch = async (input) => {
    if (urlOf(input) === TOKEN_ENDPOINT) return json(200, { access_token: "at-1", token_type: "Bearer", expires_in: 3600 });
    if (urlOf(input).endsWith("/refuse")) return json(400, { error: "unsupported_token_type" });
    throw Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
  };
  const options = { tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "stub-secret-0123", fetch };
  const refused = await new ClientCredentials({ ...options, revocationEndpoint: "https://as.example.com/refuse" }).revoke("t").then(() => undefined, (e) => e);
  assert.ok(isCcauthError(refused), String(refused));
  assert.equal(refused.error, "unsupported_token_type");
  const down = await new ClientCredentials({ ...options, revocationEndpoint: "https://as.example.com/down" }).revoke("t").then(() => undefined, (e) => e);
  assert.ok(isCcauthError(down), String(down));
  assert.equal(down.code, "TRANSPORT_ERROR");
  assert.equal(down.transportKind, "connect");
  assert.equal(down.cause.code, "ECONNREFUSED");
});

test("events: a 429's retry carries the server's request ids (headers and body); an unknown option name near onEvent is refused", async () => {
  const events = [];
  let calls = 0;
  const client = new ClientCredentials({
    tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "events-secret-0123", retry: { maxAttempts: 2 },
    onEvent: (e) => events.push(e),
    fetch: async () => {
      calls += 1;
      if (calls === 1) return json(429, { error: "slow_down", trace_id: "trace-7" }, { "retry-after": "0", "x-request-id": "req-42", "x-other": "nope" });
      return json(200, { access_token: "at-events-0001", token_type: "Bearer", expires_in: 3600 }, { "x-ms-request-id": "ms-1" });
    },
  });
  await client.getToken();
  assert.deepEqual(events.map((e) => e.event), ["fetch_started", "retry_scheduled", "fetch_started", "fetch_succeeded"]);
  const retry = events[1];
  assert.equal(retry.code, "RATE_LIMITED");
  assert.equal(retry.status, 429);
  assert.equal(retry.error, "slow_down");
  assert.deepEqual(retry.traceIds, ["x-request-id=req-42", "trace_id=trace-7"]);
  assert.equal(events[2].reason, "retry");
  assert.equal(events[2].attempt, 2);
  for (const e of events) assert.ok(!JSON.stringify(e).includes("at-events-0001") && !JSON.stringify(e).includes("events-secret-0123"));
  const stats = client.stats();
  assert.equal(stats.attemptFailures, 1);
  assert.equal(stats.lastErrorCode, "RATE_LIMITED");
  assert.throws(() => new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "x", onevent: () => {} }), /did you mean `onEvent`/);
  assert.throws(() => new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "x", onEvent: "log" }), /`onEvent`: must be a function/);
});

test("events: none on the memoized path; without a listener they are dropped unread; resetFailure() wakes a caller waiting on a backoff", async () => {
  const events = [];
  let calls = 0;
  const client = new ClientCredentials({
    tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "events-secret-0123", onEvent: (e) => events.push(e),
    fetch: async () => {
      calls += 1;
      if (calls === 1) return json(503, { error: "temporarily_unavailable" }, { "retry-after": "30" });
      return json(200, { access_token: `at-${calls}`, token_type: "Bearer", expires_in: 3600 });
    },
  });
  const started = Date.now();
  const pending = client.getToken();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(events.map((e) => e.event), ["fetch_started", "retry_scheduled"]);
  assert.equal(events[1].retryAfterMs, 30_000);
  assert.equal(client.resetFailure(), true);
  assert.equal((await pending).authorization, "Bearer at-2");
  assert.ok(Date.now() - started < 5_000, "the waiting caller retried at once");
  assert.deepEqual(events.map((e) => e.event), ["fetch_started", "retry_scheduled", "failure_reset", "fetch_started", "fetch_succeeded"]);
  const n = events.length;
  for (let i = 0; i < 100; i++) await client.getToken();
  assert.equal(events.length, n, "cache hits emit nothing");
  assert.equal(client.stats().tokensServed, 101);
  // A client with no listener (and no channel subscriber): its events are dropped, never queued for later.
  const quiet = new ClientCredentials({ tokenEndpoint: TOKEN_ENDPOINT, clientId: "c", clientSecret: "x", fetch: async () => json(200, { access_token: "q", token_type: "Bearer", expires_in: 3600 }) });
  await quiet.getToken();
  assert.equal(quiet.stats().fetchSuccesses, 1);
});
