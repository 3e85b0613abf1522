// `npx ccauth doctor` from the packed tarball installed here (the test runs
// in scripts/test-npm.sh's scratch project), against the real authorization
// server on 127.0.0.1; and ClientCredentials.fromEnv(), which reads the same
// CCAUTH_* variables through the core.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

import { ClientCredentials, isCcauthError } from "ccauth";

const { CCAUTH_TOKEN_ENDPOINT: tokenEndpoint, CCAUTH_ISSUER: issuer } = process.env;
assert.ok(tokenEndpoint && issuer, "run through scripts/with-auth-server.sh");

const SECRET = "post-secret-0123456789";
/** The environment without the server's CCAUTH_* exports (the doctor would read them as options). */
const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("CCAUTH_")));

/** `npx ccauth …` with `env` added to a clean environment: status and output. */
function ccauth(args, env = {}) {
  const r = spawnSync("npx", ["--no-install", "ccauth", ...args], { env: { ...clean, ...env }, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr, all: `${r.stdout}\n${r.stderr}` };
}

/** A JWT anywhere in the text (an access token would be one here). */
const JWT = /eyJ[\w-]{10,}\.[\w-]{10,}\.[\w-]{10,}/;

test("npx ccauth doctor --help: the options and variables, exit 0; no command or a bad flag: exit 2", () => {
  const help = ccauth(["doctor", "--help"]);
  assert.equal(help.status, 0, help.all);
  for (const word of ["--token-endpoint", "CCAUTH_CLIENT_SECRET", "--config", "Exit code"]) assert.ok(help.out.includes(word), `help names ${word}`);
  const none = ccauth([]);
  assert.equal(none.status, 2);
  assert.match(none.err, /usage: ccauth doctor/);
  const typo = ccauth(["doctor", "--scop", "api.read"]);
  assert.equal(typo.status, 2);
  assert.match(typo.err, /unknown flag --scop; did you mean --scope\?/);
  const missing = ccauth(["doctor", "--client-id", "x"]);
  assert.equal(missing.status, 2, missing.all);
  assert.match(missing.err, /tokenEndpoint/);
});

test("ccauth doctor against the local server: a token (exit 0), its report without the secret or the token", () => {
  const r = ccauth(["doctor", "--token-endpoint", tokenEndpoint, "--client-id", "ccauth-post", "--auth-method", "client_secret_post", "--scope", "api.read"], { CCAUTH_CLIENT_SECRET: SECRET });
  assert.equal(r.status, 0, r.all);
  assert.match(r.out, /Result: OK, a token came back\./);
  assert.match(r.out, /client_secret=<redacted>/);
  assert.match(r.out, /fetch_started reason=cold/);
  assert.match(r.out, /fetch_succeeded/);
  assert.ok(!r.all.includes(SECRET), "no secret in the output");
  assert.ok(!JWT.test(r.all), "no token in the output");
  // The secret on the command line is masked just the same.
  const flag = ccauth(["doctor", "--token-endpoint", tokenEndpoint, "--client-id", "ccauth-post", "--auth-method", "client_secret_post", "--client-secret", SECRET]);
  assert.equal(flag.status, 0, flag.all);
  assert.ok(!flag.all.includes(SECRET) && !JWT.test(flag.all));
});

test("ccauth doctor with a wrong secret: exit 1, invalid_client, a hint, the fetch_failed event; no secret shown", () => {
  const wrong = "wrong-secret-value-0123";
  const r = ccauth(["doctor", "--token-endpoint", tokenEndpoint, "--client-id", "ccauth-post", "--auth-method", "client_secret_post"], { CCAUTH_CLIENT_SECRET: wrong });
  assert.equal(r.status, 1, r.all);
  assert.match(r.out, /invalid_client/);
  assert.match(r.out, /Hints\n {2}- /);
  assert.match(r.out, /fetch_failed/);
  assert.match(r.out, /Result: FAILED/);
  assert.ok(!r.all.includes(wrong));
});

test("ccauth doctor with a config file (CCAUTH_CONFIG_FILE, snake_case) the flags override; an issuer is discovered", () => {
  const dir = mkdtempSync(join(tmpdir(), "ccauth-doctor-"));
  try {
    const file = join(dir, "ccauth.json");
    writeFileSync(file, JSON.stringify({ token_endpoint: tokenEndpoint, client_id: "ccauth-basic", client_secret: 's3cr3t+/:%&= "~*', scopes: ["api.read"], retry: { max_attempts: 2 } }));
    const r = ccauth(["doctor"], { CCAUTH_CONFIG_FILE: file });
    assert.equal(r.status, 0, r.all);
    assert.match(r.out, /client id +ccauth-basic/);
    assert.ok(!r.all.includes('s3cr3t+/:%&= "~*'));
    const overridden = ccauth(["doctor", "--client-id", "ccauth-post", "--auth-method", "client_secret_post", "--client-secret", SECRET], { CCAUTH_CONFIG_FILE: file });
    assert.equal(overridden.status, 0, overridden.all);
    assert.match(overridden.out, /client id +ccauth-post/);
    const discovered = ccauth(["doctor", "--issuer", issuer, "--client-id", "ccauth-post", "--auth-method", "client_secret_post"], { CCAUTH_CLIENT_SECRET: SECRET });
    assert.equal(discovered.status, 0, discovered.all);
    assert.match(discovered.out, /Discovery\n {2}GET http:\/\/127\.0\.0\.1:\d+\/\.well-known\/\S+ -> HTTP 200/);
    assert.match(discovered.out, /Result: OK/);
    // An issuer with no metadata: the report shows the discovery requests, exit 1.
    const nowhere = ccauth(["doctor", "--issuer", `${issuer}/nowhere`, "--client-id", "ccauth-post"], { CCAUTH_CLIENT_SECRET: SECRET });
    assert.equal(nowhere.status, 1, nowhere.all);
    assert.match(nowhere.out, /GET \S+nowhere\S* -> HTTP 404/);
    assert.match(nowhere.out, /Result: FAILED, no token request was made/);
    assert.ok(!nowhere.all.includes(SECRET));
    const unreadable = ccauth(["doctor"], { CCAUTH_CONFIG_FILE: join(dir, "missing.json") });
    assert.equal(unreadable.status, 2);
    assert.match(unreadable.err, /cannot read the config file .*missing\.json \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("ClientCredentials.fromEnv(): the CCAUTH_* variables, options added on top; a misspelt variable is named", async () => {
  const saved = { ...process.env };
  try {
    for (const name of Object.keys(process.env)) if (name.startsWith("CCAUTH_")) delete process.env[name];
    Object.assign(process.env, { CCAUTH_TOKEN_ENDPOINT: tokenEndpoint, CCAUTH_CLIENT_ID: "ccauth-post", CCAUTH_CLIENT_SECRET: SECRET, CCAUTH_AUTH_METHOD: "client_secret_post", CCAUTH_SCOPE: "api.read" });
    const events = [];
    const client = await ClientCredentials.fromEnv({ onEvent: (e) => events.push(e.event) });
    assert.ok((await client.getToken()).scope?.includes("api.read"));
    assert.deepEqual(events, ["fetch_started", "fetch_succeeded"]);
    process.env.CCAUTH_CLIENT_SECRT = "x";
    const err = await ClientCredentials.fromEnv().then(() => undefined, (e) => e);
    assert.ok(isCcauthError(err), String(err));
    assert.match(err.message, /CCAUTH_CLIENT_SECRT is not a ccauth variable; did you mean CCAUTH_CLIENT_SECRET\?/);
    assert.ok(!err.message.includes(SECRET));
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  }
});
