/**
 * ccauth: the OAuth 2.0 Client Credentials client, in one wasm core shared
 * with Python, Kotlin and Swift.
 *
 * ```ts
 * import { ClientCredentials } from "ccauth";
 * const client = new ClientCredentials({ tokenEndpoint, clientId, clientSecret, scope: ["api.read"] });
 * const res = await client.fetch("https://api.example.com/orders");
 * ```
 */
export { ClientCredentials } from "./client.js";
export { CcauthError, isCcauthError, type CcauthErrorCode, type Challenge } from "./errors.js";
export type { AuthMethod, ClientCredentialsOptions, Pairs } from "./options.js";
export { buildTokenRequest, parseTokenResponse, type TokenRequest, type TokenResponse } from "./sansio.js";
export { AccessToken } from "./token.js";
