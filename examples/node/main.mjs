// ccauth in Node: get a token, call the protected API, see the typed error a
// wrong secret gives. Run by `make demo` against the local authorization server.
import { ClientCredentials, isCcauthError } from "ccauth";

/** @param {string} name */
function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run via scripts/with-auth-server.sh`);
  return value;
}
const tokenEndpoint = env("CCAUTH_TOKEN_ENDPOINT");
const api = env("CCAUTH_API_URL");

const client = new ClientCredentials({
  tokenEndpoint,
  clientId: "ccauth-basic",
  clientSecret: 's3cr3t+/:%&= "~*',
  scopes: ["api.read"],
});
const res = await client.fetch(api);
console.log(`[node] API answered ${res.status} ${await res.text()}`);
const token = await client.getToken();
console.log(`[node] ${token} (logging the token object never prints the token)`);

const wrong = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-basic", clientSecret: "not-the-secret" });
try {
  await wrong.getToken();
} catch (e) {
  if (!isCcauthError(e)) throw e;
  console.log(`[node] wrong secret: ${e.code} (error=${e.error}, status=${e.status})`);
}

// Beyond shared secrets: discovery from the issuer, a private_key_jwt key
// (a JWK; the test key of tests/vectors/keys) and DPoP-bound tokens.
const issuer = env("CCAUTH_ISSUER");
const { readFileSync } = await import("node:fs");
const privateKey = JSON.parse(readFileSync(new URL("../../tests/vectors/keys/p256.jwk.json", import.meta.url), "utf8"));
const signed = await ClientCredentials.discover({ issuer, clientId: "ccauth-es256", authMethod: "private_key_jwt", privateKey, scopes: ["api.read"] });
console.log(`[node] private_key_jwt (ES256) via discovery: API answered ${(await signed.fetch(api)).status}`);
const bound = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-dpop", clientSecret: "dpop-secret-0123456789", dpop: true, scopes: ["api.read"] });
const answer = await bound.fetch(api);
console.log(`[node] DPoP: ${(await bound.getToken()).tokenType} token, API answered ${answer.status} ${await answer.text()}`);
