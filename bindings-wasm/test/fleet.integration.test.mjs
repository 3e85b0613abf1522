// A fleet sharing one token through a real Redis (scripts/with-redis.sh) and
// the local authorization server (scripts/with-auth-server.sh, 5-second
// tokens for ccauth-short), from the installed package: Node processes
// (fleet-worker.mjs, each its own ClientCredentials and 50 callers) make one
// token request at cold start and one per refresh between them (and, the
// baseline, one each without a store); a lease holder killed mid-fetch is
// taken over; Redis stopped mid-run costs no caller an error and sharing
// resumes when it is back; tampered, foreign and truncated entries are
// rejected, reported and never served; nothing in Redis or in any event
// holds a secret or a token in clear; bad store options are typed errors.
// The counts are printed for the note.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { ClientCredentials, deleteIfEqualsScript, isCcauthError, RedisStore } from "ccauth";
import { createClient } from "redis";

const { CCAUTH_TOKEN_ENDPOINT: tokenEndpoint, CCAUTH_STATS_URL: statsUrl, CCAUTH_REDIS_URL: redisUrl } = process.env;
const { CCAUTH_REDIS_PORT: redisPort, CCAUTH_REDIS_SERVER: redisServer = "redis-server" } = process.env;
assert.ok(tokenEndpoint && statsUrl && redisUrl, "run through scripts/with-redis.sh scripts/with-auth-server.sh");

const WORKER = new URL("./fleet-worker.mjs", import.meta.url).pathname;
const PROCESSES = 4;
const CALLERS = 50;
const ATTEMPT_TIMEOUT_MS = 2_000;
const LEASE_TTL_MS = ATTEMPT_TIMEOUT_MS + 500; // the core's lease: the attempt timeout and half a second
const BASIC_SECRET = 's3cr3t+/:%&= "~*';
const SHORT_SECRET = "short-secret-0123456789";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The server's token requests from `clientId` since the last reset. */
async function tokenRequests(clientId) {
  const stats = await (await fetch(statsUrl)).json();
  return stats.token_requests_by_client[clientId] ?? 0;
}
const resetStats = () => fetch(`${statsUrl}/reset`, { method: "POST" });

/** A node-redis client on the test Redis that fails fast while it is down. */
async function redisClient() {
  const client = createClient({ url: redisUrl, disableOfflineQueue: true, socket: { connectTimeout: 500, reconnectStrategy: () => 200 } });
  client.on("error", () => {});
  return client.connect();
}
const raw = (r, key) => r.sendCommand(["GET", key], { typeMapping: { 36: Buffer } });
const keys = (r) => r.sendCommand(["KEYS", "*"]);

// -- a fleet of processes ------------------------------------------------------------

class Fleet {
  procs = [];
  #waiters = new Set();

  start(n, options) {
    const started = [];
    for (let i = 0; i < n; i++) {
      const child = spawn(process.execPath, [WORKER, JSON.stringify(options)], { stdio: ["pipe", "pipe", "inherit"] });
      const proc = { child, index: this.procs.length, tokens: new Map(), order: [], events: [], errors: [], lines: [], done: undefined };
      createInterface({ input: child.stdout }).on("line", (line) => {
        const msg = JSON.parse(line);
        proc.lines.push(msg);
        if (msg.kind === "token" && !proc.tokens.has(msg.id)) {
          proc.tokens.set(msg.id, msg.t);
          proc.order.push(msg.id);
        } else if (msg.kind === "event") proc.events.push(msg.event);
        else if (msg.kind === "error") proc.errors.push(msg);
        else if (msg.kind === "done") proc.done = msg;
        for (const wake of this.#waiters) wake();
      });
      this.procs.push(proc);
      started.push(proc);
    }
    return started;
  }

  /** Waits until `predicate()` holds, or fails after `timeoutMs` with what each process saw. */
  async wait(what, predicate, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${this.summary()}`);
      await new Promise((resolve) => {
        const wake = () => resolve(this.#waiters.delete(wake));
        this.#waiters.add(wake);
        setTimeout(wake, 100);
      });
    }
  }

  summary() {
    return this.procs.map((p) => `proc ${p.index}: tokens ${p.order} errors ${p.errors.length} events ${p.events.slice(-8).map((e) => e.event)}`).join("; ");
  }

  /** Closes the workers' stdin and waits for them to exit (killed after 15 s). */
  async stop(procs = this.procs) {
    await Promise.all(procs.map((p) => new Promise((resolve) => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
      const timer = setTimeout(() => p.child.kill("SIGKILL"), 15_000);
      p.child.once("exit", () => resolve(clearTimeout(timer)));
      p.child.stdin.end();
    })));
  }

  kill() {
    for (const p of this.procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  }
}

/** A fleet for one test, whose processes are killed when it ends. */
async function withFleet(t, body) {
  const fleet = new Fleet();
  t.after(() => fleet.kill());
  return body(fleet);
}

const allHave = (procs, count) => () => procs.every((p) => p.tokens.size >= count);
function assertNoErrors(procs) {
  for (const p of procs) {
    assert.deepEqual(p.errors, [], `proc ${p.index}: caller errors`);
    assert.ok(p.done && p.done.errors === 0, `proc ${p.index}: ${JSON.stringify(p.done)}`);
    assert.ok(p.done.calls > 0);
  }
}

/**
 * Waits for the cold start and three refreshes of ccauth-short in every
 * process, then stops the fleet: the token requests at each of the four
 * steps, and in all.
 */
async function requestsPerRefresh(fleet, procs) {
  const counts = [];
  for (let tokens = 1; tokens <= 4; tokens++) {
    await fleet.wait(`${tokens} token(s) in every process`, allHave(procs, tokens), 20_000);
    counts.push(await tokenRequests("ccauth-short"));
  }
  await fleet.stop();
  await sleep(300);
  return { perStep: [counts[0], ...counts.slice(1).map((c, i) => c - counts[i])], total: await tokenRequests("ccauth-short") };
}

test("4 processes x 50 callers make 1 token request at cold start and 1 per refresh", { timeout: 60_000 }, (t) =>
  withFleet(t, async (fleet) => {
    const r = await redisClient();
    t.after(() => r.close());
    await r.flushDb();
    await resetStats();
    const procs = fleet.start(PROCESSES, { client_id: "ccauth-short", secret: SHORT_SECRET, callers: CALLERS, start_at_ms: Date.now() + 2_500 });
    const { perStep, total } = await requestsPerRefresh(fleet, procs);
    console.log(`[fleet/node] ${PROCESSES} processes x ${CALLERS} callers: token requests at cold start ${perStep[0]}, per refresh ${JSON.stringify(perStep.slice(1))}, total ${total}`);
    assertNoErrors(procs);
    assert.deepEqual(perStep, [1, 1, 1, 1], fleet.summary());
    assert.equal(total, 4);
    // Every process served the same four tokens, in the same order.
    for (const p of procs) assert.deepEqual(p.order, procs[0].order, fleet.summary());
    const count = (name) => procs.reduce((n, p) => n + p.events.filter((e) => e.event === name).length, 0);
    assert.equal(count("store_published"), 4);
    assert.equal(count("store_hit"), 4 * (PROCESSES - 1));
    for (const e of procs.flatMap((p) => p.events)) assert.ok(typeof e.event === "string" && typeof e.at_ms === "number");
  }));

test("without a store each process makes its own requests (the baseline)", { timeout: 60_000 }, (t) =>
  withFleet(t, async (fleet) => {
    const r = await redisClient();
    t.after(() => r.close());
    await r.flushDb();
    await resetStats();
    const procs = fleet.start(PROCESSES, { client_id: "ccauth-short", secret: SHORT_SECRET, callers: CALLERS, start_at_ms: Date.now() + 2_500, no_store: true });
    const { perStep, total } = await requestsPerRefresh(fleet, procs);
    console.log(`[fleet/node no store] ${PROCESSES} processes x ${CALLERS} callers: token requests at cold start ${perStep[0]}, per refresh ${JSON.stringify(perStep.slice(1))}, total ${total}`);
    assertNoErrors(procs);
    assert.equal(total, 4 * PROCESSES);
    assert.deepEqual(await keys(r), []);
  }));

test("a lease holder killed mid-fetch is taken over within the lease TTL and a second", { timeout: 60_000 }, (t) =>
  withFleet(t, async (fleet) => {
    const r = await redisClient();
    t.after(() => r.close());
    await r.flushDb();
    await resetStats();
    const t0 = Date.now() + 1_500;
    const common = { client_id: "ccauth-basic", secret: BASIC_SECRET, attempt_timeout_ms: ATTEMPT_TIMEOUT_MS };
    const [holder] = fleet.start(1, { ...common, callers: 1, start_at_ms: t0, hang: true });
    const others = fleet.start(2, { ...common, callers: CALLERS, start_at_ms: t0 + 300 });
    await fleet.wait("the holder's hanging request", () => holder.lines.some((m) => m.kind === "hanging"), 10_000);
    const leasedAt = holder.events.find((e) => e.event === "lease_acquired").at_ms;
    await fleet.wait("the others waiting on the lease", () => others.every((p) => p.events.some((e) => e.event === "lease_busy")), 10_000);
    const [lease] = await r.sendCommand(["KEYS", "ccauth:*:lease"]);
    assert.ok((await r.pTTL(lease)) > 0, "the lease must still be live at the kill");
    const killedAt = Date.now();
    holder.child.kill("SIGKILL");
    await fleet.wait("a token in every surviving process", allHave(others, 1), LEASE_TTL_MS + 5_000);
    const firsts = others.map((p) => Math.min(...p.tokens.values()));
    const [first, last] = [Math.min(...firsts), Math.max(...firsts)];
    await fleet.stop(others);
    const requests = await tokenRequests("ccauth-basic");
    console.log(`[fleet/node kill -9] lease TTL ${LEASE_TTL_MS} ms: lease taken -> first token elsewhere ${first - leasedAt} ms, in every process ${last - leasedAt} ms; kill -> first token ${first - killedAt} ms; token requests ${requests}`);
    assertNoErrors(others);
    assert.ok(first - leasedAt <= LEASE_TTL_MS + 1_000, "taken over within the lease TTL and a second");
    assert.ok(last - first <= 800, "the last waiter reads the published token at its next backoff");
    assert.equal(requests, 1);
    assert.deepEqual(others[0].order, others[1].order);
  }));

// -- Redis stopped mid-run -------------------------------------------------------------

/** Redis servers started again by a test, on the test Redis's port: stopped when the file ends. */
const restarted = [];
after(() => {
  for (const child of restarted) child.kill();
});
const ping = () => spawnSync("redis-cli", ["-p", redisPort, "ping"], { encoding: "utf8", timeout: 5_000 }).stdout?.trim() === "PONG";
async function stopRedis() {
  spawnSync("redis-cli", ["-p", redisPort, "shutdown", "nosave"], { timeout: 10_000 });
  for (let i = 0; i < 200 && ping(); i++) await sleep(50);
  assert.ok(!ping(), "redis did not stop");
}
async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), "ccauth-redis-"));
  const args = ["--bind", "127.0.0.1", "--port", redisPort, "--save", "", "--appendonly", "no", "--dir", dir, "--daemonize", "no", "--loglevel", "warning"];
  restarted.push(spawn(redisServer, args, { stdio: "ignore" }));
  for (let i = 0; i < 200 && !ping(); i++) await sleep(50);
  assert.ok(ping(), "redis did not start again");
}

test("Redis stopped mid-run costs no caller an error, and sharing resumes when it is back", { skip: !redisPort && "needs CCAUTH_REDIS_PORT", timeout: 120_000 }, (t) =>
  withFleet(t, async (fleet) => {
    const r = await redisClient();
    await r.flushDb();
    await r.close();
    await resetStats();
    const procs = fleet.start(PROCESSES, { client_id: "ccauth-short", secret: SHORT_SECRET, callers: 20, start_at_ms: Date.now() + 2_500 });
    await fleet.wait("a first refresh in every process", allHave(procs, 2), 20_000);
    const shared = await tokenRequests("ccauth-short");
    await stopRedis();
    const downAt = Date.now();
    const downTokens = procs.map((p) => p.tokens.size);
    await fleet.wait(
      "two refreshes in every process with Redis down",
      () => procs.every((p, i) => p.tokens.size >= downTokens[i] + 2 && p.events.some((e) => e.event === "store_unavailable")),
      20_000,
    );
    const duringDown = (await tokenRequests("ccauth-short")) - shared;
    const downRefreshes = Math.min(...procs.map((p, i) => p.tokens.size - downTokens[i]));
    await startRedis();
    const upAt = Date.now();
    await fleet.wait("store_recovered in every process", () => procs.every((p) => p.events.some((e) => e.event === "store_recovered")), 20_000);
    const afterRestart = await tokenRequests("ccauth-short");
    /** A token every process has, first seen (by any) after `since`: the latest such. */
    const commonSince = (since) => {
      const ids = [...procs[0].tokens.keys()].filter((id) => procs.every((p) => p.tokens.has(id)));
      const firstSeen = (id) => Math.min(...procs.map((p) => p.tokens.get(id)));
      return ids.filter((id) => firstSeen(id) > since).sort((a, b) => firstSeen(a) - firstSeen(b));
    };
    const recoveredAt = Date.now();
    await fleet.wait("a token shared by every process after the restart", () => commonSince(recoveredAt).length > 0, 20_000);
    await sleep(200);
    const windowStart = await tokenRequests("ccauth-short");
    const converged = commonSince(recoveredAt).at(-1);
    const mark = Math.max(...procs.map((p) => p.tokens.get(converged)));
    await fleet.wait("two more refreshes shared by every process", () => commonSince(mark).length >= 2, 20_000);
    await sleep(200);
    const windowEnd = await tokenRequests("ccauth-short");
    await fleet.stop();
    const total = await tokenRequests("ccauth-short");
    console.log(`[fleet/node redis down] ${PROCESSES} processes: shared (cold start + 1 refresh) ${shared} requests; Redis down ${((upAt - downAt) / 1000).toFixed(1)} s: ${duringDown} requests for >= ${downRefreshes} refreshes each (each process alone); restart -> all recovered: ${afterRestart - shared - duringDown} requests; then 2 refreshes: ${windowEnd - windowStart} requests; total ${total}`);
    assertNoErrors(procs);
    assert.equal(shared, 2);
    assert.ok(duringDown >= PROCESSES, "with Redis down each process fetches alone");
    assert.equal(windowEnd - windowStart, 2, "sharing resumed: one request per refresh");
  }));

// -- entries that must never be served ------------------------------------------------------

/** A token endpoint answering one canned token (for an entry sealed under another credential). */
const canned = (token) => async () =>
  new Response(JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: 300 }), { headers: { "content-type": "application/json" } });

function basicClient(r, events, options = {}) {
  return new ClientCredentials({
    tokenEndpoint, clientId: "ccauth-basic", clientSecret: BASIC_SECRET, store: new RedisStore(r), onEvent: (e) => events.push(e), ...options,
  });
}

test("tampered, foreign and truncated entries are rejected, reported and never served", { timeout: 60_000 }, async (t) => {
  const r = await redisClient();
  t.after(() => r.close());
  await r.flushDb();
  await resetStats();
  const events = [];
  const first = basicClient(r, events);
  const token = (await first.getToken()).accessToken;
  const key = first.storeKeys.token;
  const entry = await raw(r, key);
  assert.equal(entry.subarray(0, 4).toString(), "ccf1");
  // Sealed under another secret (its entry copied to this key) and under this secret with another store key.
  const otherSecret = basicClient(r, events, { clientSecret: "another-secret-0123456789", fetch: canned("foreign-token-one") });
  await otherSecret.getToken();
  const foreignSecret = await raw(r, otherSecret.storeKeys.token);
  await r.del(otherSecret.storeKeys.token);
  const otherKey = basicClient(r, events, { storeKey: "another-store-key-0123456789", fetch: canned("foreign-token-two") });
  await r.del(key);
  await otherKey.getToken();
  assert.equal(otherKey.storeKeys.token, key, "the same entry name: only the seal differs");
  const foreignKey = await raw(r, key);
  assert.ok(foreignSecret && foreignKey);
  const flip = (buf, at, bit) => {
    const out = Buffer.from(buf);
    out[at] ^= bit;
    return out;
  };
  const cases = {
    tampered: [flip(entry, entry.length - 1, 0x01), "tampered_or_foreign"],
    "tampered (nonce)": [flip(entry, 6, 0x80), "tampered_or_foreign"],
    "another secret": [foreignSecret, "tampered_or_foreign"],
    "another store key": [foreignKey, "tampered_or_foreign"],
    "truncated (half)": [entry.subarray(0, entry.length >> 1), "tampered_or_foreign"],
    "truncated (header only)": [entry.subarray(0, 20), "truncated"],
    "truncated (magic)": [entry.subarray(0, 4), "truncated"],
    empty: [Buffer.alloc(0), "truncated"],
    "not an entry": [Buffer.from('{"access_token": "planted"}'), "truncated"],
  };
  const served = new Set([token]);
  for (const [name, [value, reason]] of Object.entries(cases)) {
    await r.set(key, value, { PX: 60_000 });
    events.length = 0;
    const before = await tokenRequests("ccauth-basic");
    const got = (await basicClient(r, events).getToken()).accessToken;
    const rejected = events.filter((e) => e.event === "store_entry_rejected");
    assert.ok(rejected.length > 0 && rejected.every((e) => e.reason === reason), `${name}: ${JSON.stringify(events)}`);
    assert.equal(await tokenRequests("ccauth-basic"), before + 1, `${name}: fetched from the server instead`);
    assert.ok(!served.has(got) && !["foreign-token-one", "foreign-token-two", "planted"].includes(got), name);
    served.add(got);
    // The rejected entry was replaced by this client's sealed token.
    const now = await raw(r, key);
    assert.ok(now && !now.equals(value), name);
  }
  console.log(`[fleet/node entries] ${Object.keys(cases).length} kinds of bad entry: each rejected (store_entry_rejected), fetched anew, never served`);
});

// -- nothing in clear -----------------------------------------------------------------------

test("no secret or token in clear in Redis or in events", { timeout: 60_000 }, async (t) => {
  const r = await redisClient();
  t.after(() => r.close());
  await r.flushDb();
  const events = [];
  const clients = [basicClient(r, events), basicClient(r, events)];
  const tokens = new Set();
  for (const c of clients) tokens.add((await c.getToken()).accessToken);
  assert.equal(tokens.size, 1, "the second client's token came from the store");
  assert.equal(events.filter((e) => e.event === "store_hit").length, 1);
  const short = [0, 1].map(() => new ClientCredentials({ tokenEndpoint, clientId: "ccauth-short", clientSecret: SHORT_SECRET, store: new RedisStore(r), onEvent: (e) => events.push(e) }));
  const first = await short[0].getToken();
  tokens.add(first.accessToken);
  await sleep(Math.max(0, first.refreshAt.getTime() - Date.now()) + 50);
  for (let i = 0; i < 100 && tokens.size < 3; i++) {
    for (const c of short) tokens.add((await c.getToken()).accessToken);
    await sleep(50);
  }
  assert.equal(tokens.size, 3, "a refresh went through the store");
  const values = await Promise.all((await keys(r)).map(async (k) => [k, await raw(r, k)]));
  assert.ok(values.length > 0 && values.every(([, v]) => v !== null));
  const needles = [BASIC_SECRET, SHORT_SECRET, "ccauth-basic", "ccauth-short"];
  for (const tk of tokens) needles.push(tk, ...tk.split(".").filter((part) => part.length >= 16));
  for (const [k, v] of values) {
    for (const needle of needles) {
      assert.ok(!k.includes(needle), `${needle.slice(0, 12)}… in a key name`);
      assert.ok(!v.includes(Buffer.from(needle)), `${needle.slice(0, 12)}… in the value of ${k}`);
    }
  }
  const texts = events.map((e) => JSON.stringify(e));
  assert.ok(texts.some((x) => x.includes("store_hit")) && texts.some((x) => x.includes("store_published")));
  for (const text of texts) for (const needle of needles) assert.ok(!text.includes(needle), `${needle.slice(0, 12)}… in ${text.slice(0, 80)}`);
});

// -- the driver's edges -----------------------------------------------------------------------

/** A store whose every command throws, rejects, answers garbage or never answers. */
function broken(mode) {
  const store = { calls: 0 };
  const fail = () => {
    store.calls += 1;
    if (mode === "throws") throw new Error("store down");
    if (mode === "rejects") return Promise.reject(new Error("store down"));
    if (mode === "answers garbage") return Promise.resolve("not bytes");
    return new Promise(() => {}); // never answers
  };
  for (const m of ["get", "setIfAbsent", "set", "deleteIfEquals"]) store[m] = fail;
  return store;
}

for (const mode of ["throws", "rejects", "answers garbage", "never answers"]) {
  test(`a store that ${mode} is never a caller's error`, { timeout: 30_000 }, async () => {
    const events = [];
    const store = broken(mode);
    const client = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-basic", clientSecret: BASIC_SECRET, store, storeTimeoutMs: 200, onEvent: (e) => events.push(e.event) });
    const started = Date.now();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getToken()));
    assert.ok(tokens.every((tk) => tk.accessToken === tokens[0].accessToken));
    assert.equal(store.calls, 1, "one failed read, then the token request alone (no publish while the store is down)");
    assert.deepEqual(events.filter((e) => e.startsWith("store_")), ["store_unavailable"]);
    if (mode === "never answers") assert.ok(Date.now() - started < 2_000, "bounded by storeTimeoutMs");
  });
}

test("a 401 deletes the shared entry only while it holds that token", { timeout: 60_000 }, async (t) => {
  const r = await redisClient();
  t.after(() => r.close());
  await r.flushDb();
  const events = [];
  const a = basicClient(r, events);
  const token = await a.getToken();
  const key = a.storeKeys.token;
  assert.ok(await raw(r, key));
  assert.ok(a.invalidate(token, 'Bearer error="invalid_token"'));
  const eventually = async (predicate, what) => {
    for (let i = 0; i < 100 && !(await predicate()); i++) await sleep(20);
    assert.ok(await predicate(), what);
  };
  await eventually(async () => (await raw(r, key)) === null, "the entry held the dropped token: deleted");
  const b = basicClient(r, events);
  const fresh = await b.getToken(); // fetched and published anew
  const c = basicClient(r, events);
  assert.equal((await c.getToken()).accessToken, fresh.accessToken, "c's token came from the store");
  const entry = await raw(r, key);
  await r.del(key);
  const d = basicClient(r, events);
  await d.getToken(); // another token, published
  const other = await raw(r, key);
  assert.ok(other && !other.equals(entry));
  assert.ok(b.invalidate(fresh, 'Bearer error="invalid_token"'), "b dropped its token");
  await sleep(300);
  assert.ok((await raw(r, key)).equals(other), "another token's entry is left alone");
});

test("store options are checked: typed errors naming the option", { timeout: 60_000 }, async (t) => {
  const r = await redisClient();
  t.after(() => r.close());
  const refused = (options, field, code) => {
    assert.throws(() => new ClientCredentials({ tokenEndpoint, clientId: "ccauth-basic", ...options }), (e) => {
      assert.ok(isCcauthError(e), String(e));
      assert.equal(e.field, field, e.message);
      if (code) assert.equal(e.code, code);
      for (const secret of [BASIC_SECRET, "too short"]) assert.ok(!e.message.includes(secret), e.message);
      return true;
    });
  };
  const store = new RedisStore(r);
  refused({ clientSecret: BASIC_SECRET, store: { get() {} } }, "store", "INVALID_CONFIG_DOCUMENT");
  refused({ clientSecret: BASIC_SECRET, store, storeKey: 42 }, "storeKey", "INVALID_CONFIG_DOCUMENT");
  refused({ clientSecret: BASIC_SECRET, storeKey: "a store key of 16+ bytes" }, "storeKey", "INVALID_CONFIG_DOCUMENT");
  refused({ clientSecret: BASIC_SECRET, store, storeKey: "too short" }, "storeKey");
  refused({ clientSecret: BASIC_SECRET, store, storeTimeoutMs: 0 }, "storeTimeoutMs", "INVALID_CONFIG_DOCUMENT");
  refused({ clientId: "ccauth-dpop", clientSecret: "dpop-secret-0123456789", dpop: true, store }, "store");
  refused({ authMethod: "none", store }, "storeKey");
  const keyed = new ClientCredentials({ tokenEndpoint, clientId: "ccauth-basic", authMethod: "none", store, storeKey: new TextEncoder().encode("a store key of 16+ bytes") });
  assert.match(keyed.storeKeys.token, /^ccauth:\{[0-9a-f]+\}:token$/);
  assert.match(keyed.storeKeys.lease, /^ccauth:\{[0-9a-f]+\}:lease$/);
  assert.equal(new ClientCredentials({ tokenEndpoint, clientId: "ccauth-basic", clientSecret: BASIC_SECRET }).storeKeys, undefined);
  assert.match(deleteIfEqualsScript(), /redis\.call\('GET', KEYS\[1\]\) == ARGV\[1\]/);
  assert.throws(() => new RedisStore({}), TypeError);
});
