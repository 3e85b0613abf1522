// The same consumer as an ES module ("module": "node16", a .mts file): it
// reads the import-side declarations (.d.ts).
import { AccessToken, CcauthError, ClientCredentials, LIFECYCLE_CHANNEL, buildSignedTokenRequest, buildTokenRequest, isCcauthError, type CcauthErrorCode, type LifecycleEvent, type TokenRequest, type TokenStats } from "ccauth";

const options = { tokenEndpoint: "https://as.example.com/token", clientId: "c", clientSecret: "s" };
export const client = new ClientCredentials(options);
// Keys of every kind, typed: a signer (a KMS), a WebCrypto key pair for DPoP.
export const signed: Promise<TokenRequest> = buildSignedTokenRequest({
  tokenEndpoint: "https://as.example.com/token", clientId: "c", authMethod: "private_key_jwt",
  privateKey: { alg: "ES256", keyId: "k1", sign: async (_alg, _kid, input: Uint8Array) => input },
});
export const withPair = (dpop: CryptoKeyPair): ClientCredentials => new ClientCredentials({ ...options, dpop });
export const token: Promise<AccessToken> = client.getToken();
export const request: TokenRequest = buildTokenRequest(options);
export const code: CcauthErrorCode = "WASM_LOAD_FAILED";
export const describe = (e: unknown): string => (isCcauthError(e) ? `${e.code} ${e.status ?? ""}` : String(e));
// The error's fields are typed: a transport cause is an object, extras a record, not unknown.
export const cause = (e: CcauthError): string | undefined => e.cause?.code ?? e.transportKind ?? e.bodyKind ?? e.field;
export const traceId = (e: CcauthError): unknown => e.extras.trace_id ?? e.requestSent ?? e.dpopNonce ?? e.index;
// Observability: a typed listener, the channel's name, stats, the cool-down's end.
export const observed = new ClientCredentials({
  ...options,
  onEvent: (e: LifecycleEvent) => (e.event === "fetch_failed" ? `${e.code} ${e.untilMs} ${e.traceIds?.join(" ")}` : e.durationMs),
});
export const stats: TokenStats = observed.stats();
export const served: number = stats.tokensServed + (stats.cooldownUntilMs ?? 0);
export const reset: boolean = observed.resetFailure();
export const channel: "ccauth:lifecycle" | string = LIFECYCLE_CHANNEL;
export const until = (e: CcauthError): number | undefined => e.cooldownUntilMs;
export const fromEnv = (): Promise<ClientCredentials> => ClientCredentials.fromEnv({ onEvent: (e) => e.tokenId, timeoutMs: 5_000 });

// What users receive but never build has no public constructor. An unused
// expect-error directive fails the compile, so each line must stay an error.
// @ts-expect-error AccessToken's constructor is private
new AccessToken();
// @ts-expect-error CcauthError's constructor is private (not Error's)
new CcauthError("message");
// @ts-expect-error an event's name is one of six
export const wrongName = (e: LifecycleEvent): boolean => e.event === "fetch_done";
// @ts-expect-error the constructor takes the options alone (discover() passes metadata internally)
new ClientCredentials(options, { issuer: "https://as.example.com", metadata: {} });
