// ccauth beside oauth4webapi, openid-client and simple-oauth2, in one run.
// What each row measures (stubbed fetch: no network, a new Response per call):
// 1. token request + parse: for ccauth, `getToken()` on a client built
//    beforehand (a pool, built outside the timing, one client per op: the
//    core spaces one client's fetches 1 s apart, and the peers' rows build
//    nothing either): the core's poll and request, the `fetch` call with its
//    timeout, reading the body, the core's parse, and storing the token. For
//    oauth4webapi and openid-client: their grant request + response
//    processing with a configuration made once.
//    Then, apart: building a ccauth client (`new ClientCredentials`: options
//    checked, config parsed and validated by the core, randomness).
// 2. the cached-token hot path: what each library (or its documented usage)
//    does on every API call once a token is held.
// 3. signing: a private_key_jwt (ES256) exchange (pool as in 1), an API call
//    with a DPoP proof, and a Bearer API call with the token held.
// 4. 200 callers at once with no token yet, against the real loopback
//    authorization server (when run through scripts/with-auth-server.sh):
//    how many token requests does each library's usual pattern make?
// With `ccauth-before` installed (scripts/bench-npm.sh, CCAUTH_BENCH_BEFORE),
// its rows run beside the current ones. Prints ns/op and ratios to the
// first row. Timing is for this report only; no test asserts on it.
import * as oauth from "oauth4webapi";
import * as openid from "openid-client";
import { ClientCredentials as SimpleClientCredentials } from "simple-oauth2";

import { ClientCredentials } from "ccauth";

const before = await import("ccauth-before").catch(() => undefined);
/** The versions to measure: the current package, and the one before if installed. */
const versions = [
  { label: "ccauth", ClientCredentials, scopes: (s) => ({ scopes: s }) },
  ...(before ? [{ label: "ccauth (before)", ClientCredentials: before.ClientCredentials, scopes: (s) => ({ scope: s }) }] : []),
];

const ENDPOINT = "https://as.example.com/oauth2/token";
const payload = Buffer.from(JSON.stringify({ iss: "https://as.example.com", sub: "svc", exp: 1_900_000_000, scope: "api.read api.write" })).toString("base64url");
const TOKEN = `eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.${payload}.${"x".repeat(342)}`;
const BODY = JSON.stringify({ access_token: TOKEN, token_type: "Bearer", expires_in: 3600, scope: "api.read api.write" });
const stubFetch = async () => new Response(BODY, { status: 200, headers: { "content-type": "application/json" } });
const MS = Number(process.env.CCAUTH_BENCH_MS ?? 1500);

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

/** Times `use(item)` alone, on items `make()` builds in batches outside the timing. */
async function measurePool(name, make, use, { ms = MS, batch = 250 } = {}) {
  for (const item of Array.from({ length: 200 }, make)) await use(item); // warm-up
  let n = 0;
  let spent = 0;
  while (spent < ms) {
    const items = Array.from({ length: batch }, make);
    const t0 = performance.now();
    for (const item of items) await use(item);
    spent += performance.now() - t0;
    n += batch;
  }
  return { name, ns: (spent * 1e6) / n };
}

// 1. Request + parse through a stubbed fetch.
const ccauthOptions = (v) => ({ tokenEndpoint: ENDPOINT, clientId: "svc", clientSecret: "s3cr3t", ...v.scopes(["api.read", "api.write"]), fetch: stubFetch });
const as = { issuer: "https://as.example.com", token_endpoint: ENDPOINT };
const o4wClient = { client_id: "svc" };
const o4wAuth = oauth.ClientSecretBasic("s3cr3t");
const oidcConfig = new openid.Configuration(as, "svc", "s3cr3t");
oidcConfig[openid.customFetch] = stubFetch;

const exchange = [];
for (const v of versions) {
  const options = ccauthOptions(v);
  exchange.push(await measurePool(v.label, () => new v.ClientCredentials(options), (c) => c.getToken()));
}
exchange.push(
  await measure("oauth4webapi", async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, o4wClient, o4wAuth, new URLSearchParams({ scope: "api.read api.write" }), { [oauth.customFetch]: stubFetch });
    return oauth.processClientCredentialsResponse(as, o4wClient, response);
  }),
  await measure("openid-client", () => openid.clientCredentialsGrant(oidcConfig, { scope: "api.read api.write" })),
);
const construct = [];
for (const v of versions) {
  const options = ccauthOptions(v);
  construct.push(await measure(`${v.label}: new ClientCredentials`, async () => new v.ClientCredentials(options)));
}
construct.push(await measure("openid-client: new Configuration", async () => new openid.Configuration(as, "svc", "s3cr3t")));

// 2. Hot path with a token held.
const held = versions.map((v) => new v.ClientCredentials(ccauthOptions(v)));
for (const c of held) await c.getToken();
const simple = new SimpleClientCredentials({ client: { id: "svc", secret: "s3cr3t" }, auth: { tokenHost: "https://as.example.com" } });
const simpleToken = simple.createToken(JSON.parse(BODY));
const handHeld = { token: TOKEN, expiresAt: Date.now() + 3_600_000 };
const hot = [];
for (const [i, v] of versions.entries()) hot.push(await measure(v.label, () => held[i].authorizationHeader()));
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
report("building a client (not in the rows above)", construct);
report("cached-token hot path", hot);

// 3. Signing: a private_key_jwt (ES256) exchange, and a DPoP proof per API
// call. ccauth signs in wasm (RustCrypto p256); oauth4webapi with WebCrypto.
const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
const jwk = await crypto.subtle.exportKey("jwk", keyPair.privateKey);
const signedExchange = [];
for (const v of versions) {
  const options = { tokenEndpoint: ENDPOINT, clientId: "svc", authMethod: "private_key_jwt", privateKey: jwk, ...v.scopes(["api.read"]), fetch: stubFetch };
  signedExchange.push(await measurePool(v.label, () => new v.ClientCredentials(options), (c) => c.getToken()));
}
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
const dpopHandle = oauth.DPoP(o4wClient, keyPair);
dpopCall.push(await measure("oauth4webapi", () => oauth.protectedResourceRequest(TOKEN, "GET", API, new Headers(), null, { DPoP: dpopHandle, [oauth.customFetch]: apiFetch })));
// A Bearer API call with the token held: ccauth's headers (kept with the token) and the answer's check.
const bearerCall = [];
for (const v of versions) {
  const bearer = new v.ClientCredentials({ ...ccauthOptions(v), fetch: async (url) => (String(url) === ENDPOINT ? stubFetch() : apiFetch()) });
  await bearer.getToken();
  bearerCall.push(await measure(v.label, () => bearer.fetch(API.href)));
}
bearerCall.push(await measure("oauth4webapi", () => oauth.protectedResourceRequest(TOKEN, "GET", API, new Headers(), null, { [oauth.customFetch]: apiFetch })));
report("private_key_jwt (ES256) token request + parse + store, stubbed fetch", signedExchange);
report("API call with a DPoP proof (ES256), stubbed fetch", dpopCall);
report("API call with a Bearer token held, stubbed fetch", bearerCall);

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
