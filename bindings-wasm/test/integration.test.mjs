// The package against the real authorization server on 127.0.0.1
// (scripts/with-auth-server.sh exports its URLs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";
import process from "node:process";
import { inspect } from "node:util";

import { ClientCredentials, isCcauthError } from "ccauth";

const { CCAUTH_TOKEN_ENDPOINT: tokenEndpoint, CCAUTH_API_URL: api, CCAUTH_STATS_URL: stats, CCAUTH_OVERSIZED_URL: oversized } = process.env;
assert.ok(tokenEndpoint && api && stats && oversized, "run through scripts/with-auth-server.sh");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const MiB = 2 ** 20;

const tokenRequests = async (clientId) => (await (await fetch(stats)).json()).token_requests_by_client[clientId] ?? 0;

test("client_secret_basic: token, then the protected API answers 200", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-basic", clientSecret: 's3cr3t+/:%&= "~*', scopes: ["api.read"] });
  const res = await client.fetch(api);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).client_id, "ccauth-basic");
  const token = await client.getToken();
  assert.match(await client.authorizationHeader(), /^Bearer ey/);
  assert.ok(token.expiresAt > new Date());
  assert.ok(!inspect(token).includes(token.accessToken) && !JSON.stringify(token).includes(token.accessToken));
});

test("client_secret_post: credentials in the form body", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-post", clientSecret: "post-secret-0123456789", authMethod: "client_secret_post", scopes: ["api.read"] });
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
  const options = { tokenEndpoint, clientId: "ccauth-post", clientSecret: "post-secret-0123456789", authMethod: "client_secret_post", scopes: ["api.read"] };
  const first = new ClientCredentials(options);
  const token = await first.getToken();
  const second = new ClientCredentials(options);
  const before = await tokenRequests("ccauth-post");
  assert.equal(second.importToken(first.exportToken()).accessToken, token.accessToken);
  assert.equal((await second.fetch(api)).status, 200);
  assert.equal(await tokenRequests("ccauth-post"), before);
});

test("200 concurrent fetches with 4 s tokens: one token request per refresh", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-short", clientSecret: "short-secret-0123456789", scopes: ["api.read"] });
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
  const options = { tokenEndpoint, clientId: "ccauth-post", clientSecret: "post-secret-0123456789", authMethod: "client_secret_post", scopes: ["api.read"] };
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

test("proactiveRefresh: an idle client's token is replaced before it expires, without a caller asking; close() stops it", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-short", clientSecret: "short-secret-0123456789", scopes: ["api.read"], proactiveRefresh: true });
  let second;
  let before;
  try {
    before = await tokenRequests("ccauth-short");
    const first = await client.getToken();
    // Nobody asks until just after the refresh time (the core's, before expiry).
    await sleep(first.refreshAt.getTime() - Date.now() + 500);
    assert.ok(Date.now() < first.expiresAt.getTime(), "the first token has not expired yet");
    assert.equal(await tokenRequests("ccauth-short") - before, 2, "the timer refreshed it");
    const held = JSON.parse(client.exportToken()).access_token;
    assert.notEqual(held, first.accessToken);
    second = await client.getToken();
    assert.equal(second.accessToken, held, "the next caller gets the new token at once");
    assert.equal(await tokenRequests("ccauth-short") - before, 2);
  } finally {
    client.close();
  }
  await sleep(second.refreshAt.getTime() - Date.now() + 500);
  assert.equal(await tokenRequests("ccauth-short") - before, 2, "no refresh after close()");
  console.log(`[proactive/js] an idle client with 4 s tokens: 1 token request by the timer at the refresh time, none after close()`);
});

test("proactiveRefresh: the timer does not keep Node's process alive", { skip: typeof Deno !== "undefined" || Boolean(process.versions.bun) }, () => {
  const script = `
    import { ClientCredentials } from "ccauth";
    const client = new ClientCredentials({ tokenEndpoint: process.env.CCAUTH_TOKEN_ENDPOINT, clientId: "ccauth-short",
      clientSecret: "short-secret-0123456789", proactiveRefresh: true });
    await client.getToken();`;
  const t0 = Date.now();
  execFileSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 15_000, stdio: "inherit" });
  assert.ok(Date.now() - t0 < 15_000);
});

// The size limit: a token endpoint streaming 256 MiB. The client reads at
// most 1 MiB + 1 byte (or nothing, when Content-Length says too much),
// closes the connection, and the core answers RESPONSE_TOO_LARGE.
for (const [label, query] of [["chunked", ""], ["declared length", "&length=declared"]]) {
  test(`oversized token response (${label}): RESPONSE_TOO_LARGE, memory bounded, connection closed early`, async () => {
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const client = new ClientCredentials({
      tokenEndpoint: `${oversized}/token?mib=256${query}`, clientId: "ccauth-basic", clientSecret: "oversized-secret", retry: { maxAttempts: 1 },
    });
    const err = await client.getToken().then(() => undefined, (e) => e);
    const grown = (process.memoryUsage().rss - before) / MiB;
    // The server notices the closed connection a moment later.
    let last;
    for (let i = 0; i < 50; i++) {
      last = (await (await fetch(`${oversized}/stats`)).json()).at(-1);
      if (last?.closed_early) break;
      await sleep(100);
    }
    console.log(`[oversized/js] ${label}: ${err?.code}, +${grown.toFixed(1)} MiB RSS, server sent ${(last.bytes_sent / MiB).toFixed(2)} MiB of 256 (closed early: ${last.closed_early})`);
    assert.ok(isCcauthError(err), String(err));
    assert.equal(err.code, "RESPONSE_TOO_LARGE");
    assert.equal(err.status, 200);
    assert.ok(grown < 32, `RSS grew ${grown.toFixed(1)} MiB`);
    assert.equal(last.declared, label !== "chunked");
    assert.equal(last.closed_early, true);
    assert.ok(last.bytes_sent < 32 * MiB, `the server sent ${last.bytes_sent} bytes`);
  });
}

/** A loopback port nothing listens on. */
async function closedPort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** A loopback server doing `onConnection(socket)`; returns its URL and a close function. */
async function rawServer(onConnection) {
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    onConnection(socket);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** The errors of a token fetch and of discovery (which also reads for the core) against `base`. */
async function failures(base, timeoutMs = 5_000) {
  const options = { clientId: "ccauth-basic", clientSecret: "transport-secret", retry: { maxAttempts: 1 }, timeoutMs };
  const lifecycle = await new ClientCredentials({ ...options, tokenEndpoint: `${base}/token` }).getToken().then(() => undefined, (e) => e);
  const discovery = await ClientCredentials.discover({ ...options, issuer: base }).then(() => undefined, (e) => e);
  return [["token", lifecycle], ["discovery", discovery]];
}

test("transport cause: a refused connection is connect / ECONNREFUSED / request not sent", async () => {
  const base = `http://127.0.0.1:${await closedPort()}`;
  for (const [where, err] of await failures(base)) {
    assert.ok(isCcauthError(err), `${where}: ${err}`);
    console.log(`[transport/js] ${where}, refused: ${err.message}`);
    assert.equal(err.code, "TRANSPORT_ERROR");
    assert.equal(err.transportKind, "connect", where);
    assert.equal(err.requestSent, false, where);
    assert.deepEqual(err.cause, { code: "ECONNREFUSED", requestSent: false }, where);
    assert.match(err.message, /ECONNREFUSED/);
    assert.equal(err.retryable, true);
  }
});

test("transport cause: a connection closed after the request went out is reset / request sent", async () => {
  const server = await rawServer((socket) => socket.once("data", () => socket.destroy()));
  try {
    for (const [where, err] of await failures(server.url)) {
      assert.ok(isCcauthError(err), `${where}: ${err}`);
      console.log(`[transport/js] ${where}, closed: ${err.message}`);
      assert.equal(err.transportKind, "reset", where);
      assert.equal(err.requestSent, true, where);
      assert.match(err.cause.code, /^(UND_ERR_SOCKET|ECONNRESET|IncompleteMessage)$/, where);
    }
  } finally {
    server.close();
  }
});

test("transport cause: no answer in time is timeout / TimeoutError", async () => {
  const server = await rawServer(() => {});
  try {
    for (const [where, err] of await failures(server.url, 300)) {
      assert.ok(isCcauthError(err), `${where}: ${err}`);
      assert.equal(err.transportKind, "timeout", where);
      assert.equal(err.cause.code, "TimeoutError", where);
      assert.ok(!`${err.message}${inspect(err)}`.includes("transport-secret"));
    }
  } finally {
    server.close();
  }
});
