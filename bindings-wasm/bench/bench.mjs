// ccauth beside oauth4webapi, openid-client and simple-oauth2, in one run.
// 1. token request + response parse, with a stubbed fetch (no network), a
//    new ccauth client per op (the core spaces one client's fetches 1 s apart);
// 2. the cached-token hot path: what each library (or its documented usage)
//    does on every API call once a token is held.
// 3. 200 callers at once with no token yet, against the real loopback
//    authorization server (when run through scripts/with-auth-server.sh):
//    how many token requests does each library's usual pattern make?
// Prints ns/op and peer/ccauth ratios. Timing is for this report only; no
// test asserts on it.
import * as oauth from "oauth4webapi";
import * as openid from "openid-client";
import { ClientCredentials as SimpleClientCredentials } from "simple-oauth2";

import { ClientCredentials } from "ccauth";

const ENDPOINT = "https://as.example.com/oauth2/token";
const payload = Buffer.from(JSON.stringify({ iss: "https://as.example.com", sub: "svc", exp: 1_900_000_000, scope: "api.read api.write" })).toString("base64url");
const TOKEN = `eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCJ9.${payload}.${"x".repeat(342)}`;
const BODY = JSON.stringify({ access_token: TOKEN, token_type: "Bearer", expires_in: 3600, scope: "api.read api.write" });
const stubFetch = async () => new Response(BODY, { status: 200, headers: { "content-type": "application/json" } });

async function measure(name, fn, { ms = 1500 } = {}) {
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

// 1. Request + parse through a stubbed fetch.
// A new client per op: the core starts one client's fetches at least 1 s apart.
const ccauthOptions = { tokenEndpoint: ENDPOINT, clientId: "svc", clientSecret: "s3cr3t", scope: ["api.read", "api.write"], fetch: stubFetch };
const ccauth = new ClientCredentials(ccauthOptions);
const as = { issuer: "https://as.example.com", token_endpoint: ENDPOINT };
const o4wClient = { client_id: "svc" };
const o4wAuth = oauth.ClientSecretBasic("s3cr3t");
const oidcConfig = new openid.Configuration(as, "svc", "s3cr3t");
oidcConfig[openid.customFetch] = stubFetch;

const exchange = [
  await measure("ccauth", () => new ClientCredentials(ccauthOptions).getToken()),
  await measure("oauth4webapi", async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, o4wClient, o4wAuth, new URLSearchParams({ scope: "api.read api.write" }), { [oauth.customFetch]: stubFetch });
    return oauth.processClientCredentialsResponse(as, o4wClient, response);
  }),
  await measure("openid-client", () => openid.clientCredentialsGrant(oidcConfig, { scope: "api.read api.write" })),
];

// 2. Hot path with a token held.
await ccauth.getToken();
const simple = new SimpleClientCredentials({ client: { id: "svc", secret: "s3cr3t" }, auth: { tokenHost: "https://as.example.com" } });
const simpleToken = simple.createToken(JSON.parse(BODY));
let held = { token: TOKEN, expiresAt: Date.now() + 3_600_000 };
const hot = [
  await measure("ccauth", () => ccauth.authorizationHeader()),
  await measure("simple-oauth2", async () => {
    // its documented pattern: check expired(leeway) on every use
    if (simpleToken.expired(300)) throw new Error("unexpected");
    return `Bearer ${simpleToken.token.access_token}`;
  }),
  await measure("hand-rolled cache (oauth4webapi/openid-client users)", async () => {
    if (Date.now() >= held.expiresAt - 300_000) throw new Error("unexpected");
    return `Bearer ${held.token}`;
  }),
];

function report(title, rows) {
  console.log(`\n${title}`);
  const base = rows[0].ns;
  for (const r of rows) console.log(`  ${r.name.padEnd(54)} ${r.ns.toFixed(0).padStart(8)} ns/op  ${(r.ns / base).toFixed(2)}x ccauth`);
}
report("token request + parse, stubbed fetch", exchange);
report("cached-token hot path", hot);

// 4. Signing: a private_key_jwt (ES256) exchange, and a DPoP proof per API
// call. ccauth signs in wasm (RustCrypto p256); oauth4webapi with WebCrypto.
const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
const jwk = await crypto.subtle.exportKey("jwk", keyPair.privateKey);
const signerOptions = { tokenEndpoint: ENDPOINT, clientId: "svc", authMethod: "private_key_jwt", privateKey: jwk, scope: "api.read", fetch: stubFetch };
const signedExchange = [
  await measure("ccauth", () => new ClientCredentials(signerOptions).getToken()),
  await measure("oauth4webapi", async () => {
    const response = await oauth.clientCredentialsGrantRequest(as, o4wClient, oauth.PrivateKeyJwt(keyPair.privateKey), new URLSearchParams({ scope: "api.read" }), { [oauth.customFetch]: stubFetch });
    return oauth.processClientCredentialsResponse(as, o4wClient, response);
  }),
];
const DPOP_BODY = JSON.stringify({ access_token: TOKEN, token_type: "DPoP", expires_in: 3600 });
const dpopFetch = async () => new Response(DPOP_BODY, { status: 200, headers: { "content-type": "application/json" } });
const apiFetch = async () => new Response("{}", { status: 200 });
const bound = new ClientCredentials({ tokenEndpoint: ENDPOINT, clientId: "svc", clientSecret: "s3cr3t", dpop: jwk, fetch: async (url, init) => (String(url) === ENDPOINT ? dpopFetch() : apiFetch()) });
await bound.getToken();
const dpopHandle = oauth.DPoP(o4wClient, keyPair);
const API = new URL("https://api.example.com/orders");
const dpopCall = [
  await measure("ccauth", () => bound.fetch(API.href)),
  await measure("oauth4webapi", () => oauth.protectedResourceRequest(TOKEN, "GET", API, new Headers(), null, { DPoP: dpopHandle, [oauth.customFetch]: apiFetch })),
];
// A Bearer API call with the token held: ccauth asks the core for the headers and its verdict on the answer.
const bearer = new ClientCredentials({ ...ccauthOptions, fetch: async (url, init) => (String(url) === ENDPOINT ? stubFetch() : apiFetch()) });
await bearer.getToken();
const bearerCall = [
  await measure("ccauth", () => bearer.fetch(API.href)),
  await measure("oauth4webapi", () => oauth.protectedResourceRequest(TOKEN, "GET", API, new Headers(), null, { [oauth.customFetch]: apiFetch })),
];
report("private_key_jwt (ES256) token request + parse, stubbed fetch", signedExchange);
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
