// One shared-vector case against the ccauth API, in any JS runtime (Node,
// Deno, Bun, a browser page). Throws on the first mismatch.
const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

/** The vector config (snake_case) as the package's options (camelCase). */
export function options(c) {
  const o = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === "dpop_key") o.dpop = v;
    else if (k === "refresh" || k === "retry") o[k] = Object.fromEntries(Object.entries(v).map(([a, b]) => [camel(a), b]));
    else o[camel(k)] = v;
  }
  return o;
}

/** The option a core field names (`token_endpoint` → `tokenEndpoint`): config errors speak the package's names. */
const OPTION = { dpop_key: "dpop", external_client_assertion: "clientAssertion" };
export const optionName = (field) => field.split(".").map((p, i) => (i === 0 && OPTION[p]) || camel(p)).join(".");

const DEFAULT = { token_endpoint: "https://as.example.com/token", client_id: "client", client_secret: "vector-secret-1" };

/** JSON text with object keys sorted, so key order does not matter. */
const canonical = (v) =>
  JSON.stringify(v, (_, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));
const same = (a, b) => canonical(a) === canonical(b);
function check(want, key, got) {
  if (key in want && !same(got, want[key])) throw new Error(`${key}: want ${JSON.stringify(want[key])}, got ${JSON.stringify(got)}`);
}
function assertClean(text, secrets) {
  for (const s of secrets) if (s && s.length >= 8 && text.includes(s)) throw new Error(`leaks a secret: ${text}`);
}
function caught(fn, isCcauthError, want) {
  try {
    fn();
  } catch (e) {
    if (!isCcauthError(e)) throw e;
    return e;
  }
  throw new Error(`want ${want.code}, got no error`);
}
const base64ToBytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/**
 * Runs case `c` of kind `request` or `response` with the package `ccauth`;
 * `show(value)` is how the runtime prints a value (e.g. util.inspect).
 */
export function runVectorCase(ccauth, kind, c, show = String) {
  const { buildTokenRequest, parseTokenResponse, isCcauthError } = ccauth;
  if (kind === "signing") {
    // HMAC (the secret signs, in the core): the same signed bytes in every
    // runtime. Keys sign with WebCrypto, asynchronously: signing.test.mjs.
    const small = c.config.private_key === undefined && c.config.dpop_key === undefined;
    if (!small) return;
    const entropy = Uint8Array.from(c.context.entropy.match(/../g), (b) => parseInt(b, 16));
    const r = buildTokenRequest(options(c.config), { nowMs: c.context.now_ms, entropy, dpopNonce: c.context.dpop_nonce ?? undefined });
    check(c.expect, "body", r.body);
    check(c.expect, "dpop", r.headers.find(([n]) => n === "DPoP")?.[1] ?? null);
    return;
  }
  if (kind === "request") {
    const secrets = [c.config.client_secret];
    if (c.expect_error) {
      const err = caught(() => buildTokenRequest(options(c.config)), isCcauthError, c.expect_error);
      check(c.expect_error, "code", err.code);
      if ("field" in c.expect_error) check({ field: optionName(c.expect_error.field) }, "field", err.field);
      // The message names the option as the user wrote it, never the core's spelling.
      if (err.field && !err.message.includes(`\`${err.field}\``)) throw new Error(`message does not name ${err.field}: ${err.message}`);
      assertClean(`${err.message} ${err.stack} ${show(err)}`, secrets);
      return;
    }
    const r = buildTokenRequest(options(c.config));
    for (const key of ["method", "url", "headers", "body"]) check(c.expect, key, r[key]);
    return;
  }
  const config = c.config ?? DEFAULT;
  const res = c.response;
  const body = res.body_base64 !== undefined ? base64ToBytes(res.body_base64) : res.body ?? "";
  const response = { status: res.status, headers: res.headers ?? [], body };
  const secrets = [config.client_secret];
  if (c.expect_error) {
    const w = c.expect_error;
    const err = caught(() => parseTokenResponse(options(config), response, c.now_ms), isCcauthError, w);
    check(w, "code", err.code);
    check(w, "status", err.status);
    check(w, "error", err.error ?? null);
    check(w, "error_description", err.errorDescription ?? null);
    check(w, "error_uri", err.errorUri ?? null);
    check(w, "retryable", err.retryable);
    check(w, "retry_after_ms", err.retryAfterMs ?? null);
    check(w, "excerpt", err.excerpt ?? null);
    check(w, "www_authenticate", err.wwwAuthenticate);
    check(w, "body_kind", err.bodyKind ?? null);
    check(w, "body_len", err.bodyLen ?? null);
    check(w, "content_type", err.contentType ?? null);
    check(w, "dpop_nonce", err.dpopNonce ?? null);
    check(w, "extras", err.extras);
    try {
      const parsed = JSON.parse(typeof body === "string" ? body : "");
      if (res.status < 300 && typeof parsed?.access_token === "string") secrets.push(parsed.access_token);
    } catch {}
    assertClean(`${err.message} ${err.stack} ${show(err)}`, secrets);
    return;
  }
  const t = parseTokenResponse(options(config), response, c.now_ms);
  const w = c.expect;
  check(w, "access_token", t.accessToken);
  check(w, "token_type", t.tokenType);
  check(w, "authorization_header", t.authorization);
  check(w, "issued_at_ms", t.issuedAt.getTime());
  check(w, "expires_at_ms", t.expiresAt.getTime());
  check(w, "expiry_source", t.expirySource);
  check(w, "refresh_at_ms", t.refreshAt.getTime());
  check(w, "scope", t.scope ?? null);
  check(w, "refresh_token", t.refreshToken ?? null);
  check(w, "id_token", t.idToken ?? null);
  check(w, "extra_keys", Object.keys(t.extras).sort());
  check(w, "deviations", [...t.deviations]);
  for (const at of w.at ?? []) check({ is_expired: at.is_expired }, "is_expired", t.isExpired(at.now_ms));
  secrets.push(t.accessToken, t.refreshToken);
  assertClean(`${String(t)} ${JSON.stringify(t)} ${show(t)}`, secrets);
}
