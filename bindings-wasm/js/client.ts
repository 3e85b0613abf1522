/**
 * ClientCredentials: the core's token lifecycle driven with `fetch`.
 * Protocol and timing decisions are the core's; this file sends requests,
 * reads the clock and wakes waiters.
 */
import { ccauthError, cooldownError, isCcauthError, ownError, rethrow } from "./errors.js";
import { doctorPlan, fileReader, processEnv, settingsFrom } from "./env.js";
import { camelObject, dispatch, type LifecycleListener, lifecycleChannel, parseEvents, type TokenStats } from "./events.js";
import { checkOptions, type ClientAuthOptions, type ClientCredentialsOptions, type CommonOptions, configDocument, type Discovered, type Keys, resolveKeys } from "./options.js";
import { invalidKey } from "./keys.js";
import { accessToken, type AccessToken } from "./token.js";
import { readStep, type Reply as StoreReply, runCommand, type Step, type Store, type StoreKeys } from "./fleet.js";
import { exchange, limitOf, NoReply, type Reply } from "./transport.js";
import { core, loadCore } from "./wasm.js";
import type { ApiHeaders, ApiVerdict, CoreRequest, CoreToken, Decision, DiscoveryStep, IntrospectionFields, Outcome, PreparedRequest, SigningInput, Ticket } from "./wire.js";

/** Signing inputs are ASCII: their bytes are the UTF-8 encoding. */
const ASCII = new TextEncoder();

type Headers_ = Readonly<Record<string, string>>;

/** The reply headers the core reads (asked of the core once, after it is loaded). */
let replyHeaders: readonly string[] | undefined;
const headerNames = (): readonly string[] => (replyHeaders ??= core.responseHeaderNames().split("\n"));

/** What a thrown value says, for the core to bound and sanitize. */
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * A seed for the refresh jitter (spreading a fleet's refreshes, not a
 * secret): Math.random, which each process seeds from the OS (WebCrypto's
 * first use costs Node a few ms of start-up, for nothing here).
 */
const randomSeed = (): number => Math.floor(Math.random() * 2 ** 53);

/** `n` bytes from the platform's cryptographic random source (WebCrypto). */
export function randomBytes(n: number): Uint8Array {
  const crypto = (globalThis as { crypto?: Crypto }).crypto;
  if (!crypto?.getRandomValues) {
    throw ownError({
      code: "NO_RANDOM_SOURCE",
      message:
        "NO_RANDOM_SOURCE: signing and a fleet store need globalThis.crypto (Node 18: --experimental-global-webcrypto)",
      retryable: false,
    });
  }
  return crypto.getRandomValues(new Uint8Array(n));
}

/** Whether a config signs for sure (and so needs cryptographic randomness). @internal */
export const signs = (o: ClientCredentialsOptions): boolean =>
  o.authMethod === "client_secret_jwt" || o.authMethod === "private_key_jwt" || (o.dpop !== undefined && o.dpop !== false);

/** Whether the platform has a cryptographic random source. */
const hasRandom = (): boolean => typeof (globalThis as { crypto?: Crypto }).crypto?.getRandomValues === "function";

/** The method and URL a `fetch` call will use. */
function target(input: RequestInfo | URL, init?: RequestInit): { method: string; url: string } {
  const request = typeof Request !== "undefined" && input instanceof Request ? input : undefined;
  return {
    method: (init?.method ?? request?.method ?? "GET").toUpperCase(),
    url: request ? request.url : input instanceof URL ? input.href : String(input),
  };
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
export type DiscoveryOptions = Omit<CommonOptions, "tokenEndpoint"> & ClientAuthOptions & {
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
  /** The core's API headers for this token, once it said they are reusable. */
  api?: Record<string, string>;
}

/** setTimeout's largest delay (a signed 32-bit count of ms); a later time is reached in several arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A timer that does not keep the process alive (Node, Bun: `unref`; Deno: `Deno.unrefTimer`). */
function unref(timer: ReturnType<typeof setTimeout>): void {
  const t = timer as unknown as { unref?: () => void };
  if (typeof t.unref === "function") t.unref();
  else (globalThis as { Deno?: { unrefTimer?: (id: unknown) => void } }).Deno?.unrefTimer?.(timer);
}

export class ClientCredentials {
  readonly #lifecycle: InstanceType<typeof core.TokenLifecycle>;
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  /** The config's `maxResponseBytes`: no reply is read further than one byte past it. */
  readonly #limit: number;
  readonly #clientAssertion: (() => string | Promise<string>) | undefined;
  /** The signing keys (WebCrypto, a signer), and what the core was built with, for `#keysReady`. */
  readonly #keys: Keys;
  readonly #options: ClientCredentialsOptions;
  readonly #discovered: Discovered | undefined;
  /** Settled once every key is imported and the core has its public half; undefined before the first need. */
  #setup: Promise<void> | undefined;
  #keysReady: boolean;
  /** Settled by the next report, for callers told to wait; made when one waits. */
  #changed: Promise<void> | undefined;
  #notify: (() => void) | undefined;
  /** The core's last "ready" answer, for the window it said it holds; any report, invalidation, import or revocation clears it. */
  #ready: Memo | undefined;
  /** The proactive refresh timer (option `proactiveRefresh`), and the time it was armed for. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt: number | undefined;
  #closed = false;
  /** The API answers the core must see (from its `apiHeaders` answers): statuses, and header names. */
  #reportStatuses: readonly number[] | undefined;
  #reportHeaders: readonly string[] = [];
  /** Option `onEvent`. */
  readonly #onEvent: LifecycleListener | undefined;
  /** Whether the core records events: only while a listener or a channel subscriber wants them. */
  #recording = true;
  /** Tokens handed out from the memo, without asking the core (added to its `tokensServed`). */
  #served = 0;
  /** The fleet store (option `store`), its key names, and how long a command may take. */
  readonly #store: Store | undefined;
  readonly #storeKeys: StoreKeys | undefined;
  readonly #storeTimeoutMs: number;

  /** Validates `options` at once; throws a CcauthError naming the bad option. */
  constructor(options: ClientCredentialsOptions) {
    loadCore();
    try {
      const discovered = (options as WithDiscovered)[DISCOVERED];
      this.#keys = resolveKeys(options);
      this.#options = options;
      this.#discovered = discovered;
      // A CryptoKey or a signer signs at once; a JWK, a PEM or a DPoP key's public half wait for WebCrypto.
      const { assertion, dpop } = this.#keys;
      this.#keysReady = (assertion?.settled ?? true) && (dpop === undefined || (dpop.settled && dpop.publicJwk !== undefined));
      const document = configDocument(options, this.#keys, discovered);
      this.#lifecycle = new core.TokenLifecycle(document, randomSeed());
      // No listener, no subscriber: the core builds no event (and hashes no token for one).
      if (options.onEvent === undefined && lifecycleChannel()?.hasSubscribers !== true) {
        this.#lifecycle.recordEvents(false);
        this.#recording = false;
      }
      // Signatures draw on host randomness: a config that signs, or may (a secret signs
      // after discovery when client_secret_jwt is negotiated). Others never sign.
      if (signs(options) || (discovered !== undefined && hasRandom())) this.#lifecycle.seedEntropy(randomBytes(32));
      this.#storeKeys = this.#attachStore(options);
    } catch (e) {
      rethrow(e);
    }
    this.#store = options.store;
    this.#storeTimeoutMs = options.storeTimeoutMs ?? 500;
    this.#clientAssertion = options.clientAssertion;
    this.#onEvent = options.onEvent;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#limit = limitOf(this.#lifecycle.maxResponseBytes());
  }

  /**
   * Shares the token through `options.store`: the core derives the sealing
   * key (and refuses a DPoP client, or one with no secret and no `storeKey`).
   * Host randomness draws the lease owner id and the seals' nonces.
   */
  #attachStore(options: ClientCredentialsOptions): StoreKeys | undefined {
    const { store, storeKey } = options;
    if (store === undefined) {
      if (storeKey !== undefined) throw ownError({ code: "INVALID_CONFIG_DOCUMENT", message: "INVALID_CONFIG_DOCUMENT: invalid `storeKey`: given without a `store`", retryable: false, field: "storeKey", reason: "given without a `store`" });
      return undefined;
    }
    this.#lifecycle.seedEntropy(randomBytes(32));
    const key = typeof storeKey === "string" ? ASCII.encode(storeKey) : storeKey;
    const [token, lease] = this.#lifecycle.attachStore(key).split("\n") as [string, string];
    return Object.freeze({ token, lease });
  }

  /**
   * The fleet store's key names of this client (`token`: the sealed entry,
   * `lease`: the fetch lease), or undefined without a store.
   */
  get storeKeys(): StoreKeys | undefined {
    return this.#storeKeys;
  }

  /**
   * A client from the issuer alone: fetches its metadata (RFC 8414, then
   * OpenID Connect Discovery), checks the issuer, and takes the token,
   * revocation and introspection endpoints, the auth method and the signing
   * algorithm the server supports. The core keeps the metadata per issuer
   * for every client of this module instance (an hour).
   */
  static async discover(options: DiscoveryOptions): Promise<ClientCredentials> {
    loadCore();
    checkOptions(options, ["issuer"]);
    const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    const discovery = new core.Discovery(options.issuer, options.dangerAcceptInsecureHttp ?? false);
    let step: DiscoveryStep;
    try {
      step = JSON.parse(discovery.start(Date.now())) as DiscoveryStep;
      while (step.step === "send") {
        let next: string;
        try {
          const reply = await exchange(doFetch, step.request, options.timeoutMs ?? 10_000, limitOf(core.defaultMaxResponseBytes()), headerNames());
          next = discovery.handleResponse(reply.status, reply.headers, reply.body, Date.now());
        } catch (error) {
          if (!(error instanceof NoReply)) throw error;
          const f = error.failure;
          next = discovery.handleTransportError(f.kind, f.message, f.cause, f.requestSent);
        }
        step = JSON.parse(next) as DiscoveryStep;
      }
    } finally {
      discovery.free();
    }
    if (step.step === "failed") throw ccauthError(step.error);
    const { issuer, ...rest } = options;
    const withMetadata: WithDiscovered = { ...rest, tokenEndpoint: options.tokenEndpoint ?? "", [DISCOVERED]: { issuer, metadata: step.metadata } };
    return new ClientCredentials(withMetadata);
  }

  /**
   * A client from `CCAUTH_*` environment variables, the names every ccauth
   * package reads (`npx ccauth doctor --help` lists them):
   * `CCAUTH_TOKEN_ENDPOINT` (or `CCAUTH_ISSUER`, whose metadata gives the
   * endpoints), `CCAUTH_CLIENT_ID`, `CCAUTH_CLIENT_SECRET`,
   * `CCAUTH_AUTH_METHOD`, `CCAUTH_SCOPE` (space-separated), `CCAUTH_AUDIENCE`,
   * `CCAUTH_RESOURCE`, `CCAUTH_PRIVATE_KEY` (a PEM or JWK) or
   * `CCAUTH_PRIVATE_KEY_FILE`, `CCAUTH_KEY_ID`, `CCAUTH_CLIENT_ASSERTION_ALG`,
   * `CCAUTH_BODY_FORMAT`, and `CCAUTH_CONFIG_FILE`: a JSON config document
   * (snake_case, docs/OPTIONS.md) the variables override. `options` add what
   * no variable holds (`fetch`, `onEvent`, `retry`, …) and win over them.
   * A misspelt `CCAUTH_` variable is an error naming the closest one.
   */
  static async fromEnv(options: Partial<CommonOptions> = {}): Promise<ClientCredentials> {
    loadCore();
    const env = processEnv();
    const { options: fromEnv, issuer } = settingsFrom([], env, doctorPlan([], env), fileReader());
    const merged = { ...fromEnv, ...options };
    if (issuer !== undefined) return ClientCredentials.discover({ ...merged, issuer } as DiscoveryOptions);
    return new ClientCredentials(merged as ClientCredentialsOptions);
  }

  /** A promise the next report settles. */
  #nextReport(): Promise<void> {
    this.#changed ??= new Promise((resolve) => {
      this.#notify = resolve;
    });
    return this.#changed;
  }

  /** Memoizes the core's token for the span it said a poll would answer "ready" with it. */
  #remember(core: CoreToken, from: number, until: number): Memo {
    const token = accessToken(core);
    const memo: Memo = { token, tokenPromise: Promise.resolve(token), headerPromise: Promise.resolve(token.authorization), from, until };
    this.#ready = memo;
    return memo;
  }

  /**
   * After a report to the core (its outcome JSON, if it gave one): memoizes
   * a new token, wakes every waiting caller and re-arms the proactive refresh.
   */
  #reported(outcome?: string): void {
    this.#ready = undefined;
    if (outcome !== undefined) {
      const o = JSON.parse(outcome) as Outcome;
      if (o.outcome === "token") this.#remember(o.token, o.valid_from_ms, o.valid_until_ms);
    }
    this.#events();
    const notify = this.#notify;
    this.#changed = this.#notify = undefined;
    notify?.();
    this.#arm();
  }

  /**
   * Hands the events the core recorded to the `onEvent` listener and the
   * `ccauth:lifecycle` channel's subscribers. Called after the calls that
   * change the lifecycle (a poll off the memo, a report, an invalidation, a
   * revocation, a reset), never on the memoized path; without a listener or
   * a subscriber the events are dropped unread.
   */
  #events(): void {
    const lifecycle = this.#lifecycle;
    const channel = lifecycleChannel();
    // A subscriber that came or went: recording follows from the next change on.
    const wanted = this.#onEvent !== undefined || channel?.hasSubscribers === true;
    if (wanted !== this.#recording) {
      lifecycle.recordEvents(wanted);
      this.#recording = wanted;
    }
    if (!wanted || !lifecycle.hasEvents()) return;
    dispatch(parseEvents(lifecycle.drainEvents()), this.#onEvent, channel);
  }

  /**
   * Sets the proactive refresh timer to the core's time (`proactiveRefresh`;
   * none without it, while a fetch is in flight, or after a failure). When it
   * fires, the get-token path runs in the background; its errors are the next caller's.
   */
  #arm(): void {
    const at = this.#closed ? undefined : this.#lifecycle.proactiveRefreshAt();
    if (at === this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = at;
    if (at === undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = undefined;
      this.#getToken().catch(() => {}); // the next caller gets the error
    }, Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS));
    unref(this.#timer);
  }

  /**
   * Stops the proactive refresh timer. The client still answers calls (a
   * token is then fetched when asked for); call it when done with the client.
   */
  close(): void {
    this.#closed = true;
    this.#arm();
  }

  /**
   * Imports the keys (WebCrypto is asynchronous) and hands the core the
   * public halves it did not have; a key WebCrypto refuses fails every call
   * with the same typed error.
   */
  async #importKeys(): Promise<void> {
    const { assertion, dpop } = this.#keys;
    // Client assertions need no public half; a DPoP proof carries it.
    const [, d] = await Promise.all([assertion?.ready(false), dpop?.ready(true)]);
    if (dpop && !d) {
      throw invalidKey("dpop", "DPoP needs the key's public half: a CryptoKeyPair, an extractable CryptoKey, or a signer's publicJwk");
    }
    if (dpop && !dpop.publicJwk) {
      try {
        this.#lifecycle.reconfigure(configDocument(this.#options, this.#keys, this.#discovered, { dpop: d }));
      } catch (e) {
        rethrow(e);
      }
    }
    this.#keysReady = true;
  }

  /** Sends one ticket's request and reports the outcome to the core. */
  async #run(ticket: Ticket): Promise<void> {
    let outcome: string | undefined;
    try {
      const request = ticket.needs_client_assertion || ticket.signing_inputs.length > 0 ? await this.#complete(ticket) : ticket.request;
      if ("failed" in request) {
        outcome = request.failed;
        return;
      }
      try {
        const reply = await exchange(this.#fetch, request, this.#timeoutMs, this.#limit, headerNames());
        outcome = this.#lifecycle.handleResponse(ticket.id, reply.status, reply.headers, reply.body, Date.now());
      } catch (error) {
        const f = error instanceof NoReply ? error.failure : { kind: "other" as const, message: "request failed" };
        // The core keeps the kind, the code and whether the request went out; it bounds and sanitizes the message.
        outcome = this.#lifecycle.handleTransportError(ticket.id, f.kind, f.message, Date.now(), f.cause, f.requestSent);
      }
    } finally {
      this.#reported(outcome);
    }
  }

  /**
   * The ticket's request with the signatures of its signing inputs and an
   * assertion from the host's source; when there is none to send, what the
   * core made of it: the outcome of the signer's or the source's failure,
   * or none (it refused a signature or the assertion and failed the fetch).
   */
  async #complete(ticket: Ticket): Promise<CoreRequest | { failed: string | undefined }> {
    let signatures: Uint8Array[];
    try {
      signatures = await Promise.all(ticket.signing_inputs.map((i) => this.#sign(i)));
    } catch (error) {
      return { failed: this.#lifecycle.signerFailed(ticket.id, messageOf(error), Date.now()) };
    }
    let assertion: unknown;
    if (ticket.needs_client_assertion) {
      try {
        assertion = await (this.#clientAssertion as () => string | Promise<string>)();
        if (typeof assertion !== "string") throw new TypeError(`it returned ${typeof assertion}, not a string`);
      } catch (error) {
        return { failed: this.#lifecycle.assertionSourceFailed(ticket.id, messageOf(error), Date.now()) };
      }
    }
    try {
      return JSON.parse(this.#lifecycle.completeRequest(ticket.id, signatures[0], signatures[1], assertion as string | undefined, Date.now())) as CoreRequest;
    } catch {
      return { failed: undefined }; // a bad signature or assertion: the core has failed the fetch
    }
  }

  /** The key's signature over a signing input the core made. */
  #sign(input: SigningInput): Promise<Uint8Array> {
    const key = input.purpose === "dpop_proof" ? this.#keys.dpop : this.#keys.assertion;
    return (key as NonNullable<typeof key>).sign(ASCII.encode(input.input));
  }

  /**
   * A fetch ticket through the fleet store: the core's steps until it says
   * fetch (this ticket's request, then publish) or done (a store hit
   * answered it). Store commands never throw (a failed one is reported as
   * such); the ticket is always reported, so no waiter waits in vain.
   */
  async #shared(ticket: Ticket): Promise<void> {
    const lifecycle = this.#lifecycle;
    const store = this.#store as Store;
    let fetched = false;
    try {
      let step = readStep(lifecycle.storeBegin(ticket.id, Date.now()));
      for (;;) {
        if (step.kind === "done") break;
        if (step.kind === "fetch") {
          fetched = true;
          this.#events(); // lease_acquired, store_unavailable: before a request that may take long
          await this.#run(ticket); // reported (waiters woken with the token) before publishing
          step = readStep(lifecycle.storeFetched(ticket.id, Date.now()));
        } else if (step.kind === "sleep") {
          this.#events(); // lease_busy: another process fetches
          await new Promise((r) => setTimeout(r, Math.max(0, (step.untilMs ?? 0) - Date.now())));
          step = readStep(lifecycle.storeResume(ticket.id, Date.now()));
        } else {
          step = this.#storeReply(ticket.id, await runCommand(store, step, this.#storeTimeoutMs));
        }
      }
    } catch {
      // Only a bug gets here: report the ticket rather than leave waiters to its timeout.
      if (!fetched) this.#reported(lifecycle.handleTransportError(ticket.id, "other", "interrupted", Date.now()));
      return;
    }
    // A store hit answered the ticket: wake the waiters (they find it in the core).
    if (!fetched) this.#reported();
    else this.#events();
  }

  /** Hands a command's reply to the core: its next step. */
  #storeReply(ticket: number, reply: StoreReply): Step {
    const lifecycle = this.#lifecycle;
    const now = Date.now();
    if (reply === "failed") return readStep(lifecycle.storeFailed(ticket, now));
    if ("value" in reply) return readStep(lifecycle.storeValue(ticket, reply.value ?? undefined, now));
    return readStep(lifecycle.storeDone(ticket, reply.applied, now));
  }

  /**
   * After the core dropped a token (a 401, a revocation, `invalidate`): its
   * store commands (delete the shared entry while it still holds that token),
   * in the background, replies unread.
   */
  #dropShared(): void {
    const store = this.#store;
    if (store === undefined) return;
    const commands = this.#lifecycle.storeCommands().map(readStep);
    if (commands.length === 0) return;
    void (async () => {
      for (const command of commands) await runCommand(store, command, this.#storeTimeoutMs);
    })();
  }

  /** A valid token: cached, or fetched once for every concurrent caller. */
  getToken(): Promise<AccessToken> {
    const memo = this.#memo();
    if (memo === undefined) return this.#getToken();
    this.#served++;
    return memo.tokenPromise;
  }

  /** The memo, if the core's "ready" answer still holds at this instant. */
  #memo(): Memo | undefined {
    const memo = this.#ready;
    if (memo === undefined) return undefined;
    const now = Date.now();
    return now >= memo.from && now < memo.until ? memo : undefined;
  }

  /** The get-token path: the core decides, this sends tickets and waits. */
  async #getToken(): Promise<AccessToken> {
    if (!this.#keysReady) {
      this.#setup ??= this.#importKeys();
      await this.#setup;
    }
    for (;;) {
      // A token a report just brought (ours or another caller's fetch) needs no poll.
      const memo = this.#memo();
      if (memo) {
        this.#served++;
        return memo.token;
      }
      const decision = JSON.parse(this.#lifecycle.poll(Date.now())) as Decision;
      this.#events();
      switch (decision.decision) {
        case "ready": {
          const { token } = this.#remember(decision.token, decision.valid_from_ms, decision.valid_until_ms);
          this.#arm();
          return token;
        }
        case "fetch":
          await (this.#store === undefined ? this.#run(decision.ticket) : this.#shared(decision.ticket));
          break;
        case "refresh_ahead":
          void (this.#store === undefined ? this.#run(decision.ticket) : this.#shared(decision.ticket));
          return accessToken(decision.token);
        case "wait": {
          // Until a report wakes us, or the core's wait (1 ms to 1 s) is over.
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([this.#nextReport(), new Promise((r) => (timer = setTimeout(r, decision.wait_ms)))]);
          clearTimeout(timer);
          break;
        }
        case "failed":
          throw decision.cooldown_until_ms === undefined ? ccauthError(decision.error) : cooldownError(decision.error, decision.cooldown_until_ms);
      }
    }
  }

  /** The `Authorization` header value, e.g. `Bearer eyJ…`. */
  authorizationHeader(): Promise<string> {
    const memo = this.#memo();
    if (memo === undefined) return this.#getToken().then((t) => t.authorization);
    this.#served++;
    return memo.headerPromise;
  }

  /**
   * `fetch` with the token attached (and a DPoP proof for a DPoP-bound
   * token). On a 401, if the request body can be replayed (not a stream):
   * a `use_dpop_nonce` challenge is answered once with the API's nonce, and
   * a challenge that condemns the token (`invalid_token`, or no error) drops
   * it and sends the request once more with a fresh one; otherwise, or for
   * a streamed body, the response is returned as is.
   */
  async fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const { method, url } = target(input, init);
    const go = (api: Headers_) => {
      const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      for (const [name, value] of Object.entries(api)) headers.set(name, value);
      return this.#fetch(input, { ...init, headers });
    };
    // A Bearer token's headers are at hand; a DPoP proof is signed first.
    const send = (token: AccessToken) => {
      const api = this.#apiHeaders(token, method, url);
      return api instanceof Promise ? api.then(go) : go(api);
    };
    let token = await this.getToken();
    let response = await send(token);
    let verdict = this.#apiResponse(token, url, response, false);
    if (verdict === "done") return response;
    const again = replayable(input, init);
    if (verdict === "retry_with_nonce" && again) {
      await response.body?.cancel();
      response = await send(token);
      verdict = this.#apiResponse(token, url, response, true);
    }
    if (verdict === "retry_with_new_token" && again) {
      await response.body?.cancel();
      token = await this.getToken();
      response = await send(token);
      this.#apiResponse(token, url, response, false); // for its nonce; no second retry
    }
    return response;
  }

  /**
   * The core's verdict on the API's `response` to a call with `token` (it
   * keeps the API's nonce, and may drop the token). An answer with none of
   * the statuses and headers the core asked to see is "done" without asking.
   */
  #apiResponse(token: AccessToken, url: string, response: Response, nonceRetried: boolean): ApiVerdict {
    const h = response.headers;
    const statuses = this.#reportStatuses;
    if (statuses !== undefined && !statuses.includes(response.status) && !this.#reportHeaders.some((name) => h.has(name))) return "done";
    const verdict = this.#lifecycle.apiResponse(
      token.accessToken, url, response.status, h.get("www-authenticate") ?? undefined, h.get("dpop-nonce") ?? undefined, nonceRetried,
    ) as ApiVerdict;
    if (verdict === "retry_with_new_token") {
      this.#ready = undefined;
      this.#dropShared();
    }
    this.#events();
    return verdict;
  }

  /**
   * The core's headers for an API call with `token`: `Authorization`, and
   * `DPoP` (a fresh proof) for a DPoP-bound token. Headers the core calls
   * reusable are kept with the memoized token (and cleared with it). A proof
   * the host signs (every key here: WebCrypto or a signer) makes it a promise.
   */
  #apiHeaders(token: AccessToken, method: string, url: string): Headers_ | Promise<Headers_> {
    const memo = this.#ready;
    if (memo?.api !== undefined && memo.token === token) return memo.api;
    let answer: ApiHeaders;
    try {
      answer = JSON.parse(this.#lifecycle.apiHeaders(token.accessToken, token.tokenType, method, url, Date.now())) as ApiHeaders;
    } catch (e) {
      return rethrow(e);
    }
    this.#reportStatuses = answer.report_statuses;
    this.#reportHeaders = answer.report_headers;
    if (answer.reusable && memo?.token === token) memo.api = answer.headers;
    const toSign = answer.dpop_to_sign;
    return toSign === undefined ? answer.headers : this.#withProof(answer.headers, toSign);
  }

  /** `headers` with the DPoP proof the key signs for them. */
  async #withProof(headers: Headers_, input: SigningInput): Promise<Headers_> {
    const signature = await this.#sign(input);
    try {
      return { ...headers, DPoP: this.#lifecycle.dpopProofWithSignature(input.input, signature) };
    } catch (e) {
      return rethrow(e);
    }
  }

  /**
   * The headers to send with your own HTTP client: `Authorization`, plus
   * `DPoP` (a proof for this `method` and `url`) when the token is DPoP-bound.
   * Pass any `DPoP-Nonce` the API answers to {@link rememberDpopNonce}.
   */
  async authorizationHeaders(method: string, url: string): Promise<Record<string, string>> {
    return { ...(await this.#apiHeaders(await this.getToken(), method.toUpperCase(), url)) };
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
    const reply = await this.#admin(() => this.#lifecycle.revocationRequest(value, hint, Date.now()));
    try {
      this.#lifecycle.handleRevocationResponse(reply.status, reply.headers, reply.body, Date.now());
    } catch (e) {
      rethrow(e);
    }
  }

  /** Asks the server about `token` (RFC 7662). Needs `introspectionEndpoint` or discovery. */
  async introspect(token: AccessToken | string, hint?: "access_token" | "refresh_token"): Promise<Introspection> {
    const value = typeof token === "string" ? token : token.accessToken;
    const reply = await this.#admin(() => this.#lifecycle.introspectionRequest(value, hint, Date.now()));
    let fields: IntrospectionFields;
    try {
      fields = JSON.parse(this.#lifecycle.handleIntrospectionResponse(reply.status, reply.headers, reply.body, Date.now())) as IntrospectionFields;
    } catch (e) {
      return rethrow(e);
    }
    return {
      active: fields.active === true,
      scope: fields.scope as string | undefined,
      clientId: fields.client_id as string | undefined,
      exp: fields.exp as number | undefined,
      tokenType: fields.token_type as string | undefined,
      fields,
    };
  }

  /**
   * Sends the revocation or introspection request the core builds (it may
   * drop the cached token), its client assertion signed by the key, and reads the reply.
   */
  async #admin(build: () => core.AdminRequest): Promise<Reply> {
    let request: CoreRequest;
    let pending: core.AdminRequest | undefined;
    try {
      pending = build();
      const prepared = JSON.parse(pending.prepared()) as PreparedRequest;
      const [input] = prepared.signing_inputs;
      request = input ? JSON.parse(pending.finish(await this.#adminSignature(input))) as CoreRequest : prepared.request;
    } catch (e) {
      return rethrow(e);
    } finally {
      pending?.free();
      this.#ready = undefined;
      this.#dropShared();
      this.#events();
      this.#arm();
    }
    try {
      return await exchange(this.#fetch, request, this.#timeoutMs, this.#limit, headerNames());
    } catch (error) {
      if (!(error instanceof NoReply)) throw error;
      const f = error.failure;
      return rethrow(this.#lifecycle.adminTransportError(f.kind, f.message, f.cause, f.requestSent));
    }
  }

  /** The key's signature for an admin request; a signer's failure is a TRANSPORT_ERROR (cause `signer`), nothing sent. */
  async #adminSignature(input: SigningInput): Promise<Uint8Array> {
    try {
      if (!this.#keysReady) {
        this.#setup ??= this.#importKeys();
        await this.#setup;
      }
      return await this.#sign(input);
    } catch (e) {
      if (isCcauthError(e)) throw e;
      return rethrow(this.#lifecycle.adminTransportError("other", `the signer failed: ${messageOf(e)}`, "signer", false));
    }
  }

  /** Tells the client the API rejected `token`; the next call fetches a new one. */
  invalidate(token: AccessToken, wwwAuthenticate?: string): boolean {
    this.#ready = undefined;
    const dropped = this.#lifecycle.invalidate(token.accessToken, wwwAuthenticate);
    this.#dropShared();
    this.#events();
    this.#arm();
    return dropped;
  }

  /**
   * The client's counters and state: tokens served (cached or fresh), token
   * requests, successes, failed attempts, failed fetches, invalidations, the
   * cached token's expiry and id, the cool-down's end while a failure is
   * served from it, and the last error's code. No secret, no token.
   */
  stats(): TokenStats {
    const core = camelObject<TokenStats>(JSON.parse(this.#lifecycle.stats()) as Record<string, unknown>);
    return Object.freeze({ ...core, tokensServed: core.tokensServed + this.#served });
  }

  /**
   * Ends a failure's cool-down (or a retry's backoff) at once, say after
   * the secret was fixed: the next call sends a token request, and callers
   * waiting on the backoff try at once. Returns whether there was one to end.
   */
  resetFailure(): boolean {
    const reset = this.#lifecycle.resetFailure(Date.now());
    this.#reported();
    return reset;
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
    } finally {
      this.#arm();
    }
  }
}
