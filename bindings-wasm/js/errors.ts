/** The one error class ccauth throws. Its message never holds a secret or a token. */

import { ENUMS, npmReason, optionName } from "./names.js";
import type { BodyKind, Challenge, CoreError, TransportKind } from "./wire.js";

export type { BodyKind, Challenge, TransportKind };

/** Stable ccauth error codes (the core's `code()`); upper-case, never the server's `error`. */
export type CcauthErrorCode =
  | "INVALID_TOKEN_ENDPOINT" | "INSECURE_ENDPOINT" | "INVALID_CLIENT_ID" | "MISSING_CLIENT_SECRET"
  | "UNEXPECTED_CLIENT_SECRET" | "INVALID_CLIENT_SECRET" | "INVALID_SCOPE" | "INVALID_PARAMETER"
  | "RESERVED_PARAMETER" | "INVALID_HEADER" | "RESERVED_HEADER" | "INVALID_POLICY" | "INVALID_CONFIG_DOCUMENT"
  | "RESPONSE_TOO_LARGE" | "RATE_LIMITED" | "TOKEN_ENDPOINT_ERROR" | "SERVER_ERROR" | "UNEXPECTED_STATUS"
  | "RESPONSE_NOT_JSON" | "INVALID_TOKEN_RESPONSE" | "MISSING_ACCESS_TOKEN" | "INVALID_ACCESS_TOKEN"
  | "UNSUPPORTED_TOKEN_TYPE" | "TRANSPORT_ERROR" | "INVALID_TOKEN_DOCUMENT" | "UNSUPPORTED_TOKEN_DOCUMENT_VERSION"
  | "TOKEN_DOCUMENT_KEY_MISMATCH" | "TOKEN_DOCUMENT_EXPIRED" | "UNKNOWN_TOKEN_KEY"
  | "INVALID_KEY" | "INVALID_CLIENT_ASSERTION" | "INVALID_SIGNATURE" | "INVALID_INTROSPECTION_RESPONSE" | "INVALID_SERVER_METADATA"
  | "ISSUER_MISMATCH" | "NO_RANDOM_SOURCE" | "WASM_LOAD_FAILED";

/** The `cause` of a `TRANSPORT_ERROR`: the platform's short code, never the original error. */
export interface TransportCause {
  /** `ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, `UND_ERR_SOCKET`, `TimeoutError`, … when known. */
  readonly code?: string;
  /** Whether the request had gone out before the failure, when known. */
  readonly requestSent?: boolean;
}

/**
 * Makes a CcauthError from a core report, config field names turned into
 * option names. The constructor is private (users receive these errors,
 * they never build them); this is the package's way in.
 * @internal
 */
export let ccauthError: (core: CoreError) => CcauthError;

/** Makes a CcauthError from a report made here, as is (its field is already an option name). @internal */
export let ownError: (core: CoreError) => CcauthError;

/**
 * Makes the CcauthError of a failure served from the cool-down that ends at
 * `untilMs`: the fetch's error, its message saying until when and how to
 * retry at once. @internal
 */
export let cooldownError: (core: CoreError, untilMs: number) => CcauthError;

/** The core's config message template: `CODE: invalid `field` (item N): reason`. */
const TEMPLATE = /^[A-Z_]+: invalid `[^`]*`(?: \(item (\d+)\))?: ([\s\S]*)$/;

/** A core config error in the package's words: option name, npm advice, allowed values. */
function withOptionNames(core: CoreError): CoreError {
  if (core.field === undefined) return core;
  const field = optionName(core.field);
  const parsed = TEMPLATE.exec(core.message);
  let reason = core.reason ?? parsed?.[2];
  const index = core.index ?? (parsed?.[1] === undefined ? undefined : Number(parsed[1]));
  if (reason === undefined) return { ...core, field };
  reason = npmReason(reason);
  const allowed = ENUMS[field];
  if (allowed && /\bunknown\b/i.test(reason) && !allowed.every((v) => reason?.includes(v))) {
    reason = `${reason}; one of ${allowed.map((v) => `"${v}"`).join(", ")}`;
  }
  const at = index === undefined ? "" : ` (item ${index})`;
  return { ...core, field, reason, index, message: `${core.code}: invalid \`${field}\`${at}: ${reason}` };
}

const some = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export class CcauthError extends Error {
  /** The stable ccauth code, e.g. `TOKEN_ENDPOINT_ERROR`. */
  readonly code: CcauthErrorCode;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** HTTP status of the server's answer, when there was one. */
  readonly status?: number;
  /** The server's RFC 6749 `error` (`invalid_client`, …), when it sent one. */
  readonly error?: string;
  /** The server's `error_description` as written (line breaks kept), secrets and token-like words redacted. */
  readonly errorDescription?: string;
  /** The server's `error_uri`. */
  readonly errorUri?: string;
  /** How long the server asked to wait, in ms. */
  readonly retryAfterMs?: number;
  /** What the answer's body looked like. */
  readonly bodyKind?: BodyKind;
  /** The answer's `Content-Type`. */
  readonly contentType?: string;
  /** The body's length in bytes (the declared `Content-Length` when a body too large was not read). */
  readonly bodyLen?: number;
  /** A short sanitized excerpt of a non-2xx body. */
  readonly excerpt?: string;
  /** Parsed `WWW-Authenticate` challenges. */
  readonly wwwAuthenticate: Challenge[];
  /**
   * The error body's other members (Entra's `error_codes`, `trace_id`,
   * `correlation_id`, `timestamp`, …), parsed; `{}` when none.
   */
  readonly extras: Readonly<Record<string, unknown>>;
  /** The `DPoP-Nonce` of a `use_dpop_nonce` error: the same request with it succeeds. */
  readonly dpopNonce?: string;
  /** For config errors: the option at fault, as you spell it (`tokenEndpoint`, `refresh.minLeewayMs`). */
  readonly field?: string;
  /** For config errors: why, without the option's name. */
  readonly reason?: string;
  /** For config errors about a list option (`scope`, `extraHeaders`, …): the item's position. */
  readonly index?: number;
  /** For `TRANSPORT_ERROR`: how the request failed. */
  readonly transportKind?: TransportKind;
  /** For `TRANSPORT_ERROR`: whether the request had gone out (`undefined` when unknown). */
  readonly requestSent?: boolean;
  /** For `TRANSPORT_ERROR`: the platform's code and whether the request went out (never the original error). */
  declare readonly cause?: TransportCause;
  /**
   * When the error is served from the cool-down after a fetch failed for
   * good: its end (Unix ms). Until then every call gets this error without
   * a token request; `client.resetFailure()` ends it at once.
   */
  readonly cooldownUntilMs?: number;

  private constructor(core: CoreError, cooldownUntilMs?: number) {
    super(
      cooldownUntilMs === undefined
        ? core.message
        : `${core.message} (served from the cool-down until ${new Date(cooldownUntilMs).toISOString()}; resetFailure() retries at once)`,
    );
    this.name = "CcauthError";
    this.code = core.code;
    this.retryable = core.retryable;
    this.status = core.status;
    this.error = some(core.error);
    this.errorDescription = some(core.error_description);
    this.errorUri = some(core.error_uri);
    this.retryAfterMs = some(core.retry_after_ms);
    this.bodyKind = some(core.body_kind);
    this.contentType = some(core.content_type);
    this.bodyLen = some(core.body_len);
    this.excerpt = some(core.excerpt);
    this.wwwAuthenticate = core.www_authenticate ?? [];
    this.extras = core.extras ?? {};
    this.dpopNonce = some(core.dpop_nonce);
    this.field = core.field;
    this.reason = some(core.reason);
    this.index = some(core.index);
    this.transportKind = some(core.transport_kind);
    this.requestSent = some(core.request_sent);
    if (this.transportKind !== undefined) {
      // Like Error's own `cause` (not enumerable); a plain object, so no URL, header or body of the failed request.
      const cause: TransportCause = { code: some(core.cause), requestSent: this.requestSent };
      Object.defineProperty(this, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
    }
    if (cooldownUntilMs !== undefined) this.cooldownUntilMs = cooldownUntilMs;
  }

  static {
    ownError = (core) => new CcauthError(core);
    ccauthError = (core) => new CcauthError(withOptionNames(core));
    cooldownError = (core, untilMs) => new CcauthError(withOptionNames(core), untilMs);
  }
}

/** True for errors thrown by ccauth (works across package copies, unlike `instanceof`). */
export function isCcauthError(value: unknown): value is CcauthError {
  return value instanceof Error && value.name === "CcauthError" && typeof (value as CcauthError).code === "string";
}

/** Rethrows what the wasm layer threw (a JSON string) as a CcauthError. */
export function rethrow(thrown: unknown): never {
  if (typeof thrown === "string") {
    let core: CoreError | undefined;
    try {
      core = JSON.parse(thrown) as CoreError;
    } catch {
      // not ours: fall through
    }
    if (core && typeof core.code === "string") throw ccauthError(core);
  }
  throw thrown;
}

/** The wasm core could not be loaded; `detail` says why and what to do (file paths, never a secret). */
export function wasmLoadFailed(detail: string): CcauthError {
  return ownError({ code: "WASM_LOAD_FAILED", message: `WASM_LOAD_FAILED: ${detail}`, retryable: false });
}
