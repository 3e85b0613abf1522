/** The one error class ccauth throws. Its message never holds a secret or a token. */

/** Stable ccauth error codes (the core's `code()`); upper-case, never the server's `error`. */
export type CcauthErrorCode =
  | "INVALID_TOKEN_ENDPOINT" | "INSECURE_ENDPOINT" | "INVALID_CLIENT_ID" | "MISSING_CLIENT_SECRET"
  | "UNEXPECTED_CLIENT_SECRET" | "INVALID_CLIENT_SECRET" | "INVALID_SCOPE" | "INVALID_PARAMETER"
  | "RESERVED_PARAMETER" | "INVALID_HEADER" | "RESERVED_HEADER" | "INVALID_POLICY" | "INVALID_CONFIG_DOCUMENT"
  | "RESPONSE_TOO_LARGE" | "RATE_LIMITED" | "TOKEN_ENDPOINT_ERROR" | "SERVER_ERROR" | "UNEXPECTED_STATUS"
  | "RESPONSE_NOT_JSON" | "INVALID_TOKEN_RESPONSE" | "MISSING_ACCESS_TOKEN" | "INVALID_ACCESS_TOKEN"
  | "TRANSPORT_ERROR" | "INVALID_TOKEN_DOCUMENT" | "UNSUPPORTED_TOKEN_DOCUMENT_VERSION"
  | "TOKEN_DOCUMENT_KEY_MISMATCH" | "TOKEN_DOCUMENT_EXPIRED" | "UNKNOWN_TOKEN_KEY"
  | "INVALID_KEY" | "INVALID_CLIENT_ASSERTION" | "INVALID_INTROSPECTION_RESPONSE" | "INVALID_SERVER_METADATA"
  | "ISSUER_MISMATCH" | "NO_RANDOM_SOURCE" | "WASM_LOAD_FAILED";

/** A `WWW-Authenticate` challenge as the core parsed it. */
export interface Challenge {
  scheme: string;
  params: [string, string][];
}

/** The error shape the wasm layer reports (snake_case, from the core). */
export interface CoreError {
  code: CcauthErrorCode;
  message: string;
  retryable: boolean;
  field?: string;
  status?: number;
  error?: string | null;
  error_description?: string | null;
  error_uri?: string | null;
  retry_after_ms?: number | null;
  body_kind?: string;
  excerpt?: string | null;
  www_authenticate?: Challenge[];
}

/**
 * Makes a CcauthError from a core report. The constructor is private (users
 * receive these errors, they never build them); this is the package's way in.
 * @internal
 */
export let ccauthError: (core: CoreError) => CcauthError;

export class CcauthError extends Error {
  /** The stable ccauth code, e.g. `TOKEN_ENDPOINT_ERROR`. */
  readonly code: CcauthErrorCode;
  /** HTTP status of the token endpoint's answer, when there was one. */
  readonly status?: number;
  /** The server's RFC 6749 `error` (`invalid_client`, …), when it sent one. */
  readonly error?: string;
  /** The server's `error_description`, sanitized. */
  readonly errorDescription?: string;
  /** The server's `error_uri`. */
  readonly errorUri?: string;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  /** How long the server asked to wait, in ms. */
  readonly retryAfterMs?: number;
  /** For config errors: the option at fault (snake_case, as in the core). */
  readonly field?: string;
  /** Parsed `WWW-Authenticate` challenges. */
  readonly wwwAuthenticate: Challenge[];
  /** A short sanitized excerpt of a non-2xx body. */
  readonly excerpt?: string;

  private constructor(core: CoreError) {
    super(core.message);
    this.name = "CcauthError";
    this.code = core.code;
    this.status = core.status;
    this.error = core.error ?? undefined;
    this.errorDescription = core.error_description ?? undefined;
    this.errorUri = core.error_uri ?? undefined;
    this.retryable = core.retryable;
    this.retryAfterMs = core.retry_after_ms ?? undefined;
    this.field = core.field;
    this.wwwAuthenticate = core.www_authenticate ?? [];
    this.excerpt = core.excerpt ?? undefined;
  }

  static {
    ccauthError = (core) => new CcauthError(core);
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
  return ccauthError({ code: "WASM_LOAD_FAILED", message: `WASM_LOAD_FAILED: ${detail}`, retryable: false });
}
