// ccauth beside oauth4webapi, openid-client and simple-oauth2, in one run.
// 1. token request + response parse, with a stubbed fetch (no network);
// 2. the cached-token hot path: what each library (or its documented usage)
//    does on every API call once a token is held.
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
const ccauth = new ClientCredentials({ tokenEndpoint: ENDPOINT, clientId: "svc", clientSecret: "s3cr3t", scope: ["api.read", "api.write"], fetch: stubFetch });
const as = { issuer: "https://as.example.com", token_endpoint: ENDPOINT };
const o4wClient = { client_id: "svc" };
const o4wAuth = oauth.ClientSecretBasic("s3cr3t");
const oidcConfig = new openid.Configuration(as, "svc", "s3cr3t");
oidcConfig[openid.customFetch] = stubFetch;

const exchange = [
  await measure("ccauth", async () => {
    ccauth.invalidate(await ccauth.getToken()); // drop it so the next ask fetches
    return ccauth.getToken();
  }),
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
