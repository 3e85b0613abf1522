/**
 * The package's option names (camelCase) beside the core's config-document
 * names (snake_case), so that config errors speak the user's names.
 * @internal
 */
import type { ClientCredentialsOptions } from "./options.js";

/** Each top-level option and the document field it becomes (`fetch`, `timeoutMs`: npm only). */
export const OPTIONS: Readonly<Record<keyof ClientCredentialsOptions, string | null>> = {
  tokenEndpoint: "token_endpoint",
  clientId: "client_id",
  clientSecret: "client_secret",
  authMethod: "auth_method",
  basicAuthEncoding: "basic_auth_encoding",
  scope: "scopes",
  includeScope: "include_scope",
  audience: "audience",
  resource: "resources",
  extraBodyParams: "extra_body_params",
  extraQueryParams: "extra_query_params",
  extraHeaders: "extra_headers",
  bodyFormat: "body_format",
  dangerAcceptInsecureHttp: "danger_accept_insecure_http",
  maxResponseBytes: "max_response_bytes",
  refresh: "refresh",
  retry: "retry",
  privateKey: "private_key",
  clientAssertionAlg: "client_assertion_alg",
  keyId: "key_id",
  assertionAudience: "assertion_audience",
  assertionLifetimeMs: "assertion_lifetime_ms",
  clientAssertion: "external_client_assertion",
  dpop: "dpop_key",
  revocationEndpoint: "revocation_endpoint",
  introspectionEndpoint: "introspection_endpoint",
  proactiveRefresh: "proactive_refresh",
  fetch: null,
  timeoutMs: null,
};

/** The members of the nested options, each with its document name. */
export const NESTED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  refresh: {
    minLeewayMs: "min_leeway_ms",
    maxLeewayMs: "max_leeway_ms",
    leewayPercent: "leeway_percent",
    defaultLifetimeMs: "default_lifetime_ms",
  },
  retry: {
    maxAttempts: "max_attempts",
    maxWaitMs: "max_wait_ms",
    failureCooldownMs: "failure_cooldown_ms",
    attemptTimeoutMs: "attempt_timeout_ms",
  },
};

/** The values an enum option takes (the same spelling in the core and here). */
export const ENUMS: Readonly<Partial<Record<string, readonly string[]>>> = {
  authMethod: ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth", "none"],
  basicAuthEncoding: ["form_urlencoded", "raw"],
  bodyFormat: ["form", "json"],
  clientAssertionAlg: ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA"],
};

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Document name → option name, for every name above (nested ones as `refresh.minLeewayMs`). */
const FROM_CORE: ReadonlyMap<string, string> = new Map([
  ...Object.entries(OPTIONS as Record<string, string | null>).flatMap(([npm, doc]) => (doc === null ? [] : [[doc, npm] as [string, string]])),
  ...Object.entries(NESTED).flatMap(([parent, members]) =>
    Object.entries(members).flatMap(([npm, doc]) => [
      [`${parent}.${doc}`, `${parent}.${npm}`] as [string, string],
      [doc, `${parent}.${npm}`] as [string, string],
    ])
  ),
  // Set by discover(), from the issuer the user gave.
  ["server_metadata", "issuer"],
]);

/** The option a core field name stands for (`token_endpoint` → `tokenEndpoint`, `scopes` → `scope`). */
export function optionName(field: string): string {
  return FROM_CORE.get(field) ?? field.split(".").map(camel).join(".");
}

/** Where the RSA, P-384 and Ed25519 algorithms and PEM keys are. */
const FULL_BUILD = 'use the full build (import from "ccauth/full" instead of "ccauth")';

/**
 * A core reason in the package's words: document names become option names
 * (only names with an underscore, or back-quoted ones, so plain words stay
 * words; never inside a longer name such as `private_key_jwt`), and the
 * Rust build advice (Cargo features) becomes the `ccauth/full` advice.
 */
export function npmReason(reason: string): string {
  let out = reason.replace(/(?<![A-Za-z0-9_])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_])/g, (word) => {
    const name = FROM_CORE.get(word);
    return name ?? word;
  });
  out = out.replace(/`([a-z_.]+)`/g, (all, word: string) => (FROM_CORE.has(word) ? `\`${FROM_CORE.get(word)}\`` : all));
  if (/\bfeatures?\b/.test(out)) {
    const stripped = out
      .replace(/\s*\([^()]*\bfeatures?\b[^()]*\)/g, "")
      .replace(/[;,]?\s*(?:cargo\s+)?(?:the\s+)?`?[\w-]*`?\s*features?\b[^;.)]*/gi, "")
      .trim();
    out = `${stripped || "not in this build"}: ${FULL_BUILD}`;
  }
  return out;
}

/** Edit distance, for "did you mean" (option names are short). */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length] as number;
}

/** The known name closest to `name` (case, snake_case and small typos), if one is close. */
export function closest(name: string, known: readonly string[]): string | undefined {
  const folded = camel(name.toLowerCase());
  const exact = known.find((k) => k.toLowerCase() === name.toLowerCase() || k.toLowerCase() === folded.toLowerCase());
  if (exact) return exact;
  const viaCore = FROM_CORE.get(name);
  if (viaCore && known.includes(viaCore)) return viaCore;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}
