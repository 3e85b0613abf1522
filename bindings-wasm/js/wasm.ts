/**
 * Loads the wasm core once, synchronously, from bytes bundled into this
 * module: no file system, no fetch, no bundler plugin, so the same code runs
 * in Node, Deno, Bun and browsers.
 */
import wasmBytes from "../pkg/ccauth_wasm_bg.wasm";
import { initSync } from "../pkg/ccauth_wasm.js";

let ready = false;

export function loadCore(): void {
  if (!ready) {
    initSync({ module: wasmBytes });
    ready = true;
  }
}

export * as core from "../pkg/ccauth_wasm.js";
