// The lifecycle vectors (tests/vectors/lifecycle_*.json) through the wasm
// TokenLifecycle the package's ClientCredentials drives (js/client.ts): the
// same decisions and outcomes as the Rust manager, step by step, as the
// Python runner (bindings-uniffi/python/tests/test_lifecycle_vectors.py)
// checks them. TokenLifecycle is internal to the package, so this runs from
// the repository after the build: the wasm-bindgen glue and .wasm of pkg/
// (what dist/ ships) and the options layer (js/options.ts, bundled here by
// esbuild) that turns the vector config into the core's config document.
// Config members that no npm option puts into the document yet are added to
// it directly, and each case says which (a test diagnostic). The events each
// step drains (lifecycle_events.json) go through the package's camelCase
// conversion (js/events.ts, what `onEvent` and diagnostics_channel receive)
// and are compared with the vector's snake_case names mapped to camelCase;
// none may show the case's client secret or a token.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

import { initSync, TokenLifecycle } from "../pkg/ccauth_wasm.js";
import { options } from "./vector-cases.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
initSync({ module: readFileSync(here("../pkg/ccauth_wasm_bg.wasm")) });
const bundled = await build({
  stdin: {
    contents: 'export { configDocument } from "./options.ts"; export { OPTIONS } from "./names.ts"; export { camelObject, parseEvents } from "./events.ts";',
    resolveDir: here("../js"),
  },
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  write: false,
  logLevel: "warning",
});
const { configDocument, OPTIONS, camelObject, parseEvents } = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString("base64")}`);

const dir = process.env.CCAUTH_VECTORS ?? here("../../tests/vectors");
const DEFAULT = { token_endpoint: "https://as.example.com/token", client_id: "client", client_secret: "vector-secret-1" };
const KINDS = ["ready", "fetch", "refresh_ahead", "wait", "failed"];
/** The document members an npm option becomes. */
const DOCUMENT_NAMES = new Set(Object.values(OPTIONS).filter(Boolean));

/**
 * The core's config document for a vector config, through the npm options
 * (`configDocument`); members no npm option puts into the document are added
 * to it as they are, and returned in `direct`.
 */
function documentFor(config) {
  const expressible = {};
  const direct = {};
  for (const [k, v] of Object.entries(config)) (DOCUMENT_NAMES.has(k) ? expressible : direct)[k] = v;
  const o = options(expressible);
  // npm's clientAssertion is the assertion source itself (never called here).
  if ("externalClientAssertion" in o) {
    if (o.externalClientAssertion) o.clientAssertion = () => "";
    delete o.externalClientAssertion;
  }
  const document = { ...JSON.parse(configDocument(o)), ...direct };
  return { document: JSON.stringify(document), direct: Object.keys(direct) };
}

function decisionFields(d) {
  assert.ok(KINDS.includes(d.decision), `unknown decision ${JSON.stringify(d)}`);
  const out = { decision: d.decision };
  if (d.decision === "ready" || d.decision === "refresh_ahead") out.access_token = d.token.access_token;
  if (d.decision === "ready") {
    out.ready_from_ms = d.valid_from_ms;
    out.ready_until_ms = d.valid_until_ms;
  }
  if (d.decision === "fetch" || d.decision === "refresh_ahead") {
    out.attempt = d.ticket.attempt;
    out._ticket = d.ticket.id;
  }
  if (d.decision === "wait") {
    out.until_ms = d.until_ms;
    out.wait_ms = d.wait_ms;
  }
  if (d.decision === "failed") {
    out.code = d.error.code;
    out.cooldown_until_ms = d.cooldown_until_ms ?? null;
  }
  return out;
}

function outcomeFields(o) {
  if (o.outcome === "token") return { outcome: "token", access_token: o.token.access_token, expires_at_ms: o.token.expires_at_ms };
  if (o.outcome === "retry_scheduled") return { outcome: "retry_scheduled", at_ms: o.at_ms, code: o.error.code };
  if (o.outcome === "failed") return { outcome: "failed", until_ms: o.until_ms, code: o.error.code };
  return { outcome: "stale" };
}

function check(want, got, where) {
  for (const [key, value] of Object.entries(want)) {
    const g = key in got ? got[key] : null; // an absent field is null, as in the other runners
    assert.deepEqual(g, value, `${where}: ${key}: want ${JSON.stringify(value)}, got ${JSON.stringify(g)} (${JSON.stringify(got)})`);
  }
}

/** The core throws its errors as JSON text `{code, message, …}`. */
function coreError(thrown) {
  assert.equal(typeof thrown, "string", `not a core error: ${thrown}`);
  return JSON.parse(thrown);
}

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** The values a case's events and stats must never show: the client secret, and every access token its responses carry. */
function secretsOf(c) {
  const out = [(c.config ?? DEFAULT).client_secret].filter(Boolean);
  for (const step of c.steps) {
    const body = step.respond?.body;
    if (typeof body !== "string") continue;
    try {
      const token = JSON.parse(body).access_token;
      if (typeof token === "string" && token.length > 0) out.push(token);
    } catch {
      // not JSON: no token in it
    }
  }
  return out;
}

/**
 * The events a step drained (the core's JSON, camelCased by the package)
 * against the step's `events` (snake_case, each a subset; null: absent);
 * vector ticket n is the n-th ticket handed out.
 */
function checkEvents(step, raw, tickets, secrets, where) {
  for (const secret of secrets) assert.ok(!raw.includes(secret), `${where}: an event shows a secret or a token: ${raw}`);
  assert.ok(!/:null[,}]/.test(raw), `${where}: an event has a null field instead of leaving it out: ${raw}`);
  const events = parseEvents(raw);
  if (!("events" in step)) return events.length;
  const got = events.map((e) => JSON.stringify(e));
  assert.equal(events.length, step.events.length, `${where}: want ${step.events.length} events, got ${events.length}: ${got.join(", ")}`);
  step.events.forEach((want, i) => {
    for (const [name, value] of Object.entries(want)) {
      const expected = name === "ticket" && value !== null ? (tickets[value - 1] ?? value) : value;
      const actual = camel(name) in events[i] ? events[i][camel(name)] : null;
      assert.deepEqual(actual, expected, `${where}: event ${i} (${want.event ?? "?"}): ${name}: want ${JSON.stringify(expected)}, got ${JSON.stringify(actual)} in ${got[i]}`);
    }
  });
  return events.length;
}

const bytes = (r) => ("body_base64" in r ? Buffer.from(r.body_base64, "base64") : new TextEncoder().encode(r.body ?? ""));

function runCase(c, t) {
  const { document, direct } = documentFor(c.config ?? DEFAULT);
  if (direct.length) t.diagnostic(`given to the core directly (no npm option puts them in the document): ${direct.join(", ")}`);
  const seed = c.seed ?? 1;
  const lifecycle = new TokenLifecycle(document, seed);
  const tickets = []; // ticket ids in the order handed out (vector ticket n = tickets[n - 1])
  const secrets = secretsOf(c);
  let eventCount = 0;
  c.steps.forEach((step, i) => {
    const where = `step ${i}`;
    const want = step.expect ?? {};
    const now = step.now_ms ?? 0;
    if ("poll" in step) {
      const got = decisionFields(JSON.parse(lifecycle.poll(now)));
      if ("_ticket" in got) tickets.push(got._ticket);
      if (got.decision === "failed") assert.equal(got.cooldown_until_ms, lifecycle.cooldownUntilMs() ?? null, `${where}: the failed decision's cool-down`);
      check(want, got, where);
    } else if ("respond" in step || "transport_error" in step || "assertion_source_failed" in step) {
      const ticket = tickets[step.ticket - 1];
      assert.notEqual(ticket, undefined, `${where}: no ticket ${step.ticket} was handed out`);
      let outcome;
      if ("respond" in step) {
        const r = step.respond;
        outcome = lifecycle.handleResponse(ticket, r.status, (r.headers ?? []).map(([n, v]) => `${n}\n${v}\n`).join(""), bytes(r), now);
      } else if ("transport_error" in step) {
        outcome = lifecycle.handleTransportError(ticket, "connect", "refused", now, "ECONNREFUSED", false);
      } else {
        outcome = lifecycle.assertionSourceFailed(ticket, step.assertion_source_failed.message, now);
      }
      check(want, outcomeFields(JSON.parse(outcome)), where);
    } else if ("invalidate" in step) {
      const inv = step.invalidate;
      check(want, { dropped: lifecycle.invalidate(inv.token, inv.www_authenticate ?? undefined) }, where);
    } else if ("api_response" in step) {
      const a = step.api_response;
      const verdict = lifecycle.apiResponse(a.token, a.url, a.status, a.www_authenticate ?? undefined, a.dpop_nonce ?? undefined, a.nonce_retried ?? false);
      check(want, { verdict }, where);
    } else if ("proactive_refresh_at" in step) {
      check(want, { at_ms: lifecycle.proactiveRefreshAt() ?? null }, where);
    } else if ("revocation_request" in step) {
      let got;
      try {
        const pending = lifecycle.revocationRequest(step.revocation_request.token, undefined, now);
        const url = JSON.parse(pending.prepared()).request.url;
        pending.free();
        got = { url, code: null, field: null };
      } catch (e) {
        const error = coreError(e);
        got = { url: null, code: error.code, field: error.field ?? null };
      }
      check(want, got, where);
    } else if ("reset_failure" in step) {
      check(want, { reset: lifecycle.resetFailure(now) }, where);
    } else if ("stats" in step) {
      const raw = lifecycle.stats();
      for (const secret of secrets) assert.ok(!raw.includes(secret), `${where}: stats show a secret or a token: ${raw}`);
      // As the package's stats() gives them: camelCase, null members left out.
      const stats = camelObject(JSON.parse(raw));
      const got = Object.fromEntries(Object.keys(want).map((k) => [k, camel(k) in stats ? stats[camel(k)] : null]));
      check(want, got, where);
    } else if ("export_import" in step) {
      const exported = lifecycle.exportToken();
      const fresh = new TokenLifecycle(document, seed);
      let got;
      try {
        got = { access_token: JSON.parse(fresh.importToken(exported ?? "", now)).access_token };
      } catch (e) {
        got = { code: coreError(e).code };
      }
      fresh.free();
      check(want, got, where);
    } else {
      assert.fail(`${where}: unknown step ${Object.keys(step).sort()}`);
    }
    eventCount += checkEvents(step, lifecycle.drainEvents(), tickets, secrets, where);
  });
  if (c.steps.some((step) => "events" in step)) t.diagnostic(`${eventCount} events checked`);
  lifecycle.free();
}

let count = 0;
for (const file of readdirSync(dir).filter((f) => /^lifecycle.*\.json$/.test(f)).sort()) {
  for (const c of JSON.parse(readFileSync(join(dir, file), "utf8")).cases) {
    count += 1;
    test(`${file}: ${c.name}`, (t) => runCase(c, t));
  }
}

test("the lifecycle vectors are all there", () => assert.ok(count >= 15, `only ${count} lifecycle vectors`));
