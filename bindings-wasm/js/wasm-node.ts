/**
 * The core for Node, Deno and Bun (the `node` export condition): the .wasm
 * file is read from next to this module, which starts faster than decoding
 * bytes inlined in JavaScript.
 */
import { readFileSync } from "node:fs";
import { initSync } from "../pkg/ccauth_wasm.js";

let ready = false;

export function loadCore(): void {
  if (!ready) {
    initSync({ module: readFileSync(new URL("./ccauth_wasm_bg.wasm", import.meta.url)) });
    ready = true;
  }
}

export * as core from "../pkg/ccauth_wasm.js";
