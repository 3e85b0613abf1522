/**
 * Lifecycle events and stats: the core's JSON (snake_case) as plain
 * camelCase objects, handed to an `onEvent` listener and published on the
 * `ccauth:lifecycle` diagnostics channel where the runtime has one.
 */
import type { CcauthErrorCode } from "./errors.js";

/** What happened (the same names in every ccauth binding). */
export type LifecycleEventName =
  | "fetch_started"
  | "fetch_succeeded"
  | "retry_scheduled"
  | "fetch_failed"
  | "token_invalidated"
  | "failure_reset"
  | "store_hit"
  | "lease_acquired"
  | "lease_busy"
  | "store_published"
  | "store_entry_rejected"
  | "store_unavailable"
  | "store_recovered";

/**
 * One lifecycle change of a client: a token request starts, succeeds, is
 * retried, fails for good; a token is dropped; a failure is reset; with a
 * fleet store: a token read from it (`store_hit`), its lease taken or found
 * busy, a token published, an entry rejected (`reason`: `truncated`,
 * `tampered_or_foreign`), the store failing and answering again. Never
 * emitted for a call served from the cache. Fields an event does not carry
 * are absent. No event holds a secret, a token or a response body: tokens
 * and cache entries are named by SHA-256 prefixes.
 */
export interface LifecycleEvent {
  readonly event: LifecycleEventName;
  /** When it happened (Unix ms). */
  readonly atMs: number;
  /** The cache entry: a SHA-256 prefix of its cache key (the same in `stats()`). */
  readonly key: string;
  /** The token request's ticket (fetch events). */
  readonly ticket?: number;
  /** 1 for a fetch's first attempt, 2 for the first retry, …. */
  readonly attempt?: number;
  /**
   * Why a fetch started (`cold`, `refresh_ahead`, `proactive`, `expired`,
   * `invalidated`, `retry`, `dpop_nonce`), a token was dropped (`api_401`,
   * `revoked`, `user`) or a store entry rejected (`truncated`, `tampered_or_foreign`).
   */
  readonly reason?: string;
  /** From the request's start to its answer (ms). */
  readonly durationMs?: number;
  /** The new token's lifetime (ms). */
  readonly lifetimeMs?: number;
  /** When the new token expires (Unix ms). */
  readonly expiresAtMs?: number;
  /** Where its expiry came from (`expires_in`, `expires_on`, `jwt_exp`, `default`). */
  readonly expirySource?: string;
  /** What the response parser tolerated (`expires_in_string`, …). */
  readonly deviations?: readonly string[];
  /** The token: a SHA-256 prefix, to correlate logs; useless to replay. */
  readonly tokenId?: string;
  /** How long until the retry (ms). */
  readonly delayMs?: number;
  /** When the retry starts, or (`fetch_failed`) when the cool-down ends (Unix ms). */
  readonly untilMs?: number;
  /** The server's `Retry-After` (ms). */
  readonly retryAfterMs?: number;
  /** The error's stable code (`TOKEN_ENDPOINT_ERROR`, `TRANSPORT_ERROR`, …). */
  readonly code?: CcauthErrorCode;
  /** The server's RFC 6749 `error` (`invalid_client`, …). */
  readonly error?: string;
  /** The HTTP status of the token endpoint's answer. */
  readonly status?: number;
  /** Whether the same request may succeed later. */
  readonly retryable?: boolean;
  /** The error's message (no secret, token or body). */
  readonly message?: string;
  /** The server's request or trace ids, `name=value` (`x-request-id=…`, the body's `trace_id=…`). */
  readonly traceIds?: readonly string[];
}

/** A client's counters and state ({@link ClientCredentials.stats}). */
export interface TokenStats {
  /** The cache entry, as in events. */
  readonly key: string;
  /** Calls answered with a token, cached or fresh. */
  readonly tokensServed: number;
  /** Token requests sent (every attempt). */
  readonly fetches: number;
  /** Token requests that brought a token. */
  readonly fetchSuccesses: number;
  /** Attempts that failed (retried or final). */
  readonly attemptFailures: number;
  /** Fetches that failed for good (cool-downs entered). */
  readonly fetchFailures: number;
  /** Cached tokens dropped (an API's 401, a revocation, `invalidate()`). */
  readonly invalidations: number;
  /** When the last token request started (Unix ms). */
  readonly lastFetchAtMs?: number;
  /** The cached token's expiry (Unix ms). */
  readonly tokenExpiresAtMs?: number;
  /** The cached token's id (SHA-256 prefix), as in events. */
  readonly tokenId?: string;
  /** While a failure is served from the cool-down: until when (Unix ms); `resetFailure()` ends it. */
  readonly cooldownUntilMs?: number;
  /** The code of the last failed attempt. */
  readonly lastErrorCode?: CcauthErrorCode;
}

/** A listener for lifecycle events (option `onEvent`); what it throws or rejects is ignored. */
export type LifecycleListener = (event: LifecycleEvent) => unknown;

/** The diagnostics_channel name events are published on. */
export const LIFECYCLE_CHANNEL = "ccauth:lifecycle";

const camelNames = new Map<string, string>();
const camel = (name: string): string => {
  let c = camelNames.get(name);
  if (c === undefined) {
    c = name.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
    camelNames.set(name, c);
  }
  return c;
};

/** The core's JSON object with camelCase names; null members left out, arrays frozen. @internal */
export function camelObject<T>(o: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const name in o) {
    const value = o[name];
    if (value === null || value === undefined) continue;
    out[camel(name)] = Array.isArray(value) ? Object.freeze(value) : value;
  }
  return Object.freeze(out) as T;
}

/** The core's drained events (a JSON array), camelCased and frozen. @internal */
export const parseEvents = (json: string): LifecycleEvent[] =>
  (JSON.parse(json) as Record<string, unknown>[]).map((e) => camelObject<LifecycleEvent>(e));

interface Channel {
  readonly hasSubscribers: boolean;
  publish(message: unknown): void;
}

let channel: Channel | null | undefined;

/**
 * The `ccauth:lifecycle` channel of `node:diagnostics_channel`, or null where
 * the runtime has none. Asked of `process.getBuiltinModule` (Node ≥ 20.16,
 * Deno, Bun) when first needed, never imported, so bundles for browsers and
 * workers carry no reference to it. @internal
 */
export function lifecycleChannel(): Channel | null {
  if (channel !== undefined) return channel;
  channel = null;
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
    const dc = proc?.getBuiltinModule?.("node:diagnostics_channel") as { channel?: (name: string) => Channel } | undefined;
    if (typeof dc?.channel === "function") channel = dc.channel(LIFECYCLE_CHANNEL);
  } catch {
    // no diagnostics_channel here: events go to onEvent alone
  }
  return channel;
}

/**
 * Hands each event to `listener` and to the channel's subscribers; what
 * either throws (or a listener's promise rejects with) is dropped, so an
 * observer never breaks the token path. @internal
 */
export function dispatch(events: readonly LifecycleEvent[], listener: LifecycleListener | undefined, to: Channel | null): void {
  for (const event of events) {
    if (listener !== undefined) {
      try {
        const r = listener(event) as { then?: unknown } | undefined;
        if (r !== undefined && r !== null && typeof r.then === "function") (r as Promise<unknown>).then(undefined, () => {});
      } catch {
        // a listener's failure is its own
      }
    }
    if (to?.hasSubscribers) {
      try {
        to.publish(event);
      } catch {
        // a subscriber's failure is its own
      }
    }
  }
}
