// One Node process of a simulated fleet, speaking the protocol of
// bindings-uniffi/python/tests/fleet_worker.py (a mixed-language fleet test
// starts Python, Node, Kotlin workers side by side): its own
// ClientCredentials sharing tokens through Redis, `callers` concurrent
// callers asking for a token over and over until stdin closes.
//
// It runs from the PACKED package: scripts/test-npm.sh installs the tarball
// (and node-redis) into target/npm/scratch and copies this file there. After
// scripts/test-npm.sh has run, from the repository root, with a Redis and the
// local authorization server (the wrappers export CCAUTH_REDIS_URL and
// CCAUTH_TOKEN_ENDPOINT; give your own to join a running fleet):
//
//   bash scripts/with-redis.sh bash scripts/with-auth-server.sh \
//     node target/npm/scratch/fleet-worker.mjs '{"client_id": "ccauth-short", "secret": "short-secret-0123456789"}'
//
// Closing its stdin (Ctrl-D here; the test closes the pipe) ends it with a "done" line.
//
// argv[2], JSON: client_id, secret, callers (50), attempt_timeout_ms (2000),
// start_at_ms (Unix ms to start at, for a fleet released at one instant),
// pause_ms (20, between a caller's calls), no_store (each process alone),
// hang (the token request never answers: says "hanging", for a kill -9 test).
// stdout, one JSON line each: {"kind", "t": Unix ms, "pid", …}: "started";
// "token" with "id" (the first 16 hex digits of the token's SHA-256, once per
// new token, never the token); "event" with "event" (the lifecycle event in
// the core's snake_case: "event", "at_ms", …) for store_*, lease_* and
// fetch_* events; "error" with "error" (its name) and "code"; "hanging";
// "done" with "calls", "errors", "tokens" once stdin closed.
import { createHash } from "node:crypto";
import { ClientCredentials, RedisStore } from "ccauth";
import { createClient } from "redis";

const say = (kind, fields = {}) => process.stdout.write(`${JSON.stringify({ kind, t: Date.now(), pid: process.pid, ...fields })}\n`);
const snake = (name) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const FETCH_EVENTS = new Set(["fetch_started", "fetch_succeeded", "fetch_failed"]);

const options = JSON.parse(process.argv[2] ?? "{}");
const redisUrl = process.env.CCAUTH_REDIS_URL;
const tokenEndpoint = process.env.CCAUTH_TOKEN_ENDPOINT;
if (!redisUrl || !tokenEndpoint) {
  process.stderr.write("fleet-worker: CCAUTH_REDIS_URL and CCAUTH_TOKEN_ENDPOINT must be set\n");
  process.exit(2);
}

let stopped = false;
process.stdin.on("data", () => {});
process.stdin.on("end", () => {
  stopped = true;
});
process.stdin.resume();

// Commands fail at once while Redis is down (no offline queue), connecting
// gives up after 500 ms, and reconnecting is tried every 200 ms.
const redis = options.no_store
  ? undefined
  : createClient({ url: redisUrl, disableOfflineQueue: true, socket: { connectTimeout: 500, reconnectStrategy: () => 200 } });
redis?.on("error", () => {}); // a down Redis is a failed store (each process fetches alone), not a crash
// Not awaited: a Redis down at start must not hold the callers (its commands fail until it is up).
redis?.connect().catch(() => {});

const onEvent = (event) => {
  if (event.event.startsWith("store_") || event.event.startsWith("lease_") || FETCH_EVENTS.has(event.event)) {
    say("event", { event: Object.fromEntries(Object.entries(event).map(([k, v]) => [snake(k), v])) });
  }
};
// hang: the request is "sent" and never answered (the client's own timeout aside).
const hanging = () => {
  say("hanging");
  return new Promise(() => {});
};
const client = new ClientCredentials({
  tokenEndpoint,
  clientId: options.client_id,
  clientSecret: options.secret,
  retry: { attemptTimeoutMs: options.attempt_timeout_ms ?? 2_000 },
  timeoutMs: options.hang ? 2 ** 31 - 1 : 5_000, // hang: blocked for good, as the Python worker's transport
  onEvent,
  ...(options.hang ? { fetch: hanging } : {}),
  ...(redis ? { store: new RedisStore(redis) } : {}),
});

const seen = new Map();
let calls = 0;
let errors = 0;
const got = (token) => {
  const now = Date.now();
  calls += 1;
  if (token.expiresAt.getTime() <= now) {
    errors += 1;
    say("error", { error: "an expired token", code: null });
  }
  const id = createHash("sha256").update(token.accessToken).digest("hex").slice(0, 16);
  if (!seen.has(id)) {
    seen.set(id, now);
    say("token", { id });
  }
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(Math.max(0, (options.start_at_ms ?? 0) - Date.now()));
say("started");
const pause = options.pause_ms ?? 20;
const caller = async () => {
  while (!stopped) {
    try {
      got(await client.getToken());
    } catch (e) {
      errors += 1;
      say("error", { error: e?.name ?? "Error", code: e?.code ?? null });
    }
    await sleep(pause);
  }
};
await Promise.all(Array.from({ length: options.callers ?? 50 }, caller));
say("done", { calls, errors, tokens: seen.size });
client.close();
await redis?.close().catch(() => {});
process.exit(0);
