/**
 * ClientCredentials: the core's token lifecycle driven with `fetch`.
 * Protocol and timing decisions are the core's; this file sends requests,
 * reads the clock and wakes waiters.
 */
import { ccauthError, type CoreError, ownError, rethrow } from "./errors.js";
import { checkOptions, type ClientCredentialsOptions, configDocument, type Discovered, type KeyInput } from "./options.js";
import { accessToken, type AccessToken, type CoreToken } from "./token.js";
import { type CoreRequest, exchange, limitOf, NoReply, type Reply, type TransportFailure } from "./transport.js";
import { core, loadCore } from "./wasm.js";

interface Ticket {
  id: number;
  attempt: number;
  request: CoreRequest;
  needs_client_assertion: boolean;
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

/** `n` bytes from the platform's cryptographic random source (WebCrypto). */
export function randomBytes(n: number): Uint8Array {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!crypto?.getRandomValues) {
    throw ownError({
      code: "NO_RANDOM_SOURCE",
      message: "NO_RANDOM_SOURCE: signing needs globalThis.crypto (Node 18: --experimental-global-webcrypto)",
      retryable: false,
    });
  }
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Whether a config signs (and so needs cryptographic randomness). @internal */
export const signs = (o: ClientCredentialsOptions): boolean =>
  o.authMethod === "client_secret_jwt" || o.authMethod === "private_key_jwt" || o.privateKey !== undefined ||
  o.clientAssertion !== undefined || (o.dpop !== undefined && o.dpop !== false);

/** The method and URL a `fetch` call will use. */
function target(input: RequestInfo | URL, init?: RequestInit): { method: string; url: string } {
  const request = typeof Request !== "undefined" && input instanceof Request ? input : undefined;
  return {
    method: (init?.method ?? request?.method ?? "GET").toUpperCase(),
    url: request ? request.url : input instanceof URL ? input.href : String(input),
  };
}

/** A transport failure as a CcauthError, worded like the core's. */
function transportError(f: TransportFailure): never {
  const sent = f.requestSent === true ? " after the request was sent" : f.requestSent === false ? " before the request was sent" : "";
  throw ownError({
    code: "TRANSPORT_ERROR",
    message: `TRANSPORT_ERROR: ${f.kind}${sent}${f.cause ? ` (${f.cause})` : ""}: ${f.message}`,
    retryable: true,
    transport_kind: f.kind,
    cause: f.cause,
    request_sent: f.requestSent,
  });
}

/**
 * Sends a core-built request outside the token lifecycle (metadata,
 * revocation, introspection) and reads the reply within `limit`; no reply
 * is a CcauthError `TRANSPORT_ERROR`.
 */
async function send(doFetch: typeof fetch, request: CoreRequest, timeoutMs: number, limit: number): Promise<Reply> {
  try {
    return await exchange(doFetch, request, timeoutMs, limit);
  } catch (error) {
    if (error instanceof NoReply) transportError(error.failure);
    throw error;
  }
}

/** Introspection (RFC 7662): whether a token is active, and what the server says of it. */
export interface Introspection {
  active: boolean;
  scope?: string;
  clientId?: string;
  /** Expiry, Unix seconds. */
  exp?: number;
  tokenType?: string;
  /** Every member the server sent. */
  fields: Record<string, unknown>;
}

/** Options for {@link ClientCredentials.discover}: the issuer instead of the token endpoint. */
export type DiscoveryOptions = Omit<ClientCredentialsOptions, "tokenEndpoint"> & {
  /** The issuer identifier; its metadata (RFC 8414, or OpenID Connect Discovery) gives the rest. */
  issuer: string;
  /** Overrides the discovered token endpoint. */
  tokenEndpoint?: string;
};

/**
 * How `discover()` hands the metadata to the constructor: a key no user can
 * write, so the public constructor takes the options alone.
 */
const DISCOVERED = Symbol("ccauth.discovered");
type WithDiscovered = ClientCredentialsOptions & { [DISCOVERED]?: Discovered };

/** Discovered metadata, shared by every client of this module instance (kept 1 h by the core). */
let metadataCache: InstanceType<typeof core.MetadataCache> | undefined;

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
  /** The config's `maxResponseBytes`: no reply is read further than one byte past it. */
  readonly #limit: number;
  #changed!: Promise<void>;
  #notify!: () => void;
  /**
   * The core's last "ready" answer, memoized: the core owns this lifecycle
   * alone and answers "ready" for the same token until its refresh time, so
   * asking again within that window would only cost a wasm call. Any report,
   * invalidation or import clears it.
   */
  #ready: Memo | undefined;
  /** The config document, for revocation and introspection requests. */
  readonly #document: string;
  readonly #clientAssertion: (() => string | Promise<string>) | undefined;
  readonly #revocationEndpoint: string | undefined;
  readonly #introspectionEndpoint: string | undefined;

  /** Validates `options` at once; throws a CcauthError naming the bad option. */
  constructor(options: ClientCredentialsOptions) {
    loadCore();
    const discovered = (options as WithDiscovered)[DISCOVERED];
    const meta = discovered?.metadata as { revocation_endpoint?: string; introspection_endpoint?: string } | undefined;
    try {
      let dpopKey: KeyInput | undefined;
      if (options.dpop === true) dpopKey = JSON.parse(core.generateDpopKey(randomBytes(32))) as JsonWebKey;
      this.#document = configDocument(options, dpopKey, discovered);
      this.#lifecycle = new core.TokenLifecycle(this.#document, randomSeed());
      if (signs(options)) this.#lifecycle.seedEntropy(randomBytes(32));
    } catch (e) {
      rethrow(e);
    }
    this.#clientAssertion = options.clientAssertion;
    this.#revocationEndpoint = options.revocationEndpoint ?? meta?.revocation_endpoint;
    this.#introspectionEndpoint = options.introspectionEndpoint ?? meta?.introspection_endpoint;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#limit = limitOf(this.#lifecycle.maxResponseBytes());
    this.#renew();
  }

  /**
   * A client from the issuer alone: fetches its metadata (RFC 8414, then
   * OpenID Connect Discovery), checks the issuer, and takes the token
   * endpoint, the auth method and the signing algorithm the server supports.
   * Metadata is cached per issuer for an hour.
   */
  static async discover(options: DiscoveryOptions): Promise<ClientCredentials> {
    loadCore();
    checkOptions(options, ["issuer"]);
    const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    metadataCache ??= new core.MetadataCache(3_600_000);
    let text = metadataCache.get(options.issuer, Date.now());
    let last: CoreError | undefined;
    for (const kind of ["oauth", "openid"]) {
      if (text !== undefined) break;
      let request: CoreRequest;
      try {
        request = JSON.parse(core.buildMetadataRequest(options.issuer, kind, options.dangerAcceptInsecureHttp ?? false)) as CoreRequest;
      } catch (e) {
        return rethrow(e);
      }
      const reply = await send(doFetch, request, options.timeoutMs ?? 10_000, limitOf(core.defaultMaxResponseBytes()));
      const out = JSON.parse(
        core.parseMetadataResponse(options.issuer, reply.status, JSON.stringify(reply.headers), reply.body, Date.now()),
      ) as { metadata?: Record<string, unknown>; error?: CoreError };
      if (out.metadata) {
        text = JSON.stringify(out.metadata);
        metadataCache.insert(options.issuer, text, Date.now());
      } else {
        last = out.error;
      }
    }
    if (text === undefined) throw ccauthError(last as CoreError);
    const { issuer, ...rest } = options;
    const withMetadata: WithDiscovered = { ...rest, tokenEndpoint: options.tokenEndpoint ?? "", [DISCOVERED]: { issuer, metadata: JSON.parse(text) } };
    return new ClientCredentials(withMetadata);
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
    let { request } = ticket;
    if (ticket.needs_client_assertion) {
      try {
        const assertion = await (this.#clientAssertion as () => string | Promise<string>)();
        request = JSON.parse(this.#lifecycle.requestWithAssertion(ticket.id, assertion, Date.now())) as CoreRequest;
      } catch (error) {
        // A bad or expired assertion has already failed the fetch in the core;
        // a source that threw is reported like a failed request (message kept generic).
        if (!(typeof error === "string")) {
          this.#lifecycle.handleTransportError(ticket.id, "other", "the client assertion source failed", Date.now());
        }
        this.#wake();
        return;
      }
    }
    let reply: Reply | undefined;
    try {
      reply = await exchange(this.#fetch, request, this.#timeoutMs, this.#limit);
    } catch (error) {
      const f = error instanceof NoReply ? error.failure : { kind: "other" as const, message: "request failed" };
      // The core keeps the kind, the code and whether the request went out; it bounds and sanitizes the message.
      this.#lifecycle.handleTransportError(ticket.id, f.kind, f.message, Date.now(), f.cause, f.requestSent);
    }
    if (reply) this.#lifecycle.handleResponse(ticket.id, reply.status, JSON.stringify(reply.headers), reply.body, Date.now());
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
          const token = accessToken(decision.token);
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
          return accessToken(decision.token);
        case "wait": {
          const wait = Math.min(Math.max(decision.until_ms - Date.now(), 1), 1_000);
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([this.#changed, new Promise((r) => (timer = setTimeout(r, wait)))]);
          clearTimeout(timer);
          break;
        }
        case "failed":
          throw ccauthError(decision.error);
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
    const { method, url } = target(input, init);
    const send = async (token: AccessToken) => {
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      for (const [name, value] of Object.entries(this.#headersFor(token, method, url))) headers.set(name, value);
      const response = await this.#fetch(input, { ...init, headers });
      const nonce = response.headers.get("dpop-nonce");
      if (nonce !== null) this.#lifecycle.rememberDpopNonce(url, nonce);
      return response;
    };
    const token = await this.getToken();
    let response = await send(token);
    if (response.status !== 401 || !replayable(input, init)) return response;
    const challenge = response.headers.get("www-authenticate") ?? "";
    if (/use_dpop_nonce/.test(challenge) && response.headers.has("dpop-nonce")) {
      // RFC 9449 §9: the resource server wants its nonce in the proof; once.
      await response.body?.cancel();
      response = await send(token);
      if (response.status !== 401) return response;
    }
    // The core decides whether the challenge condemns the token; if it kept
    // it (insufficient_scope, …) the same token comes back and nothing is retried.
    this.invalidate(token, response.headers.get("www-authenticate") ?? undefined);
    const fresh = await this.getToken();
    if (fresh.accessToken === token.accessToken) return response;
    await response.body?.cancel();
    return send(fresh);
  }

  /** The headers for an API call: `Authorization`, and `DPoP` (a fresh proof) for a DPoP-bound token. */
  #headersFor(token: AccessToken, method: string, url: string): Record<string, string> {
    if (token.tokenType.toLowerCase() !== "dpop") return { Authorization: token.authorization };
    const proof = this.#lifecycle.dpopProof(token.accessToken, method, url, Date.now());
    return proof === undefined ? { Authorization: token.authorization } : { Authorization: token.authorization, DPoP: proof };
  }

  /**
   * The headers to send with your own HTTP client: `Authorization`, plus
   * `DPoP` (a proof for this `method` and `url`) when the token is DPoP-bound.
   * Pass any `DPoP-Nonce` the API answers to {@link rememberDpopNonce}.
   */
  async authorizationHeaders(method: string, url: string): Promise<Record<string, string>> {
    return this.#headersFor(await this.getToken(), method.toUpperCase(), url);
  }

  /** Remembers a resource server's `DPoP-Nonce` (from any of its responses) for the next proofs. */
  rememberDpopNonce(url: string, nonce: string): boolean {
    return this.#lifecycle.rememberDpopNonce(url, nonce);
  }

  /**
   * Revokes `token` (RFC 7009; default: the cached one, which is dropped so the
   * next call fetches a new token). Needs `revocationEndpoint` or discovery.
   */
  async revoke(token?: AccessToken | string, hint: "access_token" | "refresh_token" = "access_token"): Promise<void> {
    const value = token === undefined ? (await this.getToken()).accessToken : typeof token === "string" ? token : token.accessToken;
    await this.#admin("revocation", this.#revocationEndpoint, value, hint);
    this.#ready = undefined;
    this.#lifecycle.invalidate(value, undefined);
  }

  /** Asks the server about `token` (RFC 7662). Needs `introspectionEndpoint` or discovery. */
  async introspect(token: AccessToken | string, hint?: "access_token" | "refresh_token"): Promise<Introspection> {
    const value = typeof token === "string" ? token : token.accessToken;
    const fields = (await this.#admin("introspection", this.#introspectionEndpoint, value, hint)) as Record<string, unknown>;
    return {
      active: fields.active === true,
      scope: fields.scope as string | undefined,
      clientId: fields.client_id as string | undefined,
      exp: fields.exp as number | undefined,
      tokenType: fields.token_type as string | undefined,
      fields,
    };
  }

  async #admin(kind: "revocation" | "introspection", endpoint: string | undefined, token: string, hint?: string): Promise<unknown> {
    if (endpoint === undefined) {
      throw ownError({
        code: "INVALID_PARAMETER",
        message: `INVALID_PARAMETER: invalid \`${kind}Endpoint\`: not set (set ${kind}Endpoint or use discover())`,
        retryable: false,
        field: `${kind}Endpoint`,
        reason: `not set (set ${kind}Endpoint or use discover())`,
      });
    }
    let request: CoreRequest;
    try {
      request = JSON.parse(core.buildTokenAdminRequest(this.#document, kind, endpoint, token, hint, Date.now(), randomBytes(32))) as CoreRequest;
    } catch (e) {
      return rethrow(e);
    }
    const reply = await send(this.#fetch, request, this.#timeoutMs, this.#limit);
    const out = JSON.parse(
      core.parseTokenAdminResponse(this.#document, kind, reply.status, JSON.stringify(reply.headers), reply.body, Date.now()),
    ) as { ok?: boolean; introspection?: unknown; error?: CoreError };
    if (out.error) throw ccauthError(out.error);
    return out.introspection ?? out.ok;
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
      return accessToken(JSON.parse(this.#lifecycle.importToken(document, Date.now())) as CoreToken);
    } catch (e) {
      return rethrow(e);
    }
  }
}

