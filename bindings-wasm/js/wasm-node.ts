/**
 * The core for Node, Deno and Bun (the `node` export condition, unbundled):
 * the .wasm file is read from next to this module, which starts faster than
 * decoding bytes inlined in JavaScript. Bundlers get the inlined build (the
 * `module` condition); one that bundles this file anyway moves it away from
 * its .wasm, and the error then names the file to ship.
 */
import { createRequire } from "node:module";
import { wasmLoadFailed } from "./errors.js";
import { initSync } from "../pkg/ccauth_wasm.js";

let ready = false;

type Fs = typeof import("node:fs");
type Url = typeof import("node:url");
/**
 * `node:fs` and `node:url` when the core is loaded, not at import: an ESM
 * import of `node:fs` builds a facade of all its exports, which loads Node's
 * streams (about 3 ms). `process.getBuiltinModule` (Node >= 20.16, Deno, Bun),
 * else `require` (Node 18).
 */
const builtins = (): [Fs, Url] => {
  const proc = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule === "function") return [proc.getBuiltinModule("node:fs") as Fs, proc.getBuiltinModule("node:url") as Url];
  const load = createRequire(import.meta.url ?? __filename);
  return [load("node:fs") as Fs, load("node:url") as Url];
};

export function loadCore(): void {
  if (ready) return;
  let bytes: Uint8Array;
  let where = "ccauth_wasm_bg.wasm";
  const [{ readFileSync }, { fileURLToPath, pathToFileURL }] = builtins();
  try {
    // The first form is the one bundlers (webpack, Vite) copy as an asset; in
    // a CommonJS bundle made from this ESM file, import.meta is empty and the
    // bundle's own file stands in.
    const url = import.meta.url
      ? new URL("./ccauth_wasm_bg.wasm", import.meta.url)
      : new URL("./ccauth_wasm_bg.wasm", pathToFileURL(__filename));
    where = url.protocol === "file:" ? fileURLToPath(url) : url.href;
    bytes = readFileSync(url);
  } catch (e) {
    const code = (e as { code?: unknown })?.code;
    throw wasmLoadFailed(
      `cannot read ${where}${typeof code === "string" ? ` (${code})` : ""}. A bundle of ccauth's Node build must ship ` +
        `${CCAUTH_WASM_FILE} next to it (or resolve the "module" export condition, as esbuild, webpack, Rollup and ` +
        `Vite do by default: the wasm is then inlined)`,
    );
  }
  try {
    initSync({ module: bytes });
  } catch (e) {
    throw wasmLoadFailed(`${where} is not a wasm module this build can load (${(e as Error)?.name ?? "error"}); ship ${CCAUTH_WASM_FILE} there`);
  }
  ready = true;
}

export * as core from "../pkg/ccauth_wasm.js";
