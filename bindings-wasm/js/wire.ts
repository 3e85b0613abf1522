// Generated from bindings-wasm/src/wire.rs by ts-rs (test wire::tests::typescript_file); do not edit.
// Regenerate from the repository root: CCAUTH_WIRE_TS=bindings-wasm/js/wire.ts cargo test -p ccauth-wasm --lib wire
/** The JSON shapes the wasm exports return or throw (snake_case, from the core). */
import type { CcauthErrorCode } from "./errors.js";

/**
 * An error the core reported: a stable `code`, a message without secrets,
 * and the fields of its kind (response, config or transport errors).
 */
export type CoreError = {
/**
 * The stable upper-case code, e.g. `TOKEN_ENDPOINT_ERROR`.
 */
code: CcauthErrorCode,
/**
 * The core's fixed template filled with non-secret values.
 */
message: string,
/**
 * Whether trying again later may succeed.
 */
retryable: boolean,
/**
 * Config errors: the config field at fault.
 */
field?: string,
/**
 * Config errors: why, without the field's name.
 */
reason?: string,
/**
 * Config errors about a list: the item's position.
 */
index?: number | null,
/**
 * Response errors: the HTTP status.
 */
status?: number,
/**
 * Response errors: the server's RFC 6749 `error`.
 */
error?: string | null,
/**
 * Response errors: the server's `error_description`, sanitized by the core.
 */
error_description?: string | null,
/**
 * Response errors: the server's `error_uri`.
 */
error_uri?: string | null,
/**
 * Response errors: how long the server asked to wait.
 */
retry_after_ms?: number | null,
/**
 * Response errors: what the body looked like.
 */
body_kind?: BodyKind,
/**
 * Response errors: a short sanitized excerpt of a non-2xx body.
 */
excerpt?: string | null,
/**
 * Response errors: the `Content-Type`, as sent.
 */
content_type?: string | null,
/**
 * Response errors: the body's length in bytes.
 */
body_len?: number,
/**
 * Response errors: the error body's other members, sanitized by the core.
 */
extras?: Record<string, unknown>,
/**
 * Response errors: the `DPoP-Nonce` of a `use_dpop_nonce` error.
 */
dpop_nonce?: string | null,
/**
 * Response errors: the parsed `WWW-Authenticate` challenges.
 */
www_authenticate?: Array<Challenge>,
/**
 * Transport errors: how the request failed.
 */
transport_kind?: TransportKind,
/**
 * Transport errors: the platform's short code (`ECONNREFUSED`, …).
 */
cause?: string | null,
/**
 * Transport errors: whether the request had gone out, when known.
 */
request_sent?: boolean | null, };

/**
 * A `WWW-Authenticate` challenge as the core parsed it.
 */
export type Challenge = {
/**
 * The scheme as sent (`Bearer`, `DPoP`, …).
 */
scheme: string,
/**
 * Parameters in order; names lower-cased, quoted values unescaped.
 */
params: Array<[string, string]>, };

/**
 * What a response body looked like.
 */
export type BodyKind = "json" | "form" | "html" | "text" | "empty" | "binary";

/**
 * How a request failed without an HTTP response: no answer in time, no
 * connection (DNS, refused), TLS, a connection reset or closed after the
 * request went out, or anything else.
 */
export type TransportKind = "timeout" | "connect" | "tls" | "reset" | "other";

/**
 * Where a token's expiry came from: `expires_in`, Entra's `expires_on`, the
 * JWT's `exp`, or the default lifetime.
 */
export type ExpirySource = "expires_in" | "expires_on" | "jwt_exp" | "default";

/**
 * A token as the core parsed it, secrets included (the host asked for the token).
 */
export type CoreToken = {
/**
 * The token value.
 */
access_token: string,
/**
 * `token_type` as sent (`Bearer` when the server sent none).
 */
token_type: string,
/**
 * The scheme of the `Authorization` header the core makes for the
 * token (`Bearer`, `DPoP`, or the type as sent): the header is the
 * scheme, a space and `access_token`, so the value crosses once (the
 * driver joins them, `js/token.ts`).
 */
authorization_scheme: string,
/**
 * When it was received (host clock, Unix ms).
 */
issued_at_ms: number,
/**
 * When it expires.
 */
expires_at_ms: number,
/**
 * When the client starts refreshing it.
 */
refresh_at_ms: number,
/**
 * Where the expiry came from.
 */
expiry_source: ExpirySource,
/**
 * Granted scope, when the server stated it.
 */
scope: string | null,
/**
 * A refresh token, if the server sent one.
 */
refresh_token: string | null,
/**
 * An ID token, if the server sent one.
 */
id_token: string | null,
/**
 * The server's `refresh_in` hint, in ms.
 */
refresh_in_ms: number | null,
/**
 * The response's `Date`, when usable.
 */
server_date_ms: number | null,
/**
 * Other members of the response, kept as sent.
 */
extras: Record<string, unknown>,
/**
 * RFC deviations the parser tolerated (`expires_in_string`, …).
 */
deviations: Array<string>, };

/**
 * A request as the core built it: exact method, URL, headers and body.
 */
export type CoreRequest = { method: string, url: string, headers: Array<[string, string]>,
/**
 * Form or JSON text, always UTF-8.
 */
body: string, };

/**
 * A JWS for the host to sign: `input` (ASCII) with `alg`.
 */
export type SigningInput = { purpose: "client_assertion" | "dpop_proof", alg: "RS256" | "PS256" | "ES256" | "ES384" | "EdDSA", key_id?: string, input: string, };

/**
 * A sans-IO token request: finished, or waiting for `signing_inputs`'
 * signatures (then built again with them).
 */
export type PreparedRequest = { request: CoreRequest, signing_inputs: Array<SigningInput>, };

/**
 * The right to send one token request; its outcome is reported by `id`.
 */
export type Ticket = { id: number, attempt: number, request: CoreRequest,
/**
 * The host adds a client assertion it holds (`requestWithAssertion`) before sending.
 */
needs_client_assertion: boolean,
/**
 * What the host signs first (a host-signed key: client assertion,
 * then DPoP proof); the signatures go to `completeRequest`.
 */
signing_inputs: Array<SigningInput>, };

/**
 * The core's answer to `poll`: a token with the span it holds for, a
 * ticket to run, how long to wait, or an error.
 */
export type Decision = { "decision": "ready", token: CoreToken, valid_from_ms: number, valid_until_ms: number, } | { "decision": "fetch", ticket: Ticket, } | { "decision": "refresh_ahead", token: CoreToken, ticket: Ticket, } | { "decision": "wait", until_ms: number, wait_ms: number, } | { "decision": "failed", error: CoreError, cooldown_until_ms?: number, };

/**
 * The core's report of a ticket's outcome: a token comes with the span a
 * poll would answer "ready" with it.
 */
export type Outcome = { "outcome": "token", token: CoreToken, valid_from_ms: number, valid_until_ms: number, } | { "outcome": "retry_scheduled", at_ms: number, error: CoreError, } | { "outcome": "failed", until_ms: number, error: CoreError, } | { "outcome": "stale" };

/**
 * The core's headers for an API call: `reusable` when they hold for every
 * call with this token (no per-call DPoP proof); the API's answers the core
 * must see (`apiResponse`) are those with a status or a header listed here.
 */
export type ApiHeaders = {
/**
 * `Authorization`, and `DPoP` for a DPoP-bound token.
 */
headers: Record<string, string>,
/**
 * The DPoP proof to sign (a host-signed key): its signature goes to
 * `dpopProofWithSignature`, and the proof into the `DPoP` header.
 */
dpop_to_sign?: SigningInput, reusable: boolean, report_statuses: Array<number>, report_headers: Array<string>, };

/**
 * The core's verdict on an API's answer (`apiResponse` returns it as plain text).
 */
export type ApiVerdict = "done" | "retry_with_nonce" | "retry_with_new_token";

/**
 * The metadata members this client uses. Unknown members are ignored.
 */
export type ServerMetadata = {
/**
 * The issuer identifier, equal to the one asked for.
 */
issuer: string,
/**
 * The token endpoint.
 */
token_endpoint: string,
/**
 * Client authentication methods the token endpoint accepts.
 */
token_endpoint_auth_methods_supported?: Array<string>,
/**
 * JWS algorithms accepted for client assertions.
 */
token_endpoint_auth_signing_alg_values_supported?: Array<string>,
/**
 * RFC 7009 endpoint.
 */
revocation_endpoint?: string,
/**
 * RFC 7662 endpoint.
 */
introspection_endpoint?: string,
/**
 * JWS algorithms accepted for DPoP proofs.
 */
dpop_signing_alg_values_supported?: Array<string>, };

/**
 * The core's discovery sequence: the next request, the metadata, or an error.
 */
export type DiscoveryStep = { "step": "send", request: CoreRequest, } | { "step": "done",
/**
 * The server metadata as the core serializes it (snake_case, as sent).
 */
metadata: ServerMetadata, } | { "step": "failed", error: CoreError, };

/**
 * A token response read by `parseTokenResponse`.
 */
export type TokenResult = { "token": CoreToken } | { "error": CoreError };

/**
 * A metadata response read by `parseMetadataResponse`.
 */
export type MetadataResult = { "metadata": ServerMetadata } | { "error": CoreError };

/**
 * An introspection answer's members as sent (RFC 7662), with a boolean `active`.
 */
export type IntrospectionFields = Record<string, unknown> & { active: boolean };

/**
 * A revocation or introspection answer read by `parseTokenAdminResponse`.
 */
export type AdminResult = { "ok": boolean } | { "introspection": IntrospectionFields } | { "error": CoreError };
