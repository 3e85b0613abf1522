/** AccessToken: what the server issued, with the token value kept out of logs. */

import type { CoreToken, ExpirySource } from "./wire.js";

export type { ExpirySource };

const inspect = Symbol.for("nodejs.util.inspect.custom");

/**
 * Makes an AccessToken from the core's token. The constructor is private
 * (tokens come from the client or the parsers, never from users). @internal
 */
export let accessToken: (core: CoreToken) => AccessToken;

export class AccessToken {
  readonly #core: CoreToken;
  /** The core's header: its scheme, a space and the token value (the value crosses from wasm once). */
  readonly #authorization: string;
  /** `token_type` as sent (`Bearer` when the server sent none). */
  readonly tokenType: string;
  /** When it was received (host clock). */
  readonly issuedAt: Date;
  /** When it expires (host clock). */
  readonly expiresAt: Date;
  /** When the client starts refreshing it. */
  readonly refreshAt: Date;
  /** Granted scope, when the server stated it. */
  readonly scope: string | undefined;
  /** Where the expiry came from. */
  readonly expirySource: ExpirySource;
  /** Other fields of the response, kept as sent. */
  readonly extras: Readonly<Record<string, unknown>>;
  /** RFC deviations the parser tolerated (`expires_in_string`, …), for logging. */
  readonly deviations: readonly string[];

  private constructor(core: CoreToken) {
    this.#core = core;
    this.#authorization = `${core.authorization_scheme} ${core.access_token}`;
    this.tokenType = core.token_type;
    this.issuedAt = new Date(core.issued_at_ms);
    this.expiresAt = new Date(core.expires_at_ms);
    this.refreshAt = new Date(core.refresh_at_ms);
    this.scope = core.scope ?? undefined;
    this.expirySource = core.expiry_source;
    this.extras = core.extras;
    this.deviations = core.deviations;
  }

  /** The token value. Not enumerable, not in `JSON.stringify`, `toString` or `console.log`. */
  get accessToken(): string {
    return this.#core.access_token;
  }

  /** The `Authorization` header value (`Bearer …`). */
  get authorization(): string {
    return this.#authorization;
  }

  /** A refresh token, if the server sent one. */
  get refreshToken(): string | undefined {
    return this.#core.refresh_token ?? undefined;
  }

  /** An ID token, if the server sent one. */
  get idToken(): string | undefined {
    return this.#core.id_token ?? undefined;
  }

  /** Whether it has expired at `now` (ms). */
  isExpired(now: number = Date.now()): boolean {
    return now >= this.#core.expires_at_ms;
  }

  toString(): string {
    return `AccessToken(${this.tokenType}, expires ${this.expiresAt.toISOString()})`;
  }

  toJSON(): Record<string, unknown> {
    return { tokenType: this.tokenType, expiresAt: this.expiresAt, scope: this.scope, accessToken: "[REDACTED]" };
  }

  [inspect](): string {
    return this.toString();
  }

  static {
    accessToken = (core) => new AccessToken(core);
  }
}
