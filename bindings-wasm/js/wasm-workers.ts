/**
 * The core for Workers-style runtimes (workerd, Cloudflare Workers), which
 * forbid compiling wasm from bytes at run time: the .wasm file is imported as
 * a module instead. The `workerd`/`worker` export condition selects this file.
 */
import wasmModule from "./ccauth_wasm_bg.wasm";
import { initSync } from "../pkg/ccauth_wasm.js";

let ready = false;

export function loadCore(): void {
  if (!ready) {
    initSync({ module: wasmModule as unknown as WebAssembly.Module });
    ready = true;
  }
}

export * as core from "../pkg/ccauth_wasm.js";
