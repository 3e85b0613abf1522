/**
 * ClientCredentials: the core's token lifecycle driven with `fetch`.
 * Protocol and timing decisions are the core's; this file sends requests,
 * reads the clock and wakes waiters.
 */
import { CcauthError, type CoreError, rethrow } from "./errors.js";
import { type ClientCredentialsOptions, configDocument } from "./options.js";
import { AccessToken, type CoreToken } from "./token.js";
import { core, loadCore } from "./wasm.js";

interface Ticket {
  id: number;
  attempt: number;
  request: { method: string; url: string; headers: [string, string][]; body: string };
}

type Decision =
  | { decision: "ready"; token: CoreToken }
  | { decision: "fetch"; ticket: Ticket }
  | { decision: "refresh_ahead"; token: CoreToken; ticket: Ticket }
  | { decision: "wait"; until_ms: number }
  | { decision: "failed"; error: CoreError };

/**
 * A seed for the refresh jitter (spreading a fleet's refreshes, not a secret):
 * the platform's random source, or Math.random where there is no global
 * `crypto` (Node 18 without the flag).
 */
function randomSeed(): number {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!crypto?.getRandomValues) return Math.floor(Math.random() * 2 ** 53);
  const words = new Uint32Array(2);
  crypto.getRandomValues(words);
  return (words[0] as number) * 2 ** 21 + ((words[1] as number) >>> 11);
}

function transportKind(error: unknown): "timeout" | "connect" | "other" {
  const name = (error as { name?: string })?.name;
  if (name === "TimeoutError" || name === "AbortError") return "timeout";
  if (error instanceof TypeError) return "connect";
  return "other";
}

/** A request body that can be sent twice (no stream). */
function replayable(input: RequestInfo | URL, init?: RequestInit): boolean {
  if (typeof Request !== "undefined" && input instanceof Request && input.body !== null) return false;
  const body = init?.body;
  return body === undefined || body === null || typeof body === "string" || body instanceof URLSearchParams ||
    body instanceof ArrayBuffer || ArrayBuffer.isView(body) || (typeof Blob !== "undefined" && body instanceof Blob) ||
    (typeof FormData !== "undefined" && body instanceof FormData);
}

/** A "ready" answer, with the settled promises the hot path hands out (no allocation per call). */
interface Memo {
  token: AccessToken;
  tokenPromise: Promise<AccessToken>;
  headerPromise: Promise<string>;
  from: number;
  until: number;
}

export class ClientCredentials {
  readonly #lifecycle: InstanceType<typeof core.TokenLifecycle>;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  #changed!: Promise<void>;
  #notify!: () => void;
  /**
   * The core's last "ready" answer, memoized: the core owns this lifecycle
   * alone and answers "ready" for the same token until its refresh time, so
   * asking again within that window would only cost a wasm call. Any report,
   * invalidation or import clears it.
   */
  #ready: Memo | undefined;

  /** Validates `options` at once; throws a CcauthError naming the bad option. */
  constructor(options: ClientCredentialsOptions) {
    loadCore();
    try {
      this.#lifecycle = new core.TokenLifecycle(configDocument(options), randomSeed());
    } catch (e) {
      rethrow(e);
    }
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#renew();
  }

  #renew(): void {
    this.#changed = new Promise((resolve) => {
      this.#notify = resolve;
    });
  }

  /** Wakes every caller waiting for a fetch outcome. */
  #wake(): void {
    this.#ready = undefined;
    const notify = this.#notify;
    this.#renew();
    notify();
  }

  /** Sends one ticket's request and reports the outcome to the core. */
  async #run(ticket: Ticket): Promise<void> {
    const { request } = ticket;
    try {
      const response = await this.#fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      const body = new Uint8Array(await response.arrayBuffer());
      this.#lifecycle.handleResponse(ticket.id, response.status, JSON.stringify([...response.headers]), body, Date.now());
    } catch (error) {
      const message = (error as Error)?.message ?? "request failed";
      this.#lifecycle.handleTransportError(ticket.id, transportKind(error), message, Date.now());
    }
    this.#wake();
  }

  /** A valid token: cached, or fetched once for every concurrent caller. */
  getToken(): Promise<AccessToken> {
    const memo = this.#memo();
    return memo ? memo.tokenPromise : this.#getToken();
  }

  /** The memo, if the core's "ready" answer still holds at this instant. */
  #memo(): Memo | undefined {
    const memo = this.#ready;
    if (memo === undefined) return undefined;
    const now = Date.now();
    return now >= memo.from && now < memo.until ? memo : undefined;
  }

  async #getToken(): Promise<AccessToken> {
    for (;;) {
      const decision = JSON.parse(this.#lifecycle.poll(Date.now())) as Decision;
      switch (decision.decision) {
        case "ready": {
          const token = new AccessToken(decision.token);
          // The core trusts a token from 5 s before its issue time (clock steps) to its refresh time.
          this.#ready = {
            token,
            tokenPromise: Promise.resolve(token),
            headerPromise: Promise.resolve(token.authorization),
            from: decision.token.issued_at_ms - 5_000,
            until: decision.token.refresh_at_ms,
          };
          return token;
        }
        case "fetch":
          await this.#run(decision.ticket);
          break;
        case "refresh_ahead":
          void this.#run(decision.ticket);
          return new AccessToken(decision.token);
        case "wait": {
          const wait = Math.min(Math.max(decision.until_ms - Date.now(), 1), 1_000);
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([this.#changed, new Promise((r) => (timer = setTimeout(r, wait)))]);
          clearTimeout(timer);
          break;
        }
        case "failed":
          throw new CcauthError(decision.error);
      }
    }
  }

  /** The `Authorization` header value, e.g. `Bearer eyJ…`. */
  authorizationHeader(): Promise<string> {
    const memo = this.#memo();
    return memo ? memo.headerPromise : this.#getToken().then((t) => t.authorization);
  }

  /**
   * `fetch` with the token attached. On a 401 whose `WWW-Authenticate` says
   * the token is invalid (or says nothing), the token is dropped and the
   * request is sent once more with a fresh one, if its body can be replayed
   * (not a stream); otherwise the 401 is returned as is.
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const send = async (token: AccessToken) => {
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      headers.set("Authorization", token.authorization);
      return this.#fetch(input, { ...init, headers });
    };
    const token = await this.getToken();
    const response = await send(token);
    if (response.status !== 401 || !replayable(input, init)) return response;
    // The core decides whether the challenge condemns the token; if it kept
    // it (insufficient_scope, …) the same token comes back and nothing is retried.
    this.invalidate(token, response.headers.get("www-authenticate") ?? undefined);
    const fresh = await this.getToken();
    if (fresh.accessToken === token.accessToken) return response;
    await response.body?.cancel();
    return send(fresh);
  }

  /** Tells the client the API rejected `token`; the next call fetches a new one. */
  invalidate(token: AccessToken, wwwAuthenticate?: string): boolean {
    this.#ready = undefined;
    return this.#lifecycle.invalidate(token.accessToken, wwwAuthenticate);
  }

  /** The cached token as a versioned JSON document (it holds the token: store it like a secret). */
  exportToken(): string | undefined {
    return this.#lifecycle.exportToken();
  }

  /** Loads a document from `exportToken` (throws a CcauthError if expired, foreign or malformed). */
  importToken(document: string): AccessToken {
    this.#ready = undefined;
    try {
      return new AccessToken(JSON.parse(this.#lifecycle.importToken(document, Date.now())) as CoreToken);
    } catch (e) {
      return rethrow(e);
    }
  }
}

