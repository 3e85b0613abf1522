// The signing vectors (tests/vectors/signing.json) through the npm package,
// whose keys sign with WebCrypto: the signing inputs (header and claims) are
// the exact bytes the core pins; so is the whole request where the signature
// is deterministic (HMAC, RS256, Ed25519), and every signature is verified
// with WebCrypto against the public key. ECDSA and PS256 are randomized.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { webcrypto } from "node:crypto";

import * as ccauth from "ccauth";
import { options } from "./vector-cases.mjs";

const subtle = (globalThis.crypto ?? webcrypto).subtle;
const { cases } = JSON.parse(readFileSync(`${process.env.CCAUTH_VECTORS}/signing.json`, "utf8"));
const hex = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
const b64url = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const part = (jwt, i) => JSON.parse(new TextDecoder().decode(b64url(jwt.split(".")[i])));
const spki = (pem) => b64url(pem.replace(/-----[^-]+-----|\s/g, "").replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));

const WEBCRYPTO = {
  HS256: { name: "HMAC", hash: "SHA-256" },
  HS384: { name: "HMAC", hash: "SHA-384" },
  HS512: { name: "HMAC", hash: "SHA-512" },
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  PS256: { name: "RSA-PSS", hash: "SHA-256" },
  ES256: { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" },
  ES384: { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" },
  EdDSA: { name: "Ed25519" },
};

/** Verifies `jwt` with WebCrypto: the secret (HS*) or the SPKI public key. */
async function verify(jwt, keyText) {
  const { alg } = part(jwt, 0);
  const algorithm = WEBCRYPTO[alg];
  const key = alg.startsWith("HS")
    ? await subtle.importKey("raw", new TextEncoder().encode(keyText), algorithm, false, ["verify"])
    : await subtle.importKey("spki", spki(keyText), algorithm, false, ["verify"]);
  const [h, p, sig] = jwt.split(".");
  const params = alg === "PS256" ? { ...algorithm, saltLength: 32 } : algorithm;
  return subtle.verify(params, key, b64url(sig), new TextEncoder().encode(`${h}.${p}`));
}

/** Whether every signature of the case is deterministic (the whole request is then the pinned bytes). */
const deterministic = (c) =>
  ["HS256", "HS384", "HS512", "RS256", "EdDSA", null].includes(c.assertion_alg) && !/ES(256|384)/.test(c.dpop_public_key ? c.name : "");
/** A request's text with each JWT's signature blanked: what the signing inputs pin. */
const unsigned = (text) => text?.replace(/(eyJ[\w-]*\.eyJ[\w-]*\.)[\w-]+/g, "$1SIG") ?? null;

for (const c of cases) {
  test(`signing vector: ${c.name}`, async () => {
    const context = { nowMs: c.context.now_ms, entropy: hex(c.context.entropy), dpopNonce: c.context.dpop_nonce ?? undefined };
    const request = await ccauth.buildSignedTokenRequest(options(c.config), context);
    const dpop = request.headers.find(([n]) => n === "DPoP")?.[1] ?? null;
    assert.equal(unsigned(request.body), unsigned(c.expect.body), "the core's signing inputs, byte for byte");
    assert.equal(unsigned(dpop), unsigned(c.expect.dpop));
    if (deterministic(c)) {
      assert.equal(request.body, c.expect.body, "the same bytes as the core's vector");
      assert.equal(dpop, c.expect.dpop);
    }

    const params = c.config.body_format === "json" ? Object.entries(JSON.parse(request.body)) : [...new URLSearchParams(request.body)];
    const assertion = params.find(([k]) => k === "client_assertion")?.[1];
    if (c.assertion_alg) {
      const keyText = c.assertion_alg.startsWith("HS") ? c.config.client_secret : c.public_key;
      assert.ok(await verify(assertion, keyText), "WebCrypto verifies the assertion");
      const claims = part(assertion, 1);
      assert.equal(part(assertion, 0).alg, c.assertion_alg);
      assert.equal(claims.iss, c.config.client_id);
      assert.equal(claims.sub, c.config.client_id);
      assert.equal(claims.aud, c.config.assertion_audience ?? c.config.token_endpoint);
      assert.equal(claims.exp - claims.iat, (c.config.assertion_lifetime_ms ?? 60000) / 1000);
    } else {
      assert.equal(assertion, undefined);
    }
    if (dpop) {
      assert.ok(await verify(dpop, c.dpop_public_key), "WebCrypto verifies the DPoP proof");
      const header = part(dpop, 0);
      assert.equal(header.typ, "dpop+jwt");
      assert.equal(header.jwk.d, undefined);
      const claims = part(dpop, 1);
      assert.deepEqual([claims.htm, claims.htu, claims.nonce], ["POST", c.config.token_endpoint, c.context.dpop_nonce ?? undefined]);
    }
    // A tampered signature fails: the verification above can fail.
    if (assertion && !c.assertion_alg.startsWith("HS")) {
      const [h, p, s] = assertion.split(".");
      const flipped = `${h}.${p}.${s[0] === "A" ? "B" : "A"}${s.slice(1)}`;
      assert.equal(await verify(flipped, c.public_key).catch(() => false), false);
    }
  });
}

test("buildTokenRequest (synchronous) refuses keys, naming buildSignedTokenRequest; the key is never echoed", () => {
  const rsa = cases.find((c) => c.assertion_alg === "RS256");
  const err = (() => {
    try {
      ccauth.buildTokenRequest(options(rsa.config));
    } catch (e) {
      return e;
    }
  })();
  assert.ok(ccauth.isCcauthError(err));
  assert.equal(err.code, "INVALID_PARAMETER");
  assert.equal(err.field, "privateKey");
  assert.match(err.message, /buildSignedTokenRequest/);
  assert.ok(!err.message.includes("PRIVATE KEY"));
});

test("a certificate gives the assertion x5t#S256 (its SHA-256 thumbprint) and the default kid; keyId wins the kid", async () => {
  // The core hashes the DER as it is; any SEQUENCE stands in for a certificate.
  const der = new Uint8Array([0x30, 0x82, 0x01, 0x00, ...new Array(256).fill(7)]);
  const certificate = `-----BEGIN CERTIFICATE-----\n${btoa(String.fromCharCode(...der))}\n-----END CERTIFICATE-----\n`;
  const digest = new Uint8Array(await subtle.digest("SHA-256", der));
  const thumbprint = btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const privateKey = (await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"])).privateKey;
  const base = { tokenEndpoint: "https://login.example.com/tenant/oauth2/v2.0/token", clientId: "app", authMethod: "private_key_jwt", privateKey, certificate };
  for (const [options, kid] of [[base, thumbprint], [{ ...base, keyId: "k1" }, "k1"]]) {
    const request = await ccauth.buildSignedTokenRequest(options);
    const header = part(new URLSearchParams(request.body).get("client_assertion"), 0);
    assert.equal(header["x5t#S256"], thumbprint);
    assert.equal(header.kid, kid);
  }
  const e = await ccauth.buildSignedTokenRequest({ ...base, certificate: "not base64 at all!" }).then(() => undefined, (x) => x);
  assert.equal(e?.code, "INVALID_KEY");
  assert.equal(e?.field, "certificate");
});
