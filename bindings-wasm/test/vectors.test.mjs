// The shared vectors (tests/vectors/) through the installed npm package:
// same bytes, same tokens, same error codes as the Rust core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";

import { buildTokenRequest, parseTokenResponse, isCcauthError } from "ccauth";

const dir = process.env.CCAUTH_VECTORS;
assert.ok(dir, "CCAUTH_VECTORS must point at tests/vectors");

const camel = (s) => s.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
/** The vector config (snake_case) as the package's options (camelCase). */
function options(c) {
  const o = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === "scopes") o.scope = v;
    else if (k === "resources") o.resource = v;
    else if (k === "refresh" || k === "retry") o[k] = Object.fromEntries(Object.entries(v).map(([a, b]) => [camel(a), b]));
    else o[camel(k)] = v;
  }
  return o;
}
const DEFAULT = { token_endpoint: "https://as.example.com/token", client_id: "client", client_secret: "vector-secret-1" };

function assertClean(text, secrets) {
  for (const s of secrets) if (s && s.length >= 8) assert.ok(!text.includes(s), `leaks a secret: ${text}`);
}

function check(want, key, got) {
  if (key in want) assert.deepEqual(got, want[key], key);
}

const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
let count = 0;
for (const file of files) {
  const kind = file.split("_")[0];
  if (kind !== "request" && kind !== "response") continue; // lifecycle: Rust and the integration tests
  const { cases } = JSON.parse(readFileSync(join(dir, file), "utf8"));
  for (const c of cases) {
    count += 1;
    test(`${file}: ${c.name}`, () => {
      if (kind === "request") {
        const secrets = [c.config.client_secret];
        if (c.expect_error) {
          let err;
          try {
            buildTokenRequest(options(c.config));
          } catch (e) {
            err = e;
          }
          assert.ok(isCcauthError(err), `want ${c.expect_error.code}, got ${err}`);
          check(c.expect_error, "code", err.code);
          check(c.expect_error, "field", err.field);
          assertClean(`${err.message} ${err.stack} ${inspect(err)}`, secrets);
          return;
        }
        const r = buildTokenRequest(options(c.config));
        check(c.expect, "method", r.method);
        check(c.expect, "url", r.url);
        check(c.expect, "headers", r.headers);
        check(c.expect, "body", r.body);
        return;
      }
      const config = c.config ?? DEFAULT;
      const res = c.response;
      const body = res.body_base64 !== undefined ? Uint8Array.from(Buffer.from(res.body_base64, "base64")) : res.body ?? "";
      const response = { status: res.status, headers: res.headers ?? [], body };
      const secrets = [config.client_secret];
      if (c.expect_error) {
        let err;
        try {
          parseTokenResponse(options(config), response, c.now_ms);
        } catch (e) {
          err = e;
        }
        assert.ok(isCcauthError(err), `want ${c.expect_error.code}, got ${err}`);
        const w = c.expect_error;
        check(w, "code", err.code);
        check(w, "status", err.status);
        check(w, "error", err.error ?? null);
        check(w, "error_description", err.errorDescription ?? null);
        check(w, "error_uri", err.errorUri ?? null);
        check(w, "retryable", err.retryable);
        check(w, "retry_after_ms", err.retryAfterMs ?? null);
        check(w, "excerpt", err.excerpt ?? null);
        check(w, "www_authenticate", err.wwwAuthenticate);
        try {
          const parsed = JSON.parse(typeof body === "string" ? body : "");
          if (res.status < 300 && typeof parsed?.access_token === "string") secrets.push(parsed.access_token);
        } catch {}
        assertClean(`${err.message} ${err.stack} ${inspect(err)}`, secrets);
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
      for (const at of w.at ?? []) assert.equal(t.isExpired(at.now_ms), at.is_expired, `is_expired at ${at.now_ms}`);
      secrets.push(t.accessToken, t.refreshToken);
      assertClean(`${String(t)} ${JSON.stringify(t)} ${inspect(t)}`, secrets);
    });
  }
}

test("there are enough vectors", () => assert.ok(count >= 140, `only ${count} request/response vectors`));
