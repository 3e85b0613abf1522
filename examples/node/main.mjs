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
  scope: ["api.read"],
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
