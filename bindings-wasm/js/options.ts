/** Options, in camelCase, their checks, and their translation to the core's config document. */
import { type CoreError, ownError } from "./errors.js";
import { closest, NESTED, OPTIONS } from "./names.js";

/** How the client authenticates at the token endpoint. */
export type AuthMethod =
  | "client_secret_basic"
  | "client_secret_post"
  | "client_secret_jwt"
  | "private_key_jwt"
  | "tls_client_auth"
  | "none";

/** A JWS algorithm for client assertions. RS256, PS256, ES384 and EdDSA need `ccauth/full`. */
export type SigningAlg = "HS256" | "HS384" | "HS512" | "RS256" | "PS256" | "ES256" | "ES384" | "EdDSA";

/**
 * A private key: a JWK object (e.g. from `crypto.subtle.exportKey("jwk", …)`)
 * or a PKCS#8 PEM string (PEM needs `ccauth/full`).
 */
export type KeyInput = JsonWebKey | string;

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
  /** The private key for `private_key_jwt` (RFC 7523). */
  privateKey?: KeyInput;
  /** The assertion's `alg`: `client_secret_jwt` default HS256; `private_key_jwt` takes the key's. */
  clientAssertionAlg?: SigningAlg;
  /** The `kid` header of client assertions. */
  keyId?: string;
  /** The assertions' `aud`: default the token endpoint (the issuer after discovery). */
  assertionAudience?: string;
  /** Lifetime of each client assertion, 1 s to 5 min (default 60 s). */
  assertionLifetimeMs?: number;
  /**
   * `private_key_jwt` with an assertion minted elsewhere (workload identity:
   * a Kubernetes service-account token, a cloud federated credential). Called
   * for every token request; an expired assertion is never sent.
   */
  clientAssertion?: () => string | Promise<string>;
  /** DPoP (RFC 9449): `true` for a new ES256 key, or the key to prove with. */
  dpop?: boolean | KeyInput;
  /** RFC 7009 endpoint for `revoke()` (discovery fills it in). */
  revocationEndpoint?: string;
  /** RFC 7662 endpoint for `introspect()` (discovery fills it in). */
  introspectionEndpoint?: string;
  /**
   * Refresh on a timer, before the token's refresh time, so that an idle
   * service's next call never waits for a token request. Default `false`
   * (the token is refreshed when a call asks for it). The timer does not
   * keep the process alive; `close()` stops it.
   */
  proactiveRefresh?: boolean;
  /** The `fetch` to use (proxies, custom agents, mTLS). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Abort a token request after this many ms (default 10 000). */
  timeoutMs?: number;
}

const pairs = (p: Pairs | undefined): [string, string][] =>
  p === undefined ? [] : Array.isArray(p) ? p : Object.entries(p);

const drop = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** What discovery adds to a config document (from {@link ClientCredentials.discover}). @internal */
export interface Discovered {
  issuer: string;
  metadata: Record<string, unknown>;
}

/** A key as the config document takes it. */
const keyValue = (k: KeyInput | undefined): unknown => k;

type Check = (value: unknown) => string | undefined;

const isString = (v: unknown): v is string => typeof v === "string";
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const string: Check = (v) => (isString(v) ? undefined : "must be a string");
const boolean: Check = (v) => (typeof v === "boolean" ? undefined : "must be true or false");
const func: Check = (v) => (typeof v === "function" ? undefined : "must be a function");
/** A whole number the core's integer type holds (`max`: u8, u32, or the largest exact double). */
const whole = (max = Number.MAX_SAFE_INTEGER): Check => (v) =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && v <= max ? undefined : `must be a whole number from 0 to ${max}`;
const positive: Check = (v) => (typeof v === "number" && v > 0 && Number.isFinite(v) ? undefined : "must be a number above 0");
const strings: Check = (v) =>
  isString(v) || (Array.isArray(v) && v.every(isString)) ? undefined : "must be a string or an array of strings";
const namePairs: Check = (v) =>
  (Array.isArray(v) ? v.every((p) => Array.isArray(p) && p.length === 2 && isString(p[0]) && isString(p[1])) : isObject(v) && Object.values(v).every(isString))
    ? undefined
    : "must be an object of strings or an array of [name, value] string pairs";
const key: Check = (v) => (isString(v) || isObject(v) ? undefined : "must be a JWK object or a PEM string");
const dpop: Check = (v) => (typeof v === "boolean" || !key(v) ? undefined : "must be true, false, a JWK object or a PEM string");

/** The type each option must have (values are the core's to judge). */
const CHECKS: Readonly<Record<keyof ClientCredentialsOptions, Check>> = {
  tokenEndpoint: string,
  clientId: string,
  clientSecret: string,
  authMethod: string,
  basicAuthEncoding: string,
  scope: strings,
  includeScope: boolean,
  audience: string,
  resource: strings,
  extraBodyParams: namePairs,
  extraQueryParams: namePairs,
  extraHeaders: namePairs,
  bodyFormat: string,
  dangerAcceptInsecureHttp: boolean,
  maxResponseBytes: whole(0xffff_ffff),
  refresh: (v) => (isObject(v) ? undefined : "must be an object"),
  retry: (v) => (isObject(v) ? undefined : "must be an object"),
  privateKey: key,
  clientAssertionAlg: string,
  keyId: string,
  assertionAudience: string,
  assertionLifetimeMs: whole(),
  clientAssertion: func,
  dpop,
  revocationEndpoint: string,
  introspectionEndpoint: string,
  proactiveRefresh: boolean,
  fetch: func,
  timeoutMs: positive,
};

const NESTED_CHECKS: Readonly<Partial<Record<string, Check>>> = { leewayPercent: whole(0xff), maxAttempts: whole(0xffff_ffff) };

/** A config error made here: the option's own name, never its value. */
function refuse(field: string, reason: string, message = `INVALID_CONFIG_DOCUMENT: invalid \`${field}\`: ${reason}`): never {
  const error: CoreError = { code: "INVALID_CONFIG_DOCUMENT", message, retryable: false, field, reason };
  throw ownError(error);
}

/** Refuses an option this package does not have, naming the closest one it has. */
function unknownOption(name: string, known: readonly string[], hint?: string): never {
  const near = closest(name, known);
  const advice = hint ?? (near ? `did you mean \`${near}\`?` : `the options are ${known.join(", ")}`);
  refuse(name, `unknown option; ${advice}`, `INVALID_CONFIG_DOCUMENT: unknown option \`${name}\`; ${advice}`);
}

/**
 * Checks the options' names and types before the core sees them: an unknown
 * option (`scopes` for `scope`) is refused with the closest known name
 * instead of being ignored, a missing required option is named, and a value
 * of the wrong type names its option. `extra` lists other accepted names
 * (`issuer` for discovery). @internal
 */
export function checkOptions(o: unknown, extra: readonly string[] = []): void {
  if (!isObject(o)) refuse("options", "must be an object", "INVALID_CONFIG_DOCUMENT: the options must be an object");
  const known = [...Object.keys(OPTIONS), ...extra];
  for (const [name, value] of Object.entries(o)) {
    if (!known.includes(name)) {
      unknownOption(name, known, name === "issuer" ? "an issuer is for `ClientCredentials.discover({ issuer, … })`" : undefined);
    }
    if (value === undefined) continue;
    const check = (CHECKS as Record<string, Check | undefined>)[name] ?? string;
    const reason = check(value);
    if (reason) refuse(name, reason);
    const members = NESTED[name];
    if (members) {
      for (const [member, v] of Object.entries(value as Record<string, unknown>)) {
        if (!(member in members)) unknownOption(`${name}.${member}`, Object.keys(members).map((m) => `${name}.${m}`));
        if (v === undefined) continue;
        const why = (NESTED_CHECKS[member] ?? whole())(v);
        if (why) refuse(`${name}.${member}`, why);
      }
    }
  }
  for (const name of ["clientId", ...(extra.includes("issuer") ? ["issuer"] : ["tokenEndpoint"])]) {
    if (o[name] === undefined) refuse(name, "required, missing", `INVALID_CONFIG_DOCUMENT: missing option \`${name}\` (required)`);
  }
}

/** The core's config document (snake_case), as JSON text. `dpopKey` is the resolved DPoP key. @internal */
export function configDocument(o: ClientCredentialsOptions, dpopKey?: KeyInput, discovered?: Discovered): string {
  checkOptions(o);
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
      private_key: keyValue(o.privateKey),
      client_assertion_alg: o.clientAssertionAlg,
      external_client_assertion: o.clientAssertion ? true : undefined,
      key_id: o.keyId,
      assertion_audience: o.assertionAudience,
      assertion_lifetime_ms: o.assertionLifetimeMs,
      dpop_key: keyValue(dpopKey ?? (typeof o.dpop === "object" || typeof o.dpop === "string" ? o.dpop : undefined)),
      revocation_endpoint: o.revocationEndpoint,
      introspection_endpoint: o.introspectionEndpoint,
      proactive_refresh: o.proactiveRefresh,
      issuer: discovered?.issuer,
      server_metadata: discovered?.metadata,
    }),
  );
}
