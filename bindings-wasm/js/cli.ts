/**
 * `npx ccauth doctor`: fetches one token with the options from flags,
 * `CCAUTH_*` variables and a config file, and prints the core's report of
 * what was sent (redacted), what came back, what the lifecycle did and what
 * to try. Exit code 0 when a token came back, 1 when not, 2 for bad options.
 * This file does the IO (arguments, environment, files, HTTP with `fetch`);
 * the options, the report and its hints are the core's, the same as
 * `python -m ccauth doctor` prints.
 */
import { readFileSync } from "node:fs";
import process from "node:process";

import { ClientCredentials, type DiscoveryOptions } from "./client.js";
import { type DoctorPlan, doctorPlan, processEnv, settingsFrom } from "./env.js";
import { isCcauthError } from "./errors.js";
import type { LifecycleEvent } from "./events.js";
import type { ClientCredentialsOptions } from "./options.js";
import { core, loadCore } from "./wasm.js";

const USAGE = `usage: ccauth doctor [--help] [--flag value …]

  doctor   fetch one token and explain what happened (ccauth doctor --help: the options)
`;

/** The most of an answer's body kept for the report (the client itself reads up to its limit). */
const MAX_BODY_BYTES = 1 << 20;

type Pairs = [string, string][];
interface Exchange {
  request: { method: string; url: string; headers: Pairs; body: string };
  response: { status: number; headers: Pairs; body: string } | null;
  transport_error: string | null;
}

const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** An event as the core wrote it (snake_case), for its report. */
const coreEvent = (event: LifecycleEvent): Record<string, unknown> =>
  Object.fromEntries(Object.entries(event).map(([k, v]) => [snake(k), v]));

/** A request body as text (the client sends strings; anything else is described, not read). */
function bodyText(body: BodyInit | null | undefined): string {
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  if (body instanceof URLSearchParams) return body.toString();
  if (body instanceof Uint8Array) return new TextDecoder().decode(body);
  return "";
}

/** An answer's body as text, at most MAX_BODY_BYTES of it. */
async function readText(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel();
      break;
    }
  }
  const all = new Uint8Array(Math.min(size, MAX_BODY_BYTES));
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, all.length - at);
    all.set(part, at);
    at += part.length;
  }
  return new TextDecoder().decode(all);
}

/** What a failed `fetch` says: its message and the platform's code (`ECONNREFUSED`, …). */
function failure(error: unknown): string {
  const e = error as { message?: unknown; name?: unknown; cause?: { code?: unknown; message?: unknown } };
  const code = typeof e?.cause?.code === "string" ? ` (${e.cause.code})` : "";
  const message = typeof e?.message === "string" ? e.message : String(error);
  return `${message}${code}`;
}

/**
 * A `fetch` that records each request (discovery's GETs, token requests)
 * and its answer (a clone of the response, read apart) for the report.
 */
function recording(exchanges: Exchange[]): typeof fetch {
  return async (input, init) => {
    const method = (init?.method ?? "GET").toUpperCase();
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const exchange: Exchange = {
      request: { method, url, headers: [...new Headers(init?.headers)], body: bodyText(init?.body) },
      response: null,
      transport_error: null,
    };
    exchanges.push(exchange);
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      exchange.transport_error = failure(error);
      throw error;
    }
    const copy = response.clone();
    exchange.response = { status: copy.status, headers: [...copy.headers], body: "" };
    const answer = exchange.response;
    // Read beside the client, which reads its own branch.
    answer.body = await readText(copy).catch(() => answer.body);
    return response;
  };
}

/** `ccauth doctor ARGS`: the exit code. */
async function doctor(args: readonly string[]): Promise<number> {
  const env = processEnv();
  let plan: DoctorPlan;
  let settings: ReturnType<typeof settingsFrom>;
  try {
    plan = doctorPlan(args, env);
    if (plan.help !== undefined) {
      process.stdout.write(plan.help);
      return 0;
    }
    settings = settingsFrom(args, env, plan, (path, what) => {
      try {
        return readFileSync(path, "utf8");
      } catch (e) {
        const code = (e as { code?: unknown })?.code;
        throw new Error(`cannot read the ${what} ${path}${typeof code === "string" ? ` (${code})` : ""}`);
      }
    });
  } catch (e) {
    process.stderr.write(`ccauth doctor: ${(e as Error).message}\n(ccauth doctor --help lists the options)\n`);
    return 2;
  }
  const exchanges: Exchange[] = [];
  const events: Record<string, unknown>[] = [];
  // One attempt, unless the options say otherwise: the report is about the first answer.
  const options = {
    retry: { maxAttempts: 1 },
    ...settings.options,
    fetch: recording(exchanges),
    onEvent: (event: LifecycleEvent) => {
      events.push(coreEvent(event));
    },
  };
  let client: ClientCredentials | undefined;
  try {
    client =
      settings.issuer === undefined
        ? new ClientCredentials(options as ClientCredentialsOptions)
        : await ClientCredentials.discover({ ...options, issuer: settings.issuer } as DiscoveryOptions);
  } catch (e) {
    if (exchanges.length === 0) {
      process.stderr.write(`ccauth doctor: ${(e as Error).message}\n(ccauth doctor --help lists the options)\n`);
      return 2;
    }
    // Discovery failed on the way: the report shows its requests and answers.
    process.stderr.write(`ccauth doctor: ${isCcauthError(e) ? e.message : "discovery failed"}\n`);
  }
  if (client !== undefined) {
    try {
      await client.getToken();
    } catch {
      // The report says what happened.
    } finally {
      client.close();
    }
  }
  const report = JSON.parse(core.doctorReport(JSON.stringify(settings.document), JSON.stringify(exchanges), JSON.stringify(events), Date.now())) as {
    ok: boolean;
    exit_code: number;
    text: string;
  };
  process.stdout.write(report.text.endsWith("\n") ? report.text : `${report.text}\n`);
  return report.exit_code;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  if (command === "doctor") {
    loadCore();
    return doctor(args);
  }
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(command === undefined ? USAGE : `ccauth: unknown command ${JSON.stringify(command.slice(0, 24))}\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`ccauth: ${isCcauthError(error) ? error.message : "internal error"}\n`);
    process.exitCode = 1;
  },
);
