/**
 * The package's option names (camelCase) and the core's config-document
 * names (snake_case): the same words (docs/OPTIONS.md), but for the few
 * listed in {@link NOT_SAME}, so that config errors speak the user's names.
 * @internal
 */
import type { OptionName } from "./options.js";

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** An object with its keys in snake_case (the nested options `refresh`, `retry`). */
export const snakeKeys = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [snake(k), v]));

/** The options whose document member has other words (`null`: the driver's own, not in the document). */
const NOT_SAME: Readonly<Partial<Record<OptionName, string | null>>> = {
  dpop: "dpop_key",
  clientAssertion: "external_client_assertion",
  fetch: null,
  timeoutMs: null,
  onEvent: null,
  store: null,
  storeKey: null,
  storeTimeoutMs: null,
};

const NAMES: readonly OptionName[] = [
  "tokenEndpoint", "clientId", "authMethod", "clientSecret", "basicAuthEncoding", "privateKey", "keyId", "certificate", "clientAssertionAlg",
  "clientAssertion", "scopes", "includeScope", "audience", "resources", "extraBodyParams", "extraQueryParams", "extraHeaders",
  "bodyFormat", "maxResponseBytes", "refresh", "retry", "assertionAudience", "assertionLifetimeMs", "dpop",
  "revocationEndpoint", "introspectionEndpoint", "proactiveRefresh", "dangerAcceptInsecureHttp", "fetch", "timeoutMs", "onEvent",
  "store", "storeKey", "storeTimeoutMs",
];

/** Each top-level option and the document member it becomes (`fetch`, `timeoutMs`, `onEvent`, the store's: npm only). */
export const OPTIONS: Readonly<Record<OptionName, string | null>> = Object.fromEntries(
  NAMES.map((name) => [name, name in NOT_SAME ? (NOT_SAME[name] as string | null) : snake(name)]),
) as Record<OptionName, string | null>;

/** The members of the nested options (each document member is its snake_case). */
export const NESTED: Readonly<Record<string, readonly string[]>> = {
  refresh: ["minLeewayMs", "maxLeewayMs", "leewayPercent", "defaultLifetimeMs"],
  retry: ["maxAttempts", "maxWaitMs", "failureCooldownMs", "attemptTimeoutMs"],
};

/** The values an enum option takes (the same spelling in the core and here). */
export const ENUMS: Readonly<Partial<Record<string, readonly string[]>>> = {
  authMethod: ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "tls_client_auth", "none"],
  basicAuthEncoding: ["form_urlencoded", "raw"],
  bodyFormat: ["form", "json"],
  clientAssertionAlg: ["HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA"],
};

/**
 * Document name → option name, for the names the core's messages may use:
 * the members of the document, nested ones also alone (`leeway_percent` is
 * `refresh.leewayPercent`), and `server_metadata` (set from the issuer).
 */
const FROM_CORE: ReadonlyMap<string, string> = new Map([
  ...Object.entries(OPTIONS).flatMap(([npm, doc]) => (doc === null ? [] : [[doc, npm] as [string, string]])),
  ...Object.entries(NESTED).flatMap(([parent, members]) =>
    members.flatMap((m) => [[`${parent}.${snake(m)}`, `${parent}.${m}`], [snake(m), `${parent}.${m}`]] as [string, string][])
  ),
  ["server_metadata", "issuer"],
  // Keys reach the core as their algorithm and public half (js/keys.ts).
  ["host_signed_key", "privateKey"],
  ["host_signed_key.public_jwk", "privateKey"],
  ["host_signed_dpop_key", "dpop"],
  ["host_signed_dpop_key.public_jwk", "dpop"],
]);

/** The option a core field name stands for (`token_endpoint` → `tokenEndpoint`, `dpop_key` → `dpop`). */
export function optionName(field: string): string {
  return FROM_CORE.get(field) ?? field.split(".").map(camel).join(".");
}

/**
 * A core reason in the package's words: document names become option names
 * (only names with an underscore, or back-quoted ones, so plain words stay
 * words; never inside a longer name such as `private_key_jwt`), and the
 * Rust build advice (Cargo features) is left out: this package has one build.
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
    out = stripped || "not in this build";
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
