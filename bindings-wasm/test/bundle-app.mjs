// A small app as a user bundles it for Node (esbuild, webpack; see
// bundlers.mjs): it imports ccauth like any app, runs the shared vectors,
// then fetches a real token from the local authorization server and calls
// its API. Prints one JSON line; on a failure, the error's name and code
// (never a token) and exit code 1.
// Env: CCAUTH_VECTORS, CCAUTH_TOKEN_ENDPOINT, CCAUTH_API_URL.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

import * as ccauth from "ccauth";
import { runVectorCase } from "./vector-cases.mjs";

const { CCAUTH_VECTORS: vectors, CCAUTH_TOKEN_ENDPOINT: tokenEndpoint, CCAUTH_API_URL: api } = process.env;

async function main() {
  const client = new ccauth.ClientCredentials({ tokenEndpoint, clientId: "ccauth-basic", clientSecret: 's3cr3t+/:%&= "~*', scopes: ["api.read"] });
  let count = 0;
  for (const file of readdirSync(vectors).filter((f) => /^(request|response)_.*\.json$|^signing\.json$/.test(f))) {
    const kind = file.replace(/\.json$/, "").split("_")[0];
    for (const c of JSON.parse(readFileSync(join(vectors, file), "utf8")).cases) {
      runVectorCase(ccauth, kind, c);
      count += 1;
    }
  }
  const request = ccauth.buildTokenRequest({ tokenEndpoint, clientId: "ccauth-basic", clientSecret: "x" });
  const response = await client.fetch(api);
  const body = await response.json();
  const token = await client.getToken();
  return { vectors: count, requestMethod: request.method, apiStatus: response.status, apiClient: body.client_id, tokenType: token.tokenType };
}

main().then(
  (result) => console.log(JSON.stringify(result)),
  (e) => {
    console.log(JSON.stringify({ error: e?.name, code: e?.code, isCcauthError: ccauth.isCcauthError(e), instanceOf: e instanceof ccauth.CcauthError, message: e?.message }));
    process.exitCode = 1;
  },
);
