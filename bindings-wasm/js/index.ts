/**
 * ccauth: the OAuth 2.0 Client Credentials client, in one wasm core shared
 * with Python, Kotlin and Swift.
 *
 * ```ts
 * import { ClientCredentials } from "ccauth";
 * const client = new ClientCredentials({ tokenEndpoint, clientId, clientSecret, scopes: ["api.read"] });
 * const res = await client.fetch("https://api.example.com/orders");
 * ```
 */
export { ClientCredentials, type DiscoveryOptions, type Introspection } from "./client.js";
export { deleteIfEqualsScript, RedisStore, type Store, type StoreKeys } from "./fleet.js";
export { LIFECYCLE_CHANNEL, type LifecycleEvent, type LifecycleEventName, type LifecycleListener, type TokenStats } from "./events.js";
export {
  type BodyKind,
  CcauthError,
  type CcauthErrorCode,
  type Challenge,
  isCcauthError,
  type TransportCause,
  type TransportKind,
} from "./errors.js";
export type {
  AuthMethod,
  ClientAuthOptions,
  ClientCredentialsOptions,
  CommonOptions,
  HmacAlg,
  KeyAlg,
  KeyInput,
  OptionName,
  Pairs,
  Signer,
  SigningAlg,
} from "./options.js";
export {
  buildSignedTokenRequest,
  buildTokenRequest,
  parseIntrospectionResponse,
  parseMetadataResponse,
  parseRevocationResponse,
  parseTokenResponse,
  type RequestContext,
  type ServerMetadata,
  type TokenRequest,
  type TokenResponse,
} from "./sansio.js";
export { AccessToken, type ExpirySource } from "./token.js";
