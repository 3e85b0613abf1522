/**
 * A fleet shares one token through a store: the store interface, the
 * node-redis adapter, and the runner of the core's store commands.
 *
 * The core decides everything (what to read, when to take the lease, how
 * long to back off, what to publish, when to release) and seals and opens
 * the entries; this file runs the four commands it names on the user's store
 * and reports what came back. Values are sealed entries or lease owner ids:
 * never a token or a secret in clear.
 *
 * The store is never a reason to fail a caller: a rejection, a throw, a
 * command slower than the timeout or an answer of the wrong type is a
 * failed store, and the core fetches alone (`store_unavailable`).
 *
 * `redis` is not a dependency: {@link RedisStore} calls the client it is
 * given (duck-typed) and imports nothing.
 */
import { core, loadCore } from "./wasm.js";

/**
 * What a fleet store does: four commands, one key each. Implement it over
 * any client (ioredis, a Redis Cluster client, Valkey, …); {@link RedisStore}
 * is node-redis's. Throwing or rejecting is fine: it counts as the store
 * failing (the token request goes ahead alone). `signal` is aborted when the
 * command ran out of time, for clients that can drop a queued command.
 */
export interface Store {
  /** `GET key`: the value, or `null` when there is none. */
  get(key: string, signal?: AbortSignal): Promise<Uint8Array | null>;
  /** `SET key value NX PX ttlMs`: whether it was set. */
  setIfAbsent(key: string, value: Uint8Array, ttlMs: number, signal?: AbortSignal): Promise<boolean>;
  /** `SET key value PX ttlMs` (the answer is not read). */
  set(key: string, value: Uint8Array, ttlMs: number, signal?: AbortSignal): Promise<unknown>;
  /** Deletes `key` only while it holds `value` (Redis: `EVAL` of {@link deleteIfEqualsScript}, 1 key): whether it was deleted. */
  deleteIfEquals(key: string, value: Uint8Array, signal?: AbortSignal): Promise<boolean>;
}

/** The store's key names of a client: `ccauth:{<id>}:token` and `…:lease` (the braces are a Redis Cluster hash tag). */
export interface StoreKeys {
  /** The sealed token entry. */
  readonly token: string;
  /** The fetch lease. */
  readonly lease: string;
}

/** The compare-and-delete Lua script (`EVAL script 1 key value`): deletes `key` only while it holds `value`. */
export function deleteIfEqualsScript(): string {
  loadCore();
  return core.deleteIfEqualsScript();
}

/** The part of a node-redis client (v4, v5, v6) the adapter calls. */
interface NodeRedisClient {
  sendCommand(args: unknown[], options?: Record<string, unknown>): Promise<unknown>;
  listenerCount?(event: string): number;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
}

type BufferLike = Uint8Array & { toString(encoding?: string): string };
type BufferClass = { from(data: ArrayBufferLike, offset?: number, length?: number): BufferLike; isBuffer(v: unknown): boolean };

/**
 * Node's Buffer (node-redis sends and reads bytes as Buffers): the global,
 * else `node:buffer` through `process.getBuiltinModule` (Deno), never imported.
 */
function bufferClass(): BufferClass | undefined {
  const g = globalThis as { Buffer?: BufferClass; process?: { getBuiltinModule?: (name: string) => unknown } };
  if (g.Buffer !== undefined) return g.Buffer;
  return (g.process?.getBuiltinModule?.("node:buffer") as { Buffer?: BufferClass } | undefined)?.Buffer;
}

/**
 * The fleet store on a node-redis client (`createClient` of the `redis`
 * package, v4 to v6), connected by you:
 *
 * ```ts
 * const redis = await createClient({ url, disableOfflineQueue: true }).on("error", () => {}).connect();
 * const client = new ClientCredentials({ tokenEndpoint, clientId, clientSecret, store: new RedisStore(redis) });
 * ```
 *
 * Commands: `GET`, `SET … NX PX`, `SET … PX` and `EVAL` with one key (all
 * single-slot: a cluster accepts them), sent with `sendCommand` and read as
 * bytes (node-redis decodes replies to strings unless told otherwise, which
 * would mangle sealed entries). A client with no `error` listener gets one
 * that ignores errors: node-redis emits one for each failed reconnect, and
 * an unheard `error` event ends a Node process; a down Redis must not.
 */
export class RedisStore implements Store {
  readonly #client: NodeRedisClient;
  readonly #script: string;
  readonly #buffer: BufferClass;

  constructor(client: unknown) {
    const c = client as NodeRedisClient | null;
    if (typeof c?.sendCommand !== "function") throw new TypeError("RedisStore needs a node-redis client (createClient() of the `redis` package)");
    const buffer = bufferClass();
    if (buffer === undefined) throw new TypeError("RedisStore needs Buffer (node-redis runs in Node, Deno and Bun)");
    if (typeof c.listenerCount === "function" && typeof c.on === "function" && c.listenerCount("error") === 0) c.on("error", () => {});
    this.#client = c;
    this.#buffer = buffer;
    this.#script = deleteIfEqualsScript();
  }

  /** Sends one command; replies are Buffers (v5+: `typeMapping`, v4: `returnBuffers`). */
  #send(args: unknown[], signal?: AbortSignal): Promise<unknown> {
    return this.#client.sendCommand(args, { typeMapping: { 36: this.#buffer }, returnBuffers: true, abortSignal: signal });
  }

  #bytes(value: Uint8Array): BufferLike {
    return this.#buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }

  async get(key: string, signal?: AbortSignal): Promise<Uint8Array | null> {
    const value = await this.#send(["GET", key], signal);
    if (value === null || value instanceof Uint8Array) return value;
    throw new TypeError("GET answered something other than bytes");
  }

  async setIfAbsent(key: string, value: Uint8Array, ttlMs: number, signal?: AbortSignal): Promise<boolean> {
    const reply = await this.#send(["SET", key, this.#bytes(value), "PX", String(ttlMs), "NX"], signal);
    return reply !== null && String(reply) === "OK";
  }

  set(key: string, value: Uint8Array, ttlMs: number, signal?: AbortSignal): Promise<unknown> {
    return this.#send(["SET", key, this.#bytes(value), "PX", String(ttlMs)], signal);
  }

  async deleteIfEquals(key: string, value: Uint8Array, signal?: AbortSignal): Promise<boolean> {
    return Number(await this.#send(["EVAL", this.#script, "1", key, this.#bytes(value)], signal)) === 1;
  }
}

/** A step of the core, read into plain data (and freed). @internal */
export interface Step {
  kind: "get" | "set_if_absent" | "set" | "delete_if_equals" | "sleep" | "fetch" | "done";
  key?: string;
  value?: Uint8Array;
  ttlMs?: number;
  untilMs?: number;
}

/** Reads and frees a core `StoreStep`. @internal */
export function readStep(s: core.StoreStep): Step {
  try {
    const kind = s.kind as Step["kind"];
    switch (kind) {
      case "sleep":
        return { kind, untilMs: s.untilMs };
      case "fetch":
      case "done":
        return { kind };
      default:
        return { kind, key: s.key, value: s.value, ttlMs: s.ttlMs };
    }
  } finally {
    s.free();
  }
}

/** What a command gave, for the core: a GET's value (`null`: none), whether it applied, or `failed`. @internal */
export type Reply = { value: Uint8Array | null } | { applied: boolean } | "failed";

/**
 * Runs one command on `store`, bounded by `timeoutMs`: its reply, or
 * `failed` on any throw, rejection, timeout or answer of the wrong type.
 * Never throws. @internal
 */
export async function runCommand(store: Store, step: Step, timeoutMs: number): Promise<Reply> {
  const key = step.key as string;
  const value = step.value ?? new Uint8Array(0);
  const ttl = step.ttlMs ?? 1;
  const abort = typeof AbortController === "function" ? new AbortController() : undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"failed">((resolve) => {
    timer = setTimeout(() => {
      abort?.abort();
      resolve("failed");
    }, timeoutMs);
  });
  const run = async (): Promise<Reply> => {
    switch (step.kind) {
      case "get": {
        const got = await store.get(key, abort?.signal);
        if (got === null || got === undefined) return { value: null };
        if (got instanceof Uint8Array) return { value: got };
        return "failed";
      }
      case "set_if_absent":
        return { applied: Boolean(await store.setIfAbsent(key, value, ttl, abort?.signal)) };
      case "set":
        await store.set(key, value, ttl, abort?.signal);
        return { applied: true };
      case "delete_if_equals":
        return { applied: Boolean(await store.deleteIfEquals(key, value, abort?.signal)) };
      default:
        return "failed";
    }
  };
  try {
    const command = run();
    command.catch(() => {}); // one that fails after its timeout is no one's error
    return await Promise.race([command, late]);
  } catch {
    return "failed"; // the store is never a reason to fail a caller
  } finally {
    clearTimeout(timer);
  }
}
