/**
 * Loads the wasm core once, synchronously, from bytes bundled into this
 * module: no file system, no fetch, no bundler plugin, so the same code runs
 * in Node, Deno, Bun, browsers and any bundle of them.
 */
import wasmBytes from "../pkg/ccauth_wasm_bg.wasm";
import { wasmLoadFailed } from "./errors.js";
import { initSync } from "../pkg/ccauth_wasm.js";

let ready = false;

export function loadCore(): void {
  if (ready) return;
  try {
    initSync({ module: wasmBytes });
  } catch (e) {
    throw wasmLoadFailed(
      `the runtime refused to compile the wasm inlined from ${CCAUTH_WASM_FILE} (${(e as Error)?.name ?? "error"}; ` +
        `a browser page's Content-Security-Policy needs 'wasm-unsafe-eval')`,
    );
  }
  ready = true;
}

export * as core from "../pkg/ccauth_wasm.js";
