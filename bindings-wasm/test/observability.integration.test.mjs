// Lifecycle events, stats and resetFailure() against the real authorization
// server on 127.0.0.1 (scripts/with-auth-server.sh exports its URLs), in
// Node, Deno and Bun: what onEvent and the `ccauth:lifecycle`
// diagnostics_channel receive for a success, a wrong secret (the cool-down,
// then resetFailure), an API's 401 and a revocation; then a mechanical
// hygiene check over everything observed (every event, every stats() value,
// every error's message, stack and inspection): no client secret, no access
// token, no client assertion.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { inspect } from "node:util";

import { ClientCredentials, isCcauthError, LIFECYCLE_CHANNEL } from "ccauth";

const { CCAUTH_TOKEN_ENDPOINT: tokenEndpoint, CCAUTH_API_URL: api, CCAUTH_ISSUER: issuer } = process.env;
assert.ok(tokenEndpoint && api && issuer, "run through scripts/with-auth-server.sh");

/** diagnostics_channel where the runtime has process.getBuiltinModule (Node >= 20.16, Deno, Bun); the package finds it the same way. */
const dc = process.getBuiltinModule?.("node:diagnostics_channel");

// What must never show, and what was shown.
const secrets = new Set();
const observed = [];
/** Everything observed of a client, for the hygiene check. */
const observe = (label, value) => observed.push(`${label}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
const observeError = (err) => {
  assert.ok(isCcauthError(err), `not a CcauthError: ${err}`);
  observe("error", `${err.message}\n${err.stack}\n${inspect(err, { depth: 5 })}\n${JSON.stringify(err)}`);
};

/**
 * A `fetch` that records what must stay secret: every access token the
 * server returns and every client assertion sent. `rewrite(url, init)` may
 * change a request before it goes out.
 */
function recordingFetch(rewrite = (_url, init) => init) {
  return async (url, init) => {
    const body = typeof init?.body === "string" ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : "";
    const assertion = new URLSearchParams(body).get("client_assertion");
    if (assertion) secrets.add(assertion);
    const response = await fetch(url, rewrite(String(url), init));
    if (String(url) === tokenEndpoint && response.ok) {
      const token = (await response.clone().json()).access_token;
      if (token) secrets.add(token);
    }
    return response;
  };
}

/** Lifecycle events through onEvent and through the channel, for one client at a time. */
function recorder() {
  const events = [];
  const published = [];
  const onChannel = (message) => published.push(message);
  dc?.subscribe(LIFECYCLE_CHANNEL, onChannel);
  const onEvent = (event) => {
    events.push(event);
    observe("onEvent", event);
  };
  return {
    events,
    onEvent,
    /** Stops listening; the channel saw what onEvent saw, as the same objects. */
    done() {
      dc?.unsubscribe(LIFECYCLE_CHANNEL, onChannel);
      for (const message of published) observe("channel", message);
      if (dc) assert.deepEqual(published, events, "the channel publishes the events onEvent receives");
      return events;
    },
  };
}

const names = (events) => events.map((e) => e.event);

test("a token: fetch_started (cold) then fetch_succeeded; cache hits emit nothing and count in stats()", async () => {
  secrets.add('s3cr3t+/:%&= "~*');
  const r = recorder();
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-basic", clientSecret: 's3cr3t+/:%&= "~*', scopes: ["api.read"], onEvent: r.onEvent, fetch: recordingFetch() });
  const token = await client.getToken();
  for (let i = 0; i < 3; i++) await client.getToken();
  await client.authorizationHeader();
  const events = r.done();
  assert.deepEqual(names(events), ["fetch_started", "fetch_succeeded"]);
  const [started, succeeded] = events;
  assert.equal(started.reason, "cold");
  assert.equal(started.attempt, 1);
  assert.equal(typeof started.ticket, "number");
  assert.equal(started.key, succeeded.key);
  assert.match(succeeded.tokenId, /^[0-9a-f]{16}$/);
  assert.equal(succeeded.ticket, started.ticket);
  assert.ok(succeeded.durationMs >= 0 && succeeded.lifetimeMs > 290_000 && succeeded.lifetimeMs <= 300_000, JSON.stringify(succeeded));
  assert.equal(succeeded.expiresAtMs, token.expiresAt.getTime());
  assert.equal(succeeded.expirySource, "expires_in");
  for (const absent of ["code", "error", "message", "untilMs", "traceIds"]) assert.ok(!(absent in succeeded), `${absent} is absent`);
  assert.ok(Object.isFrozen(succeeded));
  const stats = client.stats();
  observe("stats", stats);
  assert.equal(stats.key, started.key);
  assert.equal(stats.tokensServed, 5, "the fetch, then four cache hits");
  assert.equal(stats.fetches, 1);
  assert.equal(stats.fetchSuccesses, 1);
  assert.equal(stats.attemptFailures, 0);
  assert.equal(stats.tokenId, succeeded.tokenId);
  assert.equal(stats.tokenExpiresAtMs, succeeded.expiresAtMs);
  assert.ok(!("cooldownUntilMs" in stats) && !("lastErrorCode" in stats));
});

test("a wrong secret: fetch_failed (invalid_client) and the cool-down's error says so; resetFailure() then a good fetch", async () => {
  secrets.add("short-secret-0123456789").add("wrong-secret-value");
  const r = recorder();
  let broken = true;
  let tokenRequests = 0;
  // Until the "operator fixes the secret", the request goes out with a wrong one.
  const rewrite = (url, init) => {
    if (url !== tokenEndpoint) return init;
    tokenRequests += 1;
    if (!broken) return init;
    const headers = new Headers(init.headers);
    headers.set("authorization", `Basic ${btoa("ccauth-short:wrong-secret-value")}`);
    return { ...init, headers };
  };
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-short", clientSecret: "short-secret-0123456789", scopes: ["api.read"], onEvent: r.onEvent, fetch: recordingFetch(rewrite) });
  const before = Date.now();
  const err = await client.getToken().then(() => undefined, (e) => e);
  observeError(err);
  assert.equal(err.code, "TOKEN_ENDPOINT_ERROR");
  assert.equal(err.error, "invalid_client");
  assert.equal(err.status, 401);
  assert.ok(err.cooldownUntilMs >= before + 29_000, `cooldownUntilMs ${err.cooldownUntilMs}`);
  assert.ok(err.message.includes(`served from the cool-down until ${new Date(err.cooldownUntilMs).toISOString()}; resetFailure() retries at once`), err.message);
  // Served from the cool-down: the same error, no token request.
  const again = await client.getToken().then(() => undefined, (e) => e);
  observeError(again);
  assert.equal(again.cooldownUntilMs, err.cooldownUntilMs);
  assert.equal(tokenRequests, 1);
  const failedStats = client.stats();
  observe("stats", failedStats);
  assert.equal(failedStats.cooldownUntilMs, err.cooldownUntilMs);
  assert.equal(failedStats.lastErrorCode, "TOKEN_ENDPOINT_ERROR");
  assert.equal(failedStats.fetchFailures, 1);

  broken = false;
  assert.equal(client.resetFailure(), true);
  assert.equal(client.resetFailure(), false, "nothing left to reset");
  const token = await client.getToken();
  assert.ok(token.expiresAt > new Date());
  assert.equal(tokenRequests, 2);
  const events = r.done();
  assert.deepEqual(names(events), ["fetch_started", "fetch_failed", "failure_reset", "fetch_started", "fetch_succeeded"]);
  const failed = events[1];
  assert.equal(failed.code, "TOKEN_ENDPOINT_ERROR");
  assert.equal(failed.error, "invalid_client");
  assert.equal(failed.status, 401);
  assert.equal(failed.retryable, false);
  assert.equal(failed.untilMs, err.cooldownUntilMs);
  assert.equal(typeof failed.message, "string");
  assert.equal(events[3].reason, "cold");
  const stats = client.stats();
  observe("stats", stats);
  assert.ok(!("cooldownUntilMs" in stats));
  assert.equal(stats.fetches, 2);
  assert.equal(stats.fetchSuccesses, 1);
});

test("an API's 401 through client.fetch: token_invalidated (api_401), then a fetch with reason invalidated", async () => {
  secrets.add("post-secret-0123456789");
  const options = { tokenEndpoint, clientId: "ccauth-post", clientSecret: "post-secret-0123456789", authMethod: "client_secret_post", scopes: ["api.read"], fetch: recordingFetch() };
  const first = new ClientCredentials(options);
  await first.getToken();
  const doc = JSON.parse(first.exportToken());
  doc.access_token = "revoked-or-forged-token";
  secrets.add("revoked-or-forged-token");
  const r = recorder();
  const victim = new ClientCredentials({ ...options, onEvent: r.onEvent });
  victim.importToken(JSON.stringify(doc));
  const res = await victim.fetch(api);
  assert.equal(res.status, 200);
  const events = r.done();
  assert.deepEqual(names(events), ["token_invalidated", "fetch_started", "fetch_succeeded"]);
  assert.equal(events[0].reason, "api_401");
  assert.match(events[0].tokenId, /^[0-9a-f]{16}$/);
  assert.equal(events[1].reason, "invalidated");
  const stats = victim.stats();
  observe("stats", stats);
  assert.equal(stats.invalidations, 1);
});

/** client_secret_jwt signs with host randomness: Node 18 has no WebCrypto global without a flag. */
const webCrypto = typeof globalThis.crypto?.getRandomValues === "function";

test("revoke(): token_invalidated (revoked); a client_secret_jwt client's assertions never show", { skip: webCrypto ? false : "no WebCrypto global (Node 18)" }, async () => {
  const secret = "jwt-secret-0123456789-0123456789-abcdef";
  secrets.add(secret);
  const r = recorder();
  const client = new ClientCredentials({
    tokenEndpoint, clientId: "ccauth-secret-jwt", clientSecret: secret, authMethod: "client_secret_jwt", scopes: ["api.read"],
    revocationEndpoint: `${issuer}/token/revocation`, onEvent: r.onEvent, fetch: recordingFetch(),
  });
  await client.getToken();
  await client.revoke();
  await client.getToken();
  const events = r.done();
  assert.deepEqual(names(events), ["fetch_started", "fetch_succeeded", "token_invalidated", "fetch_started", "fetch_succeeded"]);
  assert.equal(events[2].reason, "revoked");
  assert.equal(events[3].reason, "invalidated");
  observe("stats", client.stats());
  assert.ok([...secrets].some((s) => s.split(".").length === 3 && s.length > 100), "client assertions were recorded for the hygiene check");
});

test("a listener that throws, or rejects, never breaks the token path", async () => {
  let calls = 0;
  const throwing = new ClientCredentials({
    tokenEndpoint, clientId: "ccauth-basic", clientSecret: 's3cr3t+/:%&= "~*', scopes: ["api.read"], fetch: recordingFetch(),
    onEvent: () => {
      calls += 1;
      throw new Error("listener bug");
    },
  });
  assert.ok((await throwing.getToken()).expiresAt > new Date());
  const rejecting = new ClientCredentials({
    tokenEndpoint, clientId: "ccauth-basic", clientSecret: 's3cr3t+/:%&= "~*', scopes: ["api.read"], fetch: recordingFetch(),
    onEvent: async () => {
      calls += 1;
      throw new Error("async listener bug");
    },
  });
  assert.ok((await rejecting.getToken()).expiresAt > new Date());
  assert.equal(calls, 4);
  await new Promise((r) => setTimeout(r, 20)); // an unhandled rejection would fail the run here
});

test("hygiene: no event, stats value or error shows a client secret, an access token or a client assertion", () => {
  assert.ok(observed.length >= (dc && webCrypto ? 30 : 15), `observed ${observed.length} items`);
  assert.ok(secrets.size >= (webCrypto ? 12 : 6), `only ${secrets.size} secrets recorded`);
  for (const item of observed) {
    for (const secret of secrets) assert.ok(!item.includes(secret), `a secret or token shows in ${item.slice(0, 200)}…`);
  }
  console.log(`[observability] ${observed.length} observations checked against ${secrets.size} secrets, tokens and assertions${dc ? " (diagnostics_channel included)" : " (no diagnostics_channel in this runtime)"}`);
});
