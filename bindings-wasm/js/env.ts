/**
 * Options from `CCAUTH_*` environment variables, `--flags` and the files
 * they name, read by the core (its doctor module: the same names and
 * precedence in every ccauth package), then turned into this package's
 * camelCase options. For `ClientCredentials.fromEnv()` and `ccauth doctor`.
 * @internal
 */
import { ownError, rethrow } from "./errors.js";
import { optionName } from "./names.js";
import { core } from "./wasm.js";

/** Which files the host must read (`--config`, `CCAUTH_CONFIG_FILE`, `--private-key-file`, …), or the help text. */
export interface DoctorPlan {
  help?: string;
  config_file?: string;
  private_key_file?: string;
}

/** What the arguments and environment make. */
export interface Settings {
  /** The options as the core read them: config document names (snake_case), values as given. */
  document: Record<string, unknown>;
  /** The same, as this package's options (camelCase); `issuer` apart. */
  options: Record<string, unknown>;
  /** An issuer to discover the endpoints from (`--issuer`, `CCAUTH_ISSUER`). */
  issuer?: string;
}

/** Reads a file the plan names, as UTF-8 text (`what`: how the error names it). */
export type ReadText = (path: string, what: string) => string;

const camel = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The options of a config document (snake_case): each member under its option name, nested members camelCased. */
export function optionsOf(document: Record<string, unknown>): Pick<Settings, "options" | "issuer"> {
  const options: Record<string, unknown> = {};
  let issuer: string | undefined;
  for (const [name, value] of Object.entries(document)) {
    if (name === "issuer" && typeof value === "string") {
      issuer = value;
      continue;
    }
    const option = optionName(name);
    const nested = (option === "refresh" || option === "retry") && typeof value === "object" && value !== null && !Array.isArray(value);
    options[option] = nested ? Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), v])) : value;
  }
  return { options, issuer };
}

/** The core's plan for these arguments and environment (throws a CcauthError for a bad flag or variable). */
export function doctorPlan(args: readonly string[], env: Readonly<Record<string, string | undefined>>): DoctorPlan {
  try {
    return JSON.parse(core.doctorPlan(JSON.stringify(args), JSON.stringify(env))) as DoctorPlan;
  } catch (e) {
    return rethrow(e);
  }
}

/** The options the arguments, the environment and the files the plan names make (flags > variables > file). */
export function settingsFrom(args: readonly string[], env: Readonly<Record<string, string | undefined>>, plan: DoctorPlan, read: ReadText): Settings {
  const config = plan.config_file === undefined ? undefined : read(plan.config_file, "config file");
  const key = plan.private_key_file === undefined ? undefined : read(plan.private_key_file, "private key file");
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(core.clientOptions(JSON.stringify(args), JSON.stringify(env), config, key)) as Record<string, unknown>;
  } catch (e) {
    return rethrow(e);
  }
  return { document, ...optionsOf(document) };
}

interface Process {
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (name: string) => unknown;
}

/** The environment (`process.env`: Node, Deno with --allow-env, Bun), or a CcauthError where there is none. */
export function processEnv(): Record<string, string | undefined> {
  const env = (globalThis as { process?: Process }).process?.env;
  if (env === undefined) throw unreadable("environment", "this runtime has no process.env");
  return { ...env };
}

/** A file reader over `node:fs` (found through process.getBuiltinModule: Node ≥ 20.16, Deno, Bun). */
export function fileReader(): ReadText {
  return (path, what) => {
    const proc = (globalThis as { process?: Process }).process;
    const fs = proc?.getBuiltinModule?.("node:fs") as { readFileSync?: (path: string, encoding: "utf8") => string } | undefined;
    if (typeof fs?.readFileSync !== "function") throw unreadable(what, `cannot read ${path}: this runtime has no process.getBuiltinModule("node:fs")`);
    try {
      return fs.readFileSync(path, "utf8");
    } catch (e) {
      const code = (e as { code?: unknown })?.code;
      throw unreadable(what, `cannot read ${path}${typeof code === "string" ? ` (${code})` : ""}`);
    }
  };
}

/** A config error naming what could not be read (a path, never a file's contents). */
function unreadable(field: string, reason: string) {
  return ownError({ code: "INVALID_CONFIG_DOCUMENT", message: `INVALID_CONFIG_DOCUMENT: invalid \`${field}\`: ${reason}`, retryable: false, field, reason });
}
