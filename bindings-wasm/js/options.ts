/** Options, in camelCase, their checks, and their translation to the core's config document. */
import { ownError } from "./errors.js";
import type { CoreError, ServerMetadata } from "./wire.js";
import { closest, NESTED, OPTIONS, snakeKeys } from "./names.js";
import type { LifecycleListener } from "./events.js";
import type { Store } from "./fleet.js";
import { generatedDpopKey, type HostKey, hostKey, isKeyInput, type KeyAlg, type KeyInput, placeholderJwk } from "./keys.js";

export type { KeyAlg, KeyInput, Signer } from "./keys.js";

/** How the client authenticates at the token endpoint. */
export type AuthMethod =
  | "client_secret_basic"
  | "client_secret_post"
  | "client_secret_jwt"
  | "private_key_jwt"
  | "tls_client_auth"
  | "none";

/** An HMAC algorithm, for `client_secret_jwt`. */
export type HmacAlg = "HS256" | "HS384" | "HS512";

/** A JWS algorithm for client assertions. */
export type SigningAlg = HmacAlg | KeyAlg;

/** Name/value pairs: an object or a list (a list keeps duplicates and order). */
export type Pairs = Record<string, string> | [string, string][];

/** Every credential field of {@link ClientAuthOptions}; each method takes some and forbids the others. */
interface AuthFields {
  authMethod: AuthMethod;
  clientSecret: string;
  basicAuthEncoding: "form_urlencoded" | "raw";
  clientAssertionAlg: SigningAlg;
  privateKey: KeyInput;
  keyId: string;
  certificate: string;
  clientAssertion: () => string | Promise<string>;
}

/** One method's fields; the other methods' fields are `never`, so mixing them does not compile. */
type Auth<T extends Partial<AuthFields>> = T & { [K in Exclude<keyof AuthFields, keyof T>]?: never };

/**
 * Client authentication: `authMethod` and the credential it takes (the
 * core's `ClientAuth`). Without `authMethod`, a `clientSecret` means
 * `client_secret_basic` (after discovery: the first of basic, post and
 * secret JWT the server supports).
 */
export type ClientAuthOptions =
  | Auth<{
    authMethod?: "client_secret_basic";
    /** The client secret. */
    clientSecret: string;
    /** `form_urlencoded` per RFC 6749 §2.3.1 (default), or `raw` for servers that do not decode (UAA, Epic Games). */
    basicAuthEncoding?: "form_urlencoded" | "raw";
  }>
  | Auth<{ authMethod: "client_secret_post"; clientSecret: string }>
  | Auth<{
    authMethod: "client_secret_jwt";
    /** The HMAC key. */
    clientSecret: string;
    /** Default HS256 (after discovery: the first the server supports). */
    clientAssertionAlg?: HmacAlg;
  }>
  | Auth<{
    authMethod: "private_key_jwt";
    /** The key that signs client assertions (RFC 7523). */
    privateKey: KeyInput;
    /** The `kid` header of client assertions (default: the JWK's or signer's own `kid`, else the certificate's thumbprint). */
    keyId?: string;
    /**
     * The key's X.509 certificate (PEM), for servers that identify the key by
     * it (Microsoft Entra ID): its SHA-256 thumbprint is the assertions'
     * `x5t#S256` header, and their `kid` unless `keyId` says otherwise.
     */
    certificate?: string;
    /** The key's algorithm, for keys that allow several (an RSA key: RS256 or PS256). */
    clientAssertionAlg?: KeyAlg;
  }>
  | Auth<{
    authMethod: "private_key_jwt";
    /**
     * An assertion minted elsewhere (workload identity: a Kubernetes
     * service-account token, a cloud federated credential). Called for every
     * token request; an expired assertion is never sent.
     */
    clientAssertion: () => string | Promise<string>;
    /** The assertions' `alg` (default RS256). */
    clientAssertionAlg?: KeyAlg;
  }>
  | Auth<{ authMethod: "tls_client_auth" }>
  | Auth<{ authMethod: "none" }>;

/** The options of every client, whatever its authentication (docs/OPTIONS.md). */
export interface CommonOptions {
  /** The token endpoint URL. Must be https, except for loopback hosts. */
  tokenEndpoint: string;
  /** The client id. */
  clientId: string;
  /** Scopes to request, sent space-joined as `scope`. */
  scopes?: string[];
  /** `false` leaves `scope` out of the request (the scopes still key the cache). Default `true`. */
  includeScope?: boolean;
  /** The `audience` parameter (Auth0 and others). */
  audience?: string;
  /** RFC 8707 resource indicators (absolute URIs), each sent as `resource`. */
  resources?: string[];
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
  /** The assertions' `aud`: default the token endpoint (the issuer after discovery). */
  assertionAudience?: string;
  /** Lifetime of each client assertion, 1 s to 5 min (default 60 s). */
  assertionLifetimeMs?: number;
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
  /**
   * Called with each lifecycle event (a token request started, succeeded,
   * retried, failed; a token dropped; a failure reset), a plain camelCase
   * object with no secret or token in it. Never called for a call served
   * from the cache. What it throws or rejects with is ignored. The same
   * events go to `node:diagnostics_channel`'s `ccauth:lifecycle` channel.
   */
  onEvent?: LifecycleListener;
  /**
   * A fleet store ({@link RedisStore}, or any {@link Store}): processes
   * sharing it make one token request per refresh between them. Read only
   * when this client's cache needs a token; entries sealed by the core
   * (AES-256-GCM, under a key derived from the client's secret and
   * `storeKey`). A failing or slow store means fetching alone, never an error.
   * Not with `dpop` (a DPoP token is bound to one process's key).
   */
  store?: Store;
  /**
   * An extra key (at least 16 bytes; a string is taken as UTF-8) mixed into
   * the sealing key; required when the client holds no secret (a private
   * key, an external assertion, mTLS, a public client).
   */
  storeKey?: string | Uint8Array;
  /** A store command slower than this (ms) counts as a failed store. Default 500. */
  storeTimeoutMs?: number;
}

/** A client's options: the common ones and one client authentication. */
export type ClientCredentialsOptions = CommonOptions & ClientAuthOptions;

/** Every option name. */
export type OptionName = keyof CommonOptions | keyof AuthFields;

/** What discovery adds to a config document (from {@link ClientCredentials.discover}). @internal */
export interface Discovered {
  issuer: string;
  metadata: ServerMetadata;
}

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
const strings: Check = (v) => (Array.isArray(v) && v.every(isString) ? undefined : "must be an array of strings");
const namePairs: Check = (v) =>
  (Array.isArray(v) ? v.every((p) => Array.isArray(p) && p.length === 2 && isString(p[0]) && isString(p[1])) : isObject(v) && Object.values(v).every(isString))
    ? undefined
    : "must be an object of strings or an array of [name, value] string pairs";
const key: Check = (v) => (isKeyInput(v) ? undefined : "must be a CryptoKey, a CryptoKeyPair, a JWK object, a PEM string or a signer");
const dpop: Check = (v) => (typeof v === "boolean" || !key(v) ? undefined : "must be true, false, or a key (a CryptoKeyPair, a JWK object, a PEM string or a signer)");

/** What a fleet store does (js/fleet.ts `Store`). */
const STORE_METHODS = ["get", "setIfAbsent", "set", "deleteIfEquals"] as const;

/** The type each option must have (values are the core's to judge). */
const CHECKS: Readonly<Record<OptionName, Check>> = {
  tokenEndpoint: string,
  clientId: string,
  clientSecret: string,
  authMethod: string,
  basicAuthEncoding: string,
  scopes: strings,
  includeScope: boolean,
  audience: string,
  resources: strings,
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
  certificate: string,
  assertionAudience: string,
  assertionLifetimeMs: whole(),
  clientAssertion: func,
  dpop,
  revocationEndpoint: string,
  introspectionEndpoint: string,
  proactiveRefresh: boolean,
  fetch: func,
  timeoutMs: positive,
  onEvent: func,
  store: (v) =>
    isObject(v) && STORE_METHODS.every((m) => typeof v[m] === "function") ? undefined : `must be a store: an object with ${STORE_METHODS.join(", ")} methods`,
  storeKey: (v) => (isString(v) || v instanceof Uint8Array ? undefined : "must be a string or a Uint8Array"),
  storeTimeoutMs: positive,
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
 * option (`scope` for `scopes`) is refused with the closest known name
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
        if (!members.includes(member)) unknownOption(`${name}.${member}`, members.map((m) => `${name}.${m}`));
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

/** The document value of these options' values (the others are the same). */
const VALUES: Readonly<Partial<Record<OptionName, (value: never) => unknown>>> = {
  extraBodyParams: (p: Pairs) => (Array.isArray(p) ? p : Object.entries(p)),
  extraQueryParams: (p: Pairs) => (Array.isArray(p) ? p : Object.entries(p)),
  extraHeaders: (p: Pairs) => (Array.isArray(p) ? p : Object.entries(p)),
  refresh: snakeKeys,
  retry: snakeKeys,
  clientAssertion: () => true, // the source stays here; the core knows the assertion comes from the host
  // Keys stay here (WebCrypto signs): the core gets their algorithm and public half (`Keys`).
  privateKey: () => undefined,
  dpop: () => undefined,
};

/** The key options, resolved: what signs client assertions and DPoP proofs. @internal */
export interface Keys {
  assertion?: HostKey;
  dpop?: HostKey;
}

/** Resolves the key options (their WebCrypto import waits for first use). @internal */
export function resolveKeys(o: ClientCredentialsOptions): Keys {
  const alg = o.clientAssertionAlg?.startsWith("HS") ? undefined : (o.clientAssertionAlg as KeyAlg | undefined);
  return {
    assertion: o.privateKey === undefined ? undefined : hostKey(o.privateKey, alg, "privateKey"),
    dpop: o.dpop === true ? generatedDpopKey() : o.dpop === undefined || o.dpop === false ? undefined : hostKey(o.dpop, undefined, "dpop"),
  };
}

/** The public JWKs `ready()` found, for keys that did not know theirs at once. @internal */
export interface PublicJwks {
  assertion?: JsonWebKey;
  dpop?: JsonWebKey;
}

/**
 * The core's config document, as JSON text: each option under its document
 * name (names.ts), the driver's own left out; keys as their algorithm and
 * public JWK (`publics`: those found since). @internal
 */
export function configDocument(options: ClientCredentialsOptions, keys: Keys = {}, discovered?: Discovered, publics: PublicJwks = {}): string {
  checkOptions(options);
  const document: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(options)) {
    const member = OPTIONS[name as OptionName];
    const transform = VALUES[name as OptionName] as ((v: unknown) => unknown) | undefined;
    if (member !== null && value !== undefined) document[member] = transform ? transform(value) : value;
  }
  const { assertion, dpop } = keys;
  if (assertion) {
    document.host_signed_key = { alg: assertion.alg, public_jwk: publics.assertion ?? assertion.publicJwk };
    if (options.keyId === undefined && assertion.kid !== undefined) document.key_id = assertion.kid;
  }
  // Until `ready()` gives a WebCrypto key's public half, a stand-in lets the core check the rest.
  if (dpop) document.host_signed_dpop_key = { alg: dpop.alg, public_jwk: publics.dpop ?? dpop.publicJwk ?? placeholderJwk(dpop.alg) };
  if (discovered !== undefined) {
    document.issuer = discovered.issuer;
    document.server_metadata = discovered.metadata;
  }
  return JSON.stringify(document);
}
