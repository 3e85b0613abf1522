/** Options, in camelCase, and their translation to the core's config document. */

/** How the client authenticates at the token endpoint. */
export type AuthMethod = "client_secret_basic" | "client_secret_post" | "tls_client_auth" | "none";

/** Name/value pairs: an object or a list (a list keeps duplicates and order). */
export type Pairs = Record<string, string> | [string, string][];

export interface ClientCredentialsOptions {
  /** The token endpoint URL. Must be https, except for loopback hosts. */
  tokenEndpoint: string;
  /** The client id. */
  clientId: string;
  /** The client secret (for `client_secret_basic` and `client_secret_post`). */
  clientSecret?: string;
  /** Client authentication; default `client_secret_basic`. */
  authMethod?: AuthMethod;
  /** Basic credentials: `form_urlencoded` per RFC 6749 §2.3.1 (default), or `raw` for servers that do not decode (UAA, Epic Games). */
  basicAuthEncoding?: "form_urlencoded" | "raw";
  /** Scopes to request (an array, or one space-delimited string). */
  scope?: string[] | string;
  /** `false` leaves `scope` out of the request even when set. Default `true`. */
  includeScope?: boolean;
  /** The `audience` parameter (Auth0 and others). */
  audience?: string;
  /** RFC 8707 resource indicator(s): absolute URIs. */
  resource?: string | string[];
  /** Extra body parameters, sent after the standard ones. */
  extraBodyParams?: Pairs;
  /** Extra query parameters for the token URL. */
  extraQueryParams?: Pairs;
  /** Extra request headers for the token request; an `Accept` replaces the default. */
  extraHeaders?: Pairs;
  /** Body format: `form` (default) or `json`. */
  bodyFormat?: "form" | "json";
  /** Allows plain http to a non-loopback token endpoint. Sends credentials in clear text. */
  dangerAcceptInsecureHttp?: boolean;
  /** Largest token response accepted, in bytes (default 1 MiB). */
  maxResponseBytes?: number;
  /** When to refresh: leeway = min(max(lifetime·leewayPercent/100, minLeewayMs), maxLeewayMs, lifetime/2). */
  refresh?: { minLeewayMs?: number; maxLeewayMs?: number; leewayPercent?: number; defaultLifetimeMs?: number };
  /** Retries of the token request: default 3 attempts, 60 s of waiting, 30 s cool-down after permanent failures. */
  retry?: { maxAttempts?: number; maxWaitMs?: number; failureCooldownMs?: number; attemptTimeoutMs?: number };
  /** The `fetch` to use (proxies, custom agents, mTLS). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Abort a token request after this many ms (default 10 000). */
  timeoutMs?: number;
}

const pairs = (p: Pairs | undefined): [string, string][] =>
  p === undefined ? [] : Array.isArray(p) ? p : Object.entries(p);

const drop = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The core's config document (snake_case), as JSON text. */
export function configDocument(o: ClientCredentialsOptions): string {
  const scopes = o.scope === undefined ? [] : Array.isArray(o.scope) ? o.scope : o.scope.split(" ").filter(Boolean);
  return JSON.stringify(
    drop({
      token_endpoint: o.tokenEndpoint,
      client_id: o.clientId,
      client_secret: o.clientSecret,
      auth_method: o.authMethod,
      basic_auth_encoding: o.basicAuthEncoding,
      scopes,
      include_scope: o.includeScope,
      audience: o.audience,
      resources: o.resource === undefined ? [] : Array.isArray(o.resource) ? o.resource : [o.resource],
      extra_body_params: pairs(o.extraBodyParams),
      extra_query_params: pairs(o.extraQueryParams),
      extra_headers: pairs(o.extraHeaders),
      body_format: o.bodyFormat,
      danger_accept_insecure_http: o.dangerAcceptInsecureHttp,
      max_response_bytes: o.maxResponseBytes,
      refresh: o.refresh &&
        drop({
          min_leeway_ms: o.refresh.minLeewayMs,
          max_leeway_ms: o.refresh.maxLeewayMs,
          leeway_percent: o.refresh.leewayPercent,
          default_lifetime_ms: o.refresh.defaultLifetimeMs,
        }),
      retry: o.retry &&
        drop({
          max_attempts: o.retry.maxAttempts,
          max_wait_ms: o.retry.maxWaitMs,
          failure_cooldown_ms: o.retry.failureCooldownMs,
          attempt_timeout_ms: o.retry.attemptTimeoutMs,
        }),
    }),
  );
}
