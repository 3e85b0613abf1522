// ccauth beside oauth4webapi, openid-client and simple-oauth2, in one run.
// What each row measures (stubbed fetch: no network, a new Response per call):
// 1. token request + parse: for ccauth, `getToken()` on a client built
//    beforehand (a pool, built outside the timing, one client per op: the
//    core spaces one client's fetches 1 s apart, and the peers' rows build
//    nothing either; ccauth and ccauth-before in alternating batches): the core's poll and request, the `fetch` call with its
//    timeout, reading the body, the core's parse, storing the token, and
//    the header read. For oauth4webapi and openid-client: their grant
//    request + response processing with a configuration made once, and the
//    header made. Every stub answers a ~1 KB JSON token with the nine
//    headers a provider sends (the Python bench's reply).
//    Then, apart: building a ccauth client (`new ClientCredentials`: options
//    checked, config parsed and validated by the core, randomness).
// 2. the cached-token hot path: what each library (or its documented usage)
//    does on every API call once a token is held; ccauth also with an
//    `onEvent` listener (events are drained off the hot path: it should cost
//    nothing), and with a fleet store attached (in memory: it is never read here).
// 3. signing: a private_key_jwt (ES256) exchange (pool as in 1), an API call
//    with a DPoP proof, and a Bearer API call with the token held (ccauth
//    also with an `onEvent` listener).
// 4. 200 callers at once with no token yet, against the real loopback
//    authorization server (when run through scripts/with-auth-server.sh):
//    how many token requests does each library's usual pattern make?
// 5. cold start, fresh Node processes (median of 7): `import` alone, then
//    import + the first client (the wasm compiled and instantiated); and
//    Node's own share, the import of an empty module (its ESM loader starts
//    at the first import of an `-e` script).
// With `ccauth-before` installed (scripts/bench-npm.sh, CCAUTH_BENCH_BEFORE),
// its rows run beside the current ones. Prints ns/op and ratios to the
// first row. Timing is for this report only; no test asserts on it.
import { execFileSync } from "node:child_process";
import * as oauth from "oauth4webapi";
import * as openid from "openid-client";
import { ClientCredentials as SimpleClientCredentials } from "simple-oauth2";

import { ClientCredentials } from "ccauth";

const before = await import("ccauth-before").catch(() => undefined);
/** How a version takes its scopes: `scopes` (a list), or `scope` (the previews, before the option names of docs/OPTIONS.md). */
const scopesOption = (CC) => {
  try {
    new CC({ tokenEndpoint: "https://as.example.com/t", clientId: "svc", clientSecret: "s3cr3t", scopes: ["a"], fetch: async () => undefined }).close();
    return (s) => ({ scopes: s });
  } catch {
    return (s) => ({ scope: s });
  }
};
/** The versions to measure: the current package, and the one before if installed. */
const versions = [
  { label: "ccauth", ClientCredentials, scopes: (s) => ({ scopes: s }) },
  ...(before ? [{ label: "ccauth (before)", ClientCredentials: before.ClientCredentials, scopes: scopesOption(before.ClientCredentials) }] : []),
];

const ENDPOINT = "https://as.example.com/oauth2/token";
const payload = Buffer.from(JSON.stringify({ iss: "https://as.example.com", sub: "svc", exp: 1_900_000_000, scope: "api.read api.write" })).toString("base64url");
// A ~1 KB token response, as from a provider issuing JWTs (the Python bench's size).
const TOKEN = `eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.${payload}.${"x".repeat(342)}${"a".repeat(420)}`;
const BODY = JSON.stringify({ access_token: TOKEN, token_type: "Bearer", expires_in: 3600, scope: "api.read api.write" });
// The nine headers of a token endpoint's answer as a provider sends them (Entra-like; the Python bench's set).
const HEADERS = [
  ["Cache-Control", "no-store, no-cache"], ["Pragma", "no-cache"], ["Content-Type", "application/json; charset=utf-8"],
  ["Expires", "-1"], ["Strict-Transport-Security", "max-age=31536000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"], ["x-ms-request-id", "0f2b6b8e-6a1c-1d0e-0000-000000000000"],
  ["Date", "Tue, 01 Dec 2026 10:15:42 GMT"], ["Content-Length", String(Buffer.byteLength(BODY))],
];
const stubFetch = async () => new Response(BODY, { status: 200, headers: HEADERS });
const MS = Number(process.env.CCAUTH_BENCH_MS ?? 1500);

/** Between sections: collect the last one's garbage and let the wasm objects' finalizers run (node --expose-gc). */
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function measure(name, fn, { ms = MS } = {}) {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 100; i++) await fn();
    n += 100;
  }
  const ns = ((performance.now() - t0) * 1e6) / n;
  return { name, ns };
}

/**
 * Times `use(item)` alone, on items `make()` builds in batches outside the
 * timing; for each `{ name, make, use }` of `pools`, in alternating batches
 * (the current package and ccauth-before each pay their share of the
 * other's garbage, instead of the second paying for the first).
 */
async function measurePools(pools, { ms = MS, batch = 250 } = {}) {
  for (const p of pools) for (const item of Array.from({ length: 200 }, p.make)) await p.use(item); // warm-up
  const spent = pools.map(() => 0);
  let n = 0;
  while (Math.min(...spent) < ms) {
    for (const [i, p] of pools.entries()) {
      const items = Array.from({ length: batch }, p.make);
      const t0 = performance.now();
      for (const item of items) await p.use(item);
      spent[i] += performance.now() - t0;
    }
    n += batch;
  }
  return pools.map((p, i) => ({ name: p.name, ns: (spent[i] * 1e6) / n }));
}

// 1. Request + parse through a stubbed fetch.
const ccauthOptions = (v) => ({ tokenEndpoint: ENDPOINT, clientId: "svc", clientSecret: "s3cr3t", ...v.scopes(["api.read", "api.write"]), fetch: stubFetch });
const as = { issuer: "https://as.example.com", token_endpoint: ENDPOINT };
const o4wClient = { client_id: "svc" };
const o4wAuth = oauth.ClientSecretBasic("s3cr3t");
const oidcConfig = new openid.Configuration(as, "svc", "s3cr3t");
oidcConfig[openid.customFetch] = stubFetch;

const exchange = [];
exchange.push(
  ...(await measurePools(
    versions.map((v) => {
      const options = ccauthOptions(v);
      return { name: v.label, make: () => new v.ClientCredentials(options), use: async (c) => (await c.getToken()).authorization };
    }),
  )),
);
exchange.push(
  await measure("oauth4webapi", async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, o4wClient, o4wAuth, new URLSearchParams({ scope: "api.read api.write" }), { [oauth.customFetch]: stubFetch });
    const token = await oauth.processClientCredentialsResponse(as, o4wClient, response);
    return `Bearer ${token.access_token}`;
  }),
  await measure("openid-client", async () => `Bearer ${(await openid.clientCredentialsGrant(oidcConfig, { scope: "api.read api.write" })).access_token}`),
);

await settle();
// 2. Hot path with a token held.
const held = versions.map((v) => new v.ClientCredentials(ccauthOptions(v)));
for (const c of held) await c.getToken();
const simple = new SimpleClientCredentials({ client: { id: "svc", secret: "s3cr3t" }, auth: { tokenHost: "https://as.example.com" } });
const simpleToken = simple.createToken(JSON.parse(BODY));
const handHeld = { token: TOKEN, expiresAt: Date.now() + 3_600_000 };
const hot = [];
for (const [i, v] of versions.entries()) hot.push(await measure(v.label, () => held[i].authorizationHeader()));
const listened = new ClientCredentials({ ...ccauthOptions(versions[0]), onEvent: () => {} });
await listened.getToken();
hot.push(await measure("ccauth (onEvent listener)", () => listened.authorizationHeader()));
// A fleet store is read only when the cache needs a token: never on this path.
const memory = new Map();
const memoryStore = {
  get: async (key) => memory.get(key) ?? null,
  setIfAbsent: async (key, value) => !memory.has(key) && Boolean(memory.set(key, value)),
  set: async (key, value) => memory.set(key, value),
  deleteIfEquals: async (key) => memory.delete(key),
};
const shared = new ClientCredentials({ ...ccauthOptions(versions[0]), store: memoryStore });
await shared.getToken();
hot.push(await measure("ccauth (fleet store attached)", () => shared.authorizationHeader()));
hot.push(
  await measure("simple-oauth2", async () => {
    // its documented pattern: check expired(leeway) on every use
    if (simpleToken.expired(300)) throw new Error("unexpected");
    return `Bearer ${simpleToken.token.access_token}`;
  }),
  await measure("hand-rolled cache (oauth4webapi/openid-client users)", async () => {
    if (Date.now() >= handHeld.expiresAt - 300_000) throw new Error("unexpected");
    return `Bearer ${handHeld.token}`;
  }),
);

function report(title, rows) {
  console.log(`\n${title}`);
  const base = rows[0].ns;
  for (const r of rows) console.log(`  ${r.name.padEnd(54)} ${r.ns.toFixed(0).padStart(8)} ns/op  ${(r.ns / base).toFixed(2)}x ${rows[0].name}`);
}
report("token request + parse + store, stubbed fetch (ccauth: getToken() on a client built beforehand)", exchange);
report("cached-token hot path", hot);

await settle();
// 3. Signing: a private_key_jwt (ES256) exchange, and a DPoP proof per API
// call. ccauth and oauth4webapi sign with WebCrypto (ccauth before issue 15:
// RustCrypto's p256 in wasm); ccauth with the JWK (imported once) and with
// the same CryptoKey oauth4webapi gets.
const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
const jwk = await crypto.subtle.exportKey("jwk", keyPair.privateKey);
const signedExchange = [];
signedExchange.push(
  ...(await measurePools(
    versions.map((v) => {
      const options = { tokenEndpoint: ENDPOINT, clientId: "svc", authMethod: "private_key_jwt", privateKey: jwk, ...v.scopes(["api.read"]), fetch: stubFetch };
      return { name: v.label, make: () => new v.ClientCredentials(options), use: (c) => c.getToken() };
    }),
  )),
);
signedExchange.push(
  ...(await measurePools([{
    name: "ccauth (CryptoKey)",
    make: () => new ClientCredentials({ tokenEndpoint: ENDPOINT, clientId: "svc", authMethod: "private_key_jwt", privateKey: keyPair.privateKey, scopes: ["api.read"], fetch: stubFetch }),
    use: (c) => c.getToken(),
  }])),
);
signedExchange.push(
  await measure("oauth4webapi", async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, o4wClient, oauth.PrivateKeyJwt(keyPair.privateKey), new URLSearchParams({ scope: "api.read" }), { [oauth.customFetch]: stubFetch });
    return oauth.processClientCredentialsResponse(as, o4wClient, response);
  }),
);
const DPOP_BODY = JSON.stringify({ access_token: TOKEN, token_type: "DPoP", expires_in: 3600 });
const dpopFetch = async () => new Response(DPOP_BODY, { status: 200, headers: { "content-type": "application/json" } });
const apiFetch = async () => new Response("{}", { status: 200 });
const API = new URL("https://api.example.com/orders");
const dpopCall = [];
for (const v of versions) {
  const bound = new v.ClientCredentials({ tokenEndpoint: ENDPOINT, clientId: "svc", clientSecret: "s3cr3t", dpop: jwk, fetch: async (url) => (String(url) === ENDPOINT ? dpopFetch() : apiFetch()) });
  await bound.getToken();
  dpopCall.push(await measure(v.label, () => bound.fetch(API.href)));
}
{
  const bound = new ClientCredentials({ tokenEndpoint: ENDPOINT, clientId: "svc", clientSecret: "s3cr3t", dpop: keyPair, fetch: async (url) => (String(url) === ENDPOINT ? dpopFetch() : apiFetch()) });
  await bound.getToken();
  dpopCall.push(await measure("ccauth (CryptoKeyPair)", () => bound.fetch(API.href)));
}
const dpopHandle = oauth.DPoP(o4wClient, keyPair);
dpopCall.push(await measure("oauth4webapi", () => oauth.protectedResourceRequest(TOKEN, "GET", API, new Headers(), null, { DPoP: dpopHandle, [oauth.customFetch]: apiFetch })));
// A Bearer API call with the token held: ccauth's headers (kept with the token) and the answer's check.
const bearerCall = [];
for (const v of versions) {
  const bearer = new v.ClientCredentials({ ...ccauthOptions(v), fetch: async (url) => (String(url) === ENDPOINT ? stubFetch() : apiFetch()) });
  await bearer.getToken();
  bearerCall.push(await measure(v.label, () => bearer.fetch(API.href)));
}
{
  const bearer = new ClientCredentials({ ...ccauthOptions(versions[0]), onEvent: () => {}, fetch: async (url) => (String(url) === ENDPOINT ? stubFetch() : apiFetch()) });
  await bearer.getToken();
  bearerCall.push(await measure("ccauth (onEvent listener)", () => bearer.fetch(API.href)));
}
bearerCall.push(await measure("oauth4webapi", () => oauth.protectedResourceRequest(TOKEN, "GET", API, new Headers(), null, { [oauth.customFetch]: apiFetch })));
report("private_key_jwt (ES256) token request + parse + store, stubbed fetch", signedExchange);
report("API call with a DPoP proof (ES256), stubbed fetch", dpopCall);
report("API call with a Bearer token held, stubbed fetch", bearerCall);

await settle();
// Building clients last: the clients it makes by the thousand are freed only
// when the GC finalizes them, which slowed the rows measured after it.
const construct = [];
for (const v of versions) {
  const options = ccauthOptions(v);
  construct.push(await measure(`${v.label}: new ClientCredentials`, async () => new v.ClientCredentials(options)));
}
construct.push(await measure("openid-client: new Configuration", async () => new openid.Configuration(as, "svc", "s3cr3t")));
report("building a client (not in the rows above)", construct);

const { CCAUTH_TOKEN_ENDPOINT: tokenEndpoint, CCAUTH_STATS_URL: stats } = process.env;
if (tokenEndpoint && stats) {
  const requests = async () => (await (await fetch(stats)).json()).token_requests_by_client["ccauth-post"] ?? 0;
  const creds = { id: "ccauth-post", secret: "post-secret-0123456789" };
  const issuer = new URL(tokenEndpoint).origin;
  const server = { issuer, token_endpoint: tokenEndpoint };
  const insecure = { [oauth.allowInsecureRequests]: true };
  const oidc = new openid.Configuration(server, creds.id, creds.secret);
  openid.allowInsecureRequests(oidc);
  const simpleClient = new SimpleClientCredentials({
    client: creds,
    auth: { tokenHost: issuer, tokenPath: new URL(tokenEndpoint).pathname },
    options: { authorizationMethod: "body" },
  });
  // Each peer with the cache a user typically writes around it: check, else fetch.
  const naive = (fetchToken) => {
    let cached;
    return async () => {
      if (cached && Date.now() < cached.expiresAt) return cached.token;
      const token = await fetchToken();
      cached = { token, expiresAt: Date.now() + 60_000 };
      return token;
    };
  };
  const contenders = {
    ccauth: () => {
      const c = new ClientCredentials({ tokenEndpoint, clientId: creds.id, clientSecret: creds.secret, authMethod: "client_secret_post" });
      return () => c.getToken();
    },
    oauth4webapi: () => naive(async () => {
      const client = { client_id: creds.id };
      const r = await oauth.clientCredentialsGrantRequest(server, client, oauth.ClientSecretPost(creds.secret), new URLSearchParams(), insecure);
      return oauth.processClientCredentialsResponse(server, client, r);
    }),
    "openid-client": () => naive(() => openid.clientCredentialsGrant(oidc)),
    "simple-oauth2": () => naive(() => simpleClient.getToken({})),
  };
  console.log("\n200 callers at once, no token cached yet (real loopback server)");
  for (const [name, make] of Object.entries(contenders)) {
    const ask = make();
    const before = await requests();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 200 }, () => ask()));
    const ms = performance.now() - t0;
    console.log(`  ${name.padEnd(16)} ${String((await requests()) - before).padStart(4)} token requests, ${ms.toFixed(0)} ms`);
  }
}

// 5. Cold start: each figure the median of 7 fresh processes.
const fresh = (code) => {
  const runs = Array.from({ length: 7 }, () =>
    Number(execFileSync(process.execPath, ["--input-type=module", "-e", `const t0 = performance.now(); ${code}; console.log(performance.now() - t0);`]).toString().trim().split("\n").pop()),
  );
  return runs.sort((a, b) => a - b)[3];
};
const coldClient = `new ClientCredentials({ tokenEndpoint: "${ENDPOINT}", clientId: "svc", clientSecret: "s3cr3t" })`;
console.log("\ncold start, fresh Node process (median of 7)");
for (const name of ["ccauth", ...(before ? ["ccauth-before"] : [])]) {
  const imported = fresh(`await import("${name}")`);
  const first = fresh(`const { ClientCredentials } = await import("${name}"); ${coldClient}`);
  console.log(`  ${name.padEnd(16)} import ${imported.toFixed(1).padStart(5)} ms, import + first client ${first.toFixed(1).padStart(5)} ms`);
}
for (const name of ["oauth4webapi", "openid-client"]) console.log(`  ${name.padEnd(16)} import ${fresh(`await import("${name}")`).toFixed(1).padStart(5)} ms`);
console.log(`  ${"(an empty module)".padEnd(16)} import ${fresh('await import("data:text/javascript,")').toFixed(1).padStart(5)} ms`);
