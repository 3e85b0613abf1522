/**
 * Sends the core's requests with `fetch` and reads the replies for it:
 * never more than the core's size limit plus one byte, the connection closed
 * as soon as a reply is known to be too large; and a failed request named by
 * kind, platform code and whether it had gone out.
 * @internal
 */
import type { CoreRequest, TransportKind } from "./wire.js";

/** The core's default `max_response_bytes` (1 MiB), should it report no usable limit. */
const DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;

/** A reply for the core: status, headers (see {@link headerLines}), and at most limit + 1 body bytes. */
export interface Reply {
  status: number;
  headers: string;
  body: Uint8Array;
}

/**
 * The headers `names` (the ones the core reads: `responseHeaderNames()`) of
 * a reply, as the core's `handleResponse` methods take them: one string,
 * `name\nvalue\n` for each present (no JSON to write or parse; looked up by
 * name, as iterating fetch's `Headers` sorts them every time). fetch's
 * `Headers` hold no line break; another `fetch`'s might, folded into a space.
 */
export function headerLines(headers: Headers, names: readonly string[]): string {
  let lines = "";
  for (const name of names) {
    const value = headers.get(name);
    if (value !== null) lines += `${name}\n${value.includes("\n") ? value.replace(/\n/g, " ") : value}\n`;
  }
  return lines;
}

/** Why no reply came. */
export interface TransportFailure {
  kind: TransportKind;
  /** The platform's short code (`ECONNREFUSED`, `UND_ERR_SOCKET`, `TimeoutError`, …). */
  cause?: string;
  /** Whether the request had gone out, when that is known. */
  requestSent?: boolean;
  /** One line about what happened (no header, no body). */
  message: string;
}

/** What {@link exchange} throws when no full reply came. */
export class NoReply {
  constructor(readonly failure: TransportFailure) {}
}

const EMPTY = new Uint8Array(0);

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Cancels a body without reading it (a stream, a Node stream, or nothing). */
function discard(body: unknown): void {
  try {
    const stream = body as { cancel?: () => Promise<void>; destroy?: () => void } | null | undefined;
    if (typeof stream?.cancel === "function") stream.cancel().catch(() => {});
    else if (typeof stream?.destroy === "function") stream.destroy();
  } catch {
    // a locked or already closed body: the abort below closes the connection
  }
}

/**
 * The body of `response`, read as a stream and stopped at `limit + 1` bytes
 * (enough for the core to call it too large); `abort` then closes the
 * connection instead of draining it. A `Content-Length` above `limit` is
 * not read at all: the core gets the headers and an empty body.
 */
export async function readBody(response: Response, limit: number, abort: () => void = () => {}): Promise<Uint8Array> {
  const declared = response.headers.get("content-length");
  if (declared !== null && /^\s*\d+\s*$/.test(declared) && Number(declared) > limit) {
    discard(response.body);
    abort();
    return EMPTY;
  }
  const body = response.body as ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null | undefined;
  // A response without a body (204, HEAD; some runtimes for any empty body).
  if (body === null) return EMPTY;
  const chunks: Uint8Array[] = [];
  let total = 0;
  /** Takes a chunk; true once more than `limit` bytes are in. */
  const take = (value: Uint8Array | ArrayBuffer | string): boolean => {
    let chunk = typeof value === "string" ? new TextEncoder().encode(value) : value instanceof Uint8Array ? value : new Uint8Array(value);
    const room = limit + 1 - total;
    if (chunk.byteLength >= room) chunk = chunk.subarray(0, room);
    chunks.push(chunk);
    total += chunk.byteLength;
    return total > limit;
  };
  if (body !== undefined && typeof (body as ReadableStream).getReader === "function") {
    const reader = (body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (take(value)) {
        reader.cancel().catch(() => {});
        abort();
        break;
      }
    }
  } else if (body !== undefined && typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === "function") {
    // A Node stream (node-fetch as `options.fetch`): leaving the loop destroys it.
    for await (const value of body as AsyncIterable<Uint8Array>) {
      if (take(value)) {
        abort();
        break;
      }
    }
  } else {
    // No streams in this fetch: the whole body, cut to size.
    take(await response.arrayBuffer());
  }
  return concat(chunks, total);
}

/** [kind, request sent] for the platform codes this package knows. */
const CODES: Readonly<Record<string, readonly [TransportKind, boolean | undefined]>> = {
  // Node (libuv, getaddrinfo), Bun
  ECONNREFUSED: ["connect", false],
  ENOTFOUND: ["connect", false],
  EAI_AGAIN: ["connect", false],
  EAI_FAIL: ["connect", false],
  EAI_NONAME: ["connect", false],
  EHOSTUNREACH: ["connect", false],
  ENETUNREACH: ["connect", false],
  ENETDOWN: ["connect", false],
  EHOSTDOWN: ["connect", false],
  EADDRNOTAVAIL: ["connect", false],
  ConnectionRefused: ["connect", false],
  FailedToOpenSocket: ["connect", false],
  ETIMEDOUT: ["timeout", undefined],
  ECONNRESET: ["reset", true],
  EPIPE: ["reset", true],
  ECONNABORTED: ["reset", undefined],
  ConnectionClosed: ["reset", true],
  // undici (Node's fetch)
  UND_ERR_CONNECT_TIMEOUT: ["timeout", false],
  UND_ERR_HEADERS_TIMEOUT: ["timeout", true],
  UND_ERR_BODY_TIMEOUT: ["timeout", true],
  UND_ERR_SOCKET: ["reset", true],
  UND_ERR_CLOSED: ["reset", undefined],
  // Deno (hyper), from its messages below
  IncompleteMessage: ["reset", true],
  // DOM
  TimeoutError: ["timeout", undefined],
  AbortError: ["timeout", undefined],
};

/** OpenSSL, Node TLS and Bun TLS codes. */
const TLS_CODE = /^(?:ERR_SSL_|ERR_TLS_|ERR_OSSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|EPROTO$|TLS)/;

/** Deno's fetch errors have no code; its messages (hyper, rustls, the OS) say what happened. */
const MESSAGES: readonly (readonly [RegExp, string, TransportKind?])[] = [
  [/Connection refused|os error 111\b/, "ECONNREFUSED"],
  [/dns error|failed to lookup address/i, "ENOTFOUND"],
  [/Connection reset|os error 104\b/, "ECONNRESET"],
  [/connection closed before message completed/, "IncompleteMessage"],
  [/timed out|os error 110\b/, "ETIMEDOUT"],
  [/invalid peer certificate: (\w+)/, "$1", "tls"],
  [/certificate|tls handshake|corrupt message|InvalidContentType/i, "TLS", "tls"],
];

/** A platform code as the core keeps it: `[A-Za-z0-9_.:-]`, at most 64 characters. */
const codeWord = (s: unknown): string | undefined => {
  const word = typeof s === "string" ? s.replace(/[^A-Za-z0-9_.:-]/g, "").slice(0, 64) : "";
  return word === "" ? undefined : word;
};

const oneLine = (s: string): string => s.replace(/\s+/g, " ").trim().slice(0, 300);

/**
 * Names a fetch failure. `phase` is where it happened: before a response
 * (the request may not have gone out) or while reading its body (it had).
 */
export function classify(error: unknown, phase: "request" | "body"): TransportFailure {
  const e = error as { name?: unknown; code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } };
  const inner = e?.cause;
  const text = [e?.message, inner?.message].filter((m) => typeof m === "string" && m !== "").join(": ");
  const message = oneLine(text) || "request failed";
  // The code: Bun's own, undici's cause, the first of several addresses tried, or a DOMException's name.
  let code = [e?.code, inner?.code, inner?.errors?.[0]?.code].find((c) => typeof c === "string") as string | undefined;
  let kind: TransportKind | undefined;
  let sent: boolean | undefined;
  if (code === undefined && (e?.name === "TimeoutError" || e?.name === "AbortError")) code = e.name as string;
  if (code === undefined) {
    for (const [pattern, replacement, k] of MESSAGES) {
      const m = pattern.exec(text);
      if (m) {
        code = replacement.replace("$1", m[1] ?? "");
        kind = k;
        break;
      }
    }
  }
  if (code !== undefined) {
    const known = CODES[code];
    if (known) [kind, sent] = known;
    else if (TLS_CODE.test(code)) [kind, sent] = ["tls", false];
    else if (kind === "tls") sent = false;
  }
  // Node: a connection dropped during the TLS handshake (ECONNRESET, but nothing was sent).
  if (phase === "request" && /before secure TLS connection was established/.test(text)) [kind, sent] = ["tls", false];
  if (phase === "body") {
    // The response had begun: the request went out, and a cut is a reset.
    sent = true;
    if (kind === undefined || kind === "connect" || kind === "other") kind = "reset";
  }
  return { kind: kind ?? "other", cause: codeWord(code ?? e?.name), requestSent: sent, message };
}

function timedOut(phase: "request" | "body", timeoutMs: number): TransportFailure {
  return {
    kind: "timeout",
    cause: "TimeoutError",
    requestSent: phase === "body" ? true : undefined,
    message: phase === "body" ? `the reply's body did not arrive within ${timeoutMs} ms` : `no reply within ${timeoutMs} ms`,
  };
}

/**
 * Sends `request` and reads the reply within `limit` (see {@link readBody}),
 * all within `timeoutMs`; rejects with {@link NoReply} when no full reply
 * came. The timeout holds even for a `fetch` that ignores its signal.
 * `names`: the headers the core reads (see {@link headerLines}).
 */
export function exchange(doFetch: typeof fetch, request: CoreRequest, timeoutMs: number, limit: number, names: readonly string[]): Promise<Reply> {
  const controller = new AbortController();
  let phase: "request" | "body" = "request";
  let expired = false;
  const work = async (): Promise<Reply> => {
    const response = await doFetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.method === "GET" || request.method === "HEAD" ? undefined : request.body,
      redirect: "manual",
      // Made when the fetch reads it (Node 20 spends ~2 µs making an AbortSignal):
      // a fetch that never does (a stub, a test double) costs nothing; the timer still holds.
      get signal() {
        return controller.signal;
      },
    });
    phase = "body";
    const body = await readBody(response, limit, () => controller.abort());
    return { status: response.status, headers: headerLines(response.headers, names), body };
  };
  // One promise settled by the reply or the timer, whichever comes first (no race of two).
  return new Promise<Reply>((resolve, reject) => {
    const timer = setTimeout(() => {
      expired = true;
      const reason = typeof DOMException === "function" ? new DOMException("the request timed out", "TimeoutError") : undefined;
      controller.abort(reason);
      reject(new NoReply(timedOut(phase, timeoutMs)));
    }, timeoutMs);
    work().then(
      (reply) => {
        clearTimeout(timer);
        resolve(reply);
      },
      (error) => {
        clearTimeout(timer);
        reject(error instanceof NoReply ? error : new NoReply(expired ? timedOut(phase, timeoutMs) : classify(error, phase)));
      },
    );
  });
}

/** A limit as the core reports it (`maxResponseBytes()`, `defaultMaxResponseBytes()`: a number of bytes). */
export function limitOf(value: number): number {
  return Number.isFinite(value) && value >= 0 ? Math.floor(value) : DEFAULT_MAX_RESPONSE_BYTES;
}
