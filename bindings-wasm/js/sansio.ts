/** The sans-IO functions: build a token request, parse a response. No network. */
import { ccauthError, ownError, rethrow } from "./errors.js";
import type { HostKey } from "./keys.js";
import { type ClientCredentialsOptions, configDocument, type Keys, type PublicJwks, resolveKeys } from "./options.js";
import { randomBytes, signs } from "./client.js";
import { accessToken, type AccessToken } from "./token.js";
import { core, loadCore } from "./wasm.js";
import type { AdminResult, IntrospectionFields, MetadataResult, PreparedRequest, ServerMetadata, TokenResult } from "./wire.js";

/** Server metadata (RFC 8414) as parsed: the members this client uses, snake_case as sent (the core's type). */
export type { ServerMetadata } from "./wire.js";

/** A token request to send: exact method, URL, headers and body. */
export interface TokenRequest {
  method: "POST" | "GET";
  url: string;
  headers: [string, string][];
  body: string;
}

/** The per-request inputs of a request that signs (client assertion, DPoP proof). */
export interface RequestContext {
  /** The clock, Unix ms (default `Date.now()`). */
  nowMs?: number;
  /** 32 random bytes for the `jti` values and salts (default: fresh from WebCrypto). */
  entropy?: Uint8Array;
  /** The token endpoint's last `DPoP-Nonce`. */
  dpopNonce?: string;
}

/**
 * Builds the token request for `options` (throws a CcauthError for bad
 * options). Configs that sign with the client secret (`client_secret_jwt`)
 * sign at `context.nowMs` with `context.entropy`: the same inputs give the
 * same bytes. A key (`privateKey`, `dpop`) signs with WebCrypto, which is
 * asynchronous: build those requests with {@link buildSignedTokenRequest}.
 */
export function buildTokenRequest(options: ClientCredentialsOptions, context: RequestContext = {}): TokenRequest {
  loadCore();
  try {
    const keys = resolveKeys(options);
    const field = keys.assertion ? "privateKey" : keys.dpop ? "dpop" : undefined;
    if (field !== undefined) {
      const reason = "a key signs with WebCrypto, which is asynchronous: use buildSignedTokenRequest";
      throw ownError({ code: "INVALID_PARAMETER", message: `INVALID_PARAMETER: invalid \`${field}\`: ${reason}`, retryable: false, field, reason });
    }
    return prepared(options, keys, {}, context).request as TokenRequest;
  } catch (e) {
    return rethrow(e);
  }
}

/**
 * Builds the token request for `options`, signing its client assertion and
 * DPoP proof with the configured keys (WebCrypto, or your signer) at
 * `context.nowMs`; rejects with a CcauthError for bad options or keys.
 */
export async function buildSignedTokenRequest(options: ClientCredentialsOptions, context: RequestContext = {}): Promise<TokenRequest> {
  loadCore();
  try {
    const keys = resolveKeys(options);
    const [assertion, dpop] = await Promise.all([keys.assertion?.ready(false), keys.dpop?.ready(true)]);
    const first = prepared(options, keys, { assertion, dpop }, context);
    if (first.signing_inputs.length === 0) return first.request as TokenRequest;
    const ascii = new TextEncoder();
    const keyOf = (purpose: string) => (purpose === "dpop_proof" ? keys.dpop : keys.assertion) as HostKey;
    const signatures = await Promise.all(first.signing_inputs.map((i) => keyOf(i.purpose).sign(ascii.encode(i.input))));
    return prepared(options, keys, { assertion, dpop }, { ...context, nowMs: first.nowMs, entropy: first.entropy }, signatures).request as TokenRequest;
  } catch (e) {
    return rethrow(e);
  }
}

/** The core's request for these inputs: finished, or with what to sign (then built again with the signatures). */
function prepared(options: ClientCredentialsOptions, keys: Keys, publics: PublicJwks, context: RequestContext, signatures: Uint8Array[] = []) {
  // Only a config that signs needs randomness (and WebCrypto, absent in Node 18 by default).
  const entropy = context.entropy ?? (signs(options) ? randomBytes(32) : new Uint8Array(32));
  const nowMs = context.nowMs ?? Date.now();
  const document = configDocument(options, keys, undefined, publics);
  const out = JSON.parse(core.buildTokenRequestAt(document, nowMs, entropy, context.dpopNonce, signatures[0], signatures[1])) as PreparedRequest;
  return { ...out, nowMs, entropy };
}

/** A response as received: status, headers, body bytes (or text). */
export interface TokenResponse {
  status: number;
  headers: [string, string][] | Headers;
  body: Uint8Array | string;
}

/** @internal */
export function headerPairs(headers: [string, string][] | Headers): [string, string][] {
  return Array.isArray(headers) ? headers : [...headers.entries()];
}

/** @internal */
export function bodyBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === "string" ? new TextEncoder().encode(body) : body;
}

/** Parses a token endpoint response received at `nowMs`; throws a CcauthError when it is not a token. */
export function parseTokenResponse(options: ClientCredentialsOptions, response: TokenResponse, nowMs: number = Date.now()): AccessToken {
  loadCore();
  let out: TokenResult;
  try {
    out = JSON.parse(
      core.parseTokenResponse(
        configDocument(options, resolveKeys(options)),
        response.status,
        JSON.stringify(headerPairs(response.headers)),
        bodyBytes(response.body),
        nowMs,
      ),
    );
  } catch (e) {
    return rethrow(e);
  }
  if ("error" in out) throw ccauthError(out.error);
  return accessToken(out.token);
}

/** Reads `issuer`'s metadata response; throws a CcauthError (e.g. `ISSUER_MISMATCH`) when unusable. */
export function parseMetadataResponse(issuer: string, response: TokenResponse, nowMs: number = Date.now()): ServerMetadata {
  loadCore();
  const out = JSON.parse(
    core.parseMetadataResponse(issuer, response.status, JSON.stringify(headerPairs(response.headers)), bodyBytes(response.body), nowMs),
  ) as MetadataResult;
  if ("error" in out) throw ccauthError(out.error);
  // The core checked issuer and token_endpoint and the other members' types.
  return out.metadata;
}

function adminResponse(options: ClientCredentialsOptions, kind: "revocation" | "introspection", response: TokenResponse, nowMs: number): IntrospectionFields | undefined {
  loadCore();
  let out: AdminResult;
  try {
    out = JSON.parse(
      core.parseTokenAdminResponse(
        configDocument(options, resolveKeys(options)), kind, response.status, JSON.stringify(headerPairs(response.headers)), bodyBytes(response.body), nowMs,
      ),
    );
  } catch (e) {
    return rethrow(e);
  }
  if ("error" in out) throw ccauthError(out.error);
  return "introspection" in out ? out.introspection : undefined;
}

/** Reads an introspection answer (RFC 7662): its members, with a boolean `active`. */
export function parseIntrospectionResponse(options: ClientCredentialsOptions, response: TokenResponse, nowMs: number = Date.now()): Record<string, unknown> & { active: boolean } {
  return adminResponse(options, "introspection", response, nowMs) as IntrospectionFields;
}

/** Reads a revocation answer (RFC 7009): any 2xx is success; otherwise throws a CcauthError. */
export function parseRevocationResponse(options: ClientCredentialsOptions, response: TokenResponse, nowMs: number = Date.now()): void {
  adminResponse(options, "revocation", response, nowMs);
}
