// Config errors speak the package's option names, and CcauthError carries
// every field of the core's errors (no network: the sans-IO functions and
// the constructor).
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { inspect } from "node:util";

import {
  CcauthError, ClientCredentials, buildSignedTokenRequest, buildTokenRequest, isCcauthError, parseIntrospectionResponse, parseMetadataResponse, parseRevocationResponse,
  parseTokenResponse,
} from "ccauth";

const base = { tokenEndpoint: "https://as.example.com/token", clientId: "client", clientSecret: "config-secret-0123" };

/** The CcauthError `fn` throws. */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(isCcauthError(e), `not a CcauthError: ${e}`);
    assert.ok(!`${e.message}${inspect(e)}`.includes("config-secret-0123"), "the secret leaked");
    return e;
  }
  assert.fail("no error");
}

/** No core spelling of an option in `text` (token_endpoint, danger_accept_insecure_http, …). */
const noCoreNames = (text) => assert.doesNotMatch(text, /\b(token_endpoint|client_id|client_secret|danger_accept_insecure_http|extra_headers|leeway_percent|dpop_key)\b/);

test("a core config error names the option as the package spells it, in field and message", () => {
  const e = thrown(() => new ClientCredentials({ ...base, tokenEndpoint: "http://as.example.com/token" }));
  assert.equal(e.code, "INSECURE_ENDPOINT");
  assert.equal(e.field, "tokenEndpoint");
  assert.match(e.message, /^INSECURE_ENDPOINT: invalid `tokenEndpoint`: /);
  assert.match(e.message, /dangerAcceptInsecureHttp/, "the reason names the npm opt-in");
  assert.equal(e.reason, e.message.slice(e.message.indexOf(": ", "INSECURE_ENDPOINT: ".length) + 2));
  noCoreNames(e.message);
});

test("list options: `scopes`, `resources` with the item's index", () => {
  const e = thrown(() => buildTokenRequest({ ...base, scopes: ["api.read", "bad scope"] }));
  assert.equal(e.code, "INVALID_SCOPE");
  assert.equal(e.field, "scopes");
  assert.equal(e.index, 1);
  assert.match(e.message, /^INVALID_SCOPE: invalid `scopes` \(item 1\): /);
  const r = thrown(() => buildTokenRequest({ ...base, resources: ["https://api.example.com", "relative/path"] }));
  assert.equal(r.field, "resources");
  assert.equal(r.index, 1);
  const h = thrown(() => buildTokenRequest({ ...base, extraHeaders: { Authorization: "x" } }));
  assert.equal(h.field, "extraHeaders");
  noCoreNames(h.message);
});

test("nested options: refresh.leewayPercent, not leeway_percent", () => {
  const e = thrown(() => buildTokenRequest({ ...base, refresh: { leewayPercent: 90 } }));
  assert.equal(e.code, "INVALID_POLICY");
  assert.match(e.field, /^refresh/);
  assert.match(e.message, /leewayPercent/);
  noCoreNames(e.message);
});

test("an unknown option is refused, naming it and the closest known one", () => {
  for (const [wrong, near] of [["scope", "scopes"], ["resource", "resources"], ["token_endpoint", "tokenEndpoint"], ["clientsecret", "clientSecret"], ["timeout", "timeoutMs"]]) {
    const e = thrown(() => new ClientCredentials({ ...base, [wrong]: "api.read" }));
    assert.equal(e.code, "INVALID_CONFIG_DOCUMENT");
    assert.equal(e.field, wrong);
    assert.equal(e.message, `INVALID_CONFIG_DOCUMENT: unknown option \`${wrong}\`; did you mean \`${near}\`?`);
  }
  const nested = thrown(() => buildTokenRequest({ ...base, retry: { attempts: 2 } }));
  assert.equal(nested.field, "retry.attempts");
  assert.match(nested.message, /did you mean `retry\.maxAttempts`\?/);
  const issuer = thrown(() => new ClientCredentials({ ...base, issuer: "https://as.example.com" }));
  assert.match(issuer.message, /ClientCredentials\.discover/);
  const far = thrown(() => new ClientCredentials({ ...base, zzzzzzzzzz: 1 }));
  assert.match(far.message, /unknown option `zzzzzzzzzz`; the options are tokenEndpoint, clientId, /);
});

test("a missing required option is named", async () => {
  const { clientId, ...noId } = base;
  const e = thrown(() => new ClientCredentials(noId));
  assert.equal(e.code, "INVALID_CONFIG_DOCUMENT");
  assert.equal(e.field, "clientId");
  assert.equal(e.message, "INVALID_CONFIG_DOCUMENT: missing option `clientId` (required)");
  const { tokenEndpoint, ...noEndpoint } = base;
  assert.equal(thrown(() => buildTokenRequest(noEndpoint)).field, "tokenEndpoint");
  const d = await ClientCredentials.discover({ clientId: "c" }).then(() => undefined, (x) => x);
  assert.ok(isCcauthError(d) && d.field === "issuer" && /missing option `issuer`/.test(d.message), String(d));
});

test("a value of the wrong type names its option, never the value", () => {
  const e = thrown(() => new ClientCredentials({ ...base, maxResponseBytes: "config-secret-0123" }));
  assert.equal(e.code, "INVALID_CONFIG_DOCUMENT");
  assert.equal(e.field, "maxResponseBytes");
  assert.match(e.message, /^INVALID_CONFIG_DOCUMENT: invalid `maxResponseBytes`: must be a whole number/);
  assert.equal(thrown(() => new ClientCredentials({ ...base, scopes: { a: 1 } })).field, "scopes");
  const one = thrown(() => new ClientCredentials({ ...base, scopes: "api.read" }));
  assert.equal(one.field, "scopes");
  assert.match(one.message, /must be an array of strings/);
  assert.equal(thrown(() => new ClientCredentials({ ...base, fetch: "nope" })).field, "fetch");
  assert.equal(thrown(() => new ClientCredentials({ ...base, refresh: { minLeewayMs: -1 } })).field, "refresh.minLeewayMs");
});

test("a bad enum value lists the allowed values", () => {
  const cases = [
    ["authMethod", "magic", ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth", "none"]],
    ["bodyFormat", "xml", ["form", "json"]],
    ["basicAuthEncoding", "utf8", ["form_urlencoded", "raw"]],
    ["clientAssertionAlg", "RS512", ["HS256", "RS256", "ES256", "EdDSA"]],
  ];
  for (const [option, value, allowed] of cases) {
    const e = thrown(() => buildTokenRequest({ ...base, [option]: value }));
    assert.equal(e.field, option);
    assert.match(e.message, new RegExp(`^[A-Z_]+: invalid \`${option}\`: `));
    for (const v of allowed) assert.match(e.message, new RegExp(`[ "]${v}\\b`), `${option}: ${e.message} lacks ${v}`);
  }
});

test("every key kind in the one build (WebCrypto signs); keys it cannot use are typed errors that never echo the key", async () => {
  const rsa = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", rsa.privateKey);
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pem = pair.privateKey.export({ type: "pkcs8", format: "pem" });
  const pkcs1 = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" });
  const jwt = { tokenEndpoint: base.tokenEndpoint, clientId: "client", authMethod: "private_key_jwt" };
  for (const privateKey of [jwk, pem, pkcs1, rsa.privateKey, { alg: "ES256", sign: () => new Uint8Array(64).fill(1) }]) {
    const request = await buildSignedTokenRequest({ ...jwt, privateKey });
    assert.match(new URLSearchParams(request.body).get("client_assertion"), /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
  }
  const refused = [
    [pair.privateKey.export({ type: "sec1", format: "pem" }), /SEC1/],
    [pair.publicKey.export({ type: "spki", format: "pem" }), /public key/],
    [pair.privateKey.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }), /encrypted/],
    [{ kty: "EC", crv: "P-256", x: "AA", y: "AA" }, /need d/],
    [{ kty: "oct", k: "AAAA", d: "AA" }, /unsupported JWK/],
  ];
  for (const [privateKey, why] of refused) {
    const e = await buildSignedTokenRequest({ ...jwt, privateKey }).then(() => undefined, (x) => x);
    assert.ok(isCcauthError(e), String(e));
    assert.equal(e.code, "INVALID_KEY");
    assert.equal(e.field, "privateKey");
    assert.match(e.message, why);
    assert.doesNotMatch(e.message, /cargo|feature|BEGIN/i);
  }
  // A JWK the runtime's WebCrypto refuses (a broken P-256 scalar) is a typed error at first use.
  const broken = await buildSignedTokenRequest({ ...jwt, privateKey: { ...jwk, kty: "EC", crv: "P-256", x: "AA", y: "AA", d: "AA" } })
    .then(() => undefined, (x) => x);
  assert.equal(broken?.code, "INVALID_KEY");
  // The synchronous builder names the asynchronous one.
  assert.match(thrown(() => buildTokenRequest({ ...jwt, privateKey: jwk })).message, /buildSignedTokenRequest/);
});

test("revoke() and introspect() without an endpoint: the core's error names the option", async () => {
  const client = new ClientCredentials(base);
  for (const [call, option] of [[() => client.revoke("some-token"), "revocationEndpoint"], [() => client.introspect("some-token"), "introspectionEndpoint"]]) {
    const e = await call().then(() => undefined, (x) => x);
    assert.ok(isCcauthError(e));
    assert.equal(e.code, "INVALID_PARAMETER");
    assert.equal(e.field, option);
    assert.match(e.message, new RegExp(`^INVALID_PARAMETER: invalid \`${option}\`: not set`));
    noCoreNames(e.message);
  }
});

test("revocationEndpoint, introspectionEndpoint and proactiveRefresh reach the core, which judges them by the package's names", () => {
  for (const option of ["revocationEndpoint", "introspectionEndpoint"]) {
    const e = thrown(() => new ClientCredentials({ ...base, [option]: "http://as.example.com/admin" }));
    assert.equal(e.code, "INSECURE_ENDPOINT");
    assert.equal(e.field, option);
    assert.match(e.message, new RegExp(`^INSECURE_ENDPOINT: invalid \`${option}\`: `));
    assert.doesNotMatch(e.message, /revocation_endpoint|introspection_endpoint/);
  }
  const e = thrown(() => new ClientCredentials({ ...base, proactiveRefresh: "yes" }));
  assert.equal(e.field, "proactiveRefresh");
  assert.equal(e.reason, "must be true or false");
  new ClientCredentials({ ...base, proactiveRefresh: true }).close();
});

test("error fields: an Entra-like 400 exposes extras parsed, content type, body kind and length", () => {
  const body = JSON.stringify({
    error: "invalid_client",
    error_description: "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 0f2b6b8e",
    error_codes: [7000215],
    timestamp: "2026-11-30 10:15:42Z",
    trace_id: "0f2b6b8e-1d6a-4a43-9bde-3f1c0e4a2b00",
    correlation_id: "6a1c1d0e-2b7e-4a9c-8f11-0e5d3c2b1a00",
  });
  const e = thrown(() => parseTokenResponse(base, { status: 400, headers: [["content-type", "application/json; charset=utf-8"]], body }));
  assert.equal(e.code, "TOKEN_ENDPOINT_ERROR");
  assert.equal(e.error, "invalid_client");
  assert.equal(e.errorDescription, "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: 0f2b6b8e", "verbatim, line breaks kept");
  assert.doesNotMatch(e.message, /[\r\n]/, "the message stays one line");
  assert.deepEqual(e.extras, {
    error_codes: [7000215],
    timestamp: "2026-11-30 10:15:42Z",
    trace_id: "0f2b6b8e-1d6a-4a43-9bde-3f1c0e4a2b00",
    correlation_id: "6a1c1d0e-2b7e-4a9c-8f11-0e5d3c2b1a00",
  });
  assert.equal(e.bodyKind, "json");
  assert.equal(e.contentType, "application/json; charset=utf-8");
  assert.equal(e.bodyLen, new TextEncoder().encode(body).length);
  assert.equal(e.transportKind, undefined);
  assert.equal(e.cause, undefined);
});

test("error fields: a use_dpop_nonce error carries the nonce and is retryable", () => {
  const e = thrown(() => parseTokenResponse(base, {
    status: 400,
    headers: [["content-type", "application/json"], ["dpop-nonce", "nonce-5f1c0e4a2b"]],
    body: '{"error":"use_dpop_nonce","error_description":"send the nonce"}',
  }));
  assert.equal(e.error, "use_dpop_nonce");
  assert.equal(e.dpopNonce, "nonce-5f1c0e4a2b");
  assert.equal(e.retryable, true);
  assert.deepEqual(e.extras, {});
});

test("every field is present on the error's type (undefined when it does not apply)", () => {
  const e = thrown(() => parseTokenResponse(base, { status: 200, headers: [], body: "x".repeat(2_000_000) }));
  assert.equal(e.code, "RESPONSE_TOO_LARGE");
  for (const key of ["code", "message", "retryable", "status", "error", "errorDescription", "errorUri", "retryAfterMs", "bodyKind", "contentType",
    "bodyLen", "excerpt", "wwwAuthenticate", "extras", "dpopNonce", "field", "reason", "index", "transportKind", "requestSent"]) {
    assert.ok(key in e, key);
  }
});

test("malformed response headers: every parser throws a CcauthError (an Error) naming `headers`, never a string", () => {
  const admin = { ...base, revocationEndpoint: "https://as.example.com/revoke", introspectionEndpoint: "https://as.example.com/introspect" };
  for (const headers of [[["content-type"]], [["content-type", 1]], [{ name: "x" }]]) {
    const response = { status: 200, headers, body: "{}" };
    for (const parse of [
      () => parseTokenResponse(base, response),
      () => parseIntrospectionResponse(admin, response),
      () => parseRevocationResponse(admin, response),
      () => parseMetadataResponse("https://as.example.com", response),
    ]) {
      const e = thrown(parse);
      assert.ok(e instanceof Error && e instanceof CcauthError, "a real Error");
      assert.equal(e.code, "INVALID_PARAMETER");
      assert.equal(e.field, "headers");
      assert.equal(e.retryable, false);
      assert.match(e.message, /^INVALID_PARAMETER: invalid `headers`: /);
      assert.ok(e.stack, "with a stack");
    }
  }
});

test("a bad token document: importToken throws a CcauthError with its code", () => {
  const client = new ClientCredentials(base);
  for (const document of ["not json", "{}", JSON.stringify({ version: 999 })]) {
    const e = thrown(() => client.importToken(document));
    assert.ok(e instanceof Error);
    assert.match(e.code, /^(INVALID_TOKEN_DOCUMENT|UNSUPPORTED_TOKEN_DOCUMENT_VERSION)$/);
  }
  client.close();
});
