// JWT client authentication, discovery, DPoP, revocation and introspection
// through the npm package, against node-oidc-provider on 127.0.0.1
// (scripts/with-auth-server.sh exports its URLs; CCAUTH_VECTORS the test keys).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";

import { sign as nodeSign } from "node:crypto";

import { buildSignedTokenRequest, ClientCredentials, isCcauthError } from "ccauth";

const { CCAUTH_ISSUER: issuer, CCAUTH_TOKEN_ENDPOINT: tokenEndpoint, CCAUTH_API_URL: api, CCAUTH_STATS_URL: stats, CCAUTH_VECTORS: vectors } = process.env;
assert.ok(issuer && tokenEndpoint && api && stats && vectors, "run through scripts/with-auth-server.sh");
const key = (file) => readFileSync(`${vectors}/keys/${file}`, "utf8");
const jwk = (name) => JSON.parse(key(`${name}.jwk.json`));
const tokenRequests = async (clientId) => (await (await fetch(stats)).json()).token_requests_by_client[clientId] ?? 0;

test("private_key_jwt ES256 (JWK): the API answers 200", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt", privateKey: jwk("p256"), scopes: ["api.read"] });
  const res = await client.fetch(api);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).client_id, "ccauth-es256");
});

test("client_secret_jwt (HS256): the API answers 200", async () => {
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-secret-jwt", clientSecret: "jwt-secret-0123456789-0123456789-abcdef", authMethod: "client_secret_jwt", scopes: ["api.read"] });
  assert.equal((await client.fetch(api)).status, 200);
});

test("private_key_jwt RS256 and EdDSA from PEM (WebCrypto)", async () => {
  for (const [clientId, file] of [["ccauth-rs256", "rsa.pem"], ["ccauth-eddsa", "ed25519.pem"]]) {
    const client = new ClientCredentials({ tokenEndpoint, clientId, authMethod: "private_key_jwt", privateKey: key(file), scopes: ["api.read"] });
    assert.equal((await client.fetch(api)).status, 200, clientId);
  }
});

test("private_key_jwt with a non-extractable CryptoKey, and DPoP with a non-extractable CryptoKeyPair", async () => {
  const privateKey = await crypto.subtle.importKey("jwk", jwk("p256"), { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  assert.equal(privateKey.extractable, false);
  const dpop = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt", privateKey, scopes: ["api.read"] });
  assert.equal((await client.fetch(api)).status, 200);
  const bound = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-dpop", clientSecret: "dpop-secret-0123456789", dpop, scopes: ["api.read"] });
  const token = await bound.getToken();
  assert.equal(token.tokenType, "DPoP");
  const res = await bound.fetch(api);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).dpop, true);
  // A lone non-extractable private key cannot give DPoP its public half: a typed error, no request.
  const lone = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-dpop", clientSecret: "dpop-secret-0123456789", dpop: dpop.privateKey });
  const err = await lone.getToken().then(() => undefined, (e) => e);
  assert.equal(err?.code, "INVALID_KEY");
  assert.equal(err?.field, "dpop");
});

test("a signer callback (a KMS stand-in returning DER) for private_key_jwt and DPoP", async () => {
  const pem = key("p256.pem");
  const calls = [];
  const kms = {
    alg: "ES256",
    keyId: "es256-1", // the kid the server registered for this client
    // As AWS KMS answers ECDSA_SHA_256: an ASN.1 DER signature, which the core converts.
    sign: async (alg, keyId, input) => {
      calls.push([alg, keyId, new TextDecoder().decode(input).split(".").length]);
      return nodeSign("sha256", input, { key: pem, dsaEncoding: "der" });
    },
  };
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt", privateKey: kms, scopes: ["api.read"] });
  assert.equal((await client.fetch(api)).status, 200);
  assert.deepEqual(calls, [["ES256", "es256-1", 2]], "one assertion signed, its signing input is header.claims");
  const publicJwk = { kty: "EC", crv: "P-256", x: jwk("p256").x, y: jwk("p256").y };
  const dpopSigner = { alg: "ES256", publicJwk, sign: (_alg, _kid, input) => nodeSign("sha256", input, { key: pem, dsaEncoding: "der" }) };
  const bound = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-dpop", clientSecret: "dpop-secret-0123456789", dpop: dpopSigner, scopes: ["api.read"] });
  const res = await bound.fetch(api);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).dpop, true);
});

test("a signer that throws is retried, then a typed error; one returning garbage is INVALID_SIGNATURE; nothing is sent", async () => {
  const before = await tokenRequests("ccauth-es256");
  let calls = 0;
  const failing = { alg: "ES256", sign: () => { calls += 1; throw new Error("KMS throttled"); } };
  const client = new ClientCredentials({
    tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt", privateKey: failing, retry: { maxAttempts: 2, maxWaitMs: 3000 },
  });
  const err = await client.getToken().then(() => undefined, (e) => e);
  assert.equal(err?.code, "TRANSPORT_ERROR");
  assert.match(err.message, /signer failed/);
  assert.equal(calls, 2, "retried once");
  const garbage = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt", privateKey: { alg: "ES256", sign: () => new Uint8Array(3) } });
  const bad = await garbage.getToken().then(() => undefined, (e) => e);
  assert.equal(bad?.code, "INVALID_SIGNATURE");
  assert.equal(await tokenRequests("ccauth-es256"), before, "no token request went out");
});

test("a key the server does not know is invalid_client, and no key material leaks", async () => {
  const foreign = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign"])).privateKey;
  const privateKey = await crypto.subtle.exportKey("jwk", foreign);
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt", privateKey });
  const err = await client.getToken().then(() => undefined, (e) => e);
  assert.ok(isCcauthError(err));
  assert.equal(err.error, "invalid_client");
  assert.ok(!`${err.message}${err.stack}${inspect(err)}${inspect(client)}`.includes(privateKey.d));
});

test("discovery from the issuer only: endpoint and auth method come from the metadata", async () => {
  const client = await ClientCredentials.discover({ issuer, clientId: "ccauth-es256", privateKey: jwk("p256"), scopes: ["api.read"] });
  assert.equal((await client.fetch(api)).status, 200);
  const err = await ClientCredentials.discover({ issuer: "http://127.0.0.1:9/nothing", clientId: "x", timeoutMs: 2000 }).then(() => undefined, (e) => e);
  assert.ok(isCcauthError(err));
  assert.equal(err.code, "TRANSPORT_ERROR");
});

test("DPoP: the token is bound, the nonce dance happens once, the protected API answers 200", async () => {
  const before = await tokenRequests("ccauth-dpop");
  let apiCalls = 0;
  const counting = (input, init) => {
    if (String(input) === api) apiCalls += 1;
    return fetch(input, init);
  };
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-dpop", clientSecret: "dpop-secret-0123456789", dpop: true, scopes: ["api.read"], fetch: counting });
  const token = await client.getToken();
  assert.equal(token.tokenType, "DPoP");
  assert.match(token.authorization, /^DPoP /);
  assert.equal((await tokenRequests("ccauth-dpop")) - before, 2, "one use_dpop_nonce answer, then the token");
  // As a bearer token it is refused.
  assert.equal((await fetch(api, { headers: { authorization: `Bearer ${token.accessToken}` } })).status, 401);
  // client.fetch sends the proof, learns the API's nonce from its 401 and retries once.
  const res = await client.fetch(api);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).dpop, true);
  assert.equal(apiCalls, 2, "a 401 use_dpop_nonce, then the same call with the API's nonce");
  assert.equal((await client.fetch(api)).status, 200);
  assert.equal(apiCalls, 3, "the API's nonce is remembered");
  assert.equal((await tokenRequests("ccauth-dpop")) - before, 2, "the token was kept");
  // The nonce is remembered: headers for another HTTP client work at once.
  const headers = await client.authorizationHeaders("GET", api);
  assert.ok(headers.DPoP);
  assert.equal((await fetch(api, { headers })).status, 200);
});

test("revoke: the API then answers 401, the client fetches a new token; introspection tells both", async () => {
  const client = await ClientCredentials.discover({
    issuer, clientId: "ccauth-secret-jwt", clientSecret: "jwt-secret-0123456789-0123456789-abcdef", authMethod: "client_secret_jwt", scopes: ["api.read"],
  });
  const first = await client.getToken();
  assert.equal((await client.introspect(first)).active, true);
  assert.equal((await client.introspect(first)).clientId, "ccauth-secret-jwt");
  await fetch(api, { headers: { authorization: first.authorization } }).then((r) => assert.equal(r.status, 200));
  // Revoked behind the client's back: the API's 401 makes it fetch a new one.
  await new ClientCredentials({ tokenEndpoint, clientId: "ccauth-secret-jwt", clientSecret: "jwt-secret-0123456789-0123456789-abcdef", authMethod: "client_secret_jwt", revocationEndpoint: `${issuer}/token/revocation` }).revoke(first);
  assert.equal((await client.introspect(first)).active, false);
  const res = await client.fetch(api);
  assert.equal(res.status, 200);
  const second = await client.getToken();
  assert.notEqual(second.accessToken, first.accessToken);
  // The client's own revoke drops its token: the next call fetches again.
  await client.revoke();
  assert.equal((await client.introspect(second)).active, false);
  assert.notEqual((await client.getToken()).accessToken, second.accessToken);
});

test("an external assertion (workload identity) is read for every token request", async () => {
  // The assertion is minted elsewhere: here by a second, key-holding client's
  // sans-IO request, as a Kubernetes token would be written to a file.
  let reads = 0;
  const clientAssertion = async () => {
    reads += 1;
    const r = await buildSignedTokenRequest({ tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt", privateKey: jwk("p256") });
    return new URLSearchParams(r.body).get("client_assertion");
  };
  const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt", clientAssertion, scopes: ["api.read"] });
  assert.equal((await client.fetch(api)).status, 200);
  assert.equal(reads, 1);
  client.invalidate(await client.getToken());
  assert.equal((await client.fetch(api)).status, 200);
  assert.equal(reads, 2);
  // An expired one is never sent: a typed error, no request made.
  const before = await tokenRequests("ccauth-es256");
  const stale = new ClientCredentials({
    tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt",
    clientAssertion: async () => new URLSearchParams((await buildSignedTokenRequest({ tokenEndpoint, clientId: "ccauth-es256", authMethod: "private_key_jwt", privateKey: jwk("p256") }, { nowMs: Date.now() - 3_600_000 })).body).get("client_assertion"),
  });
  const err = await stale.getToken().then(() => undefined, (e) => e);
  assert.equal(err?.code, "INVALID_CLIENT_ASSERTION");
  assert.equal(await tokenRequests("ccauth-es256"), before);
});

test("revoke and introspect with a key WebCrypto signs (the assertion of each admin request), and with a signer", async () => {
  const pem = key("p256.pem");
  const signer = { alg: "ES256", keyId: "es256-1", sign: (_alg, _kid, input) => nodeSign("sha256", input, { key: pem, dsaEncoding: "der" }) };
  for (const privateKey of [jwk("p256"), signer]) {
    const client = await ClientCredentials.discover({ issuer, clientId: "ccauth-es256", privateKey, scopes: ["api.read"] });
    const token = await client.getToken();
    assert.equal((await client.introspect(token)).active, true);
    await client.revoke(token);
    assert.equal((await client.introspect(token)).active, false);
  }
  // A signer that fails: a typed error, the request never sent.
  const failing = await ClientCredentials.discover({ issuer, clientId: "ccauth-es256", privateKey: { alg: "ES256", sign: () => { throw new Error("HSM offline"); } } });
  const err = await failing.introspect("some-token").then(() => undefined, (e) => e);
  assert.equal(err?.code, "TRANSPORT_ERROR");
  assert.equal(err?.requestSent, false);
  assert.match(err.message, /signer failed/);
});
