declare module "*.wasm" {
  const bytes: Uint8Array;
  export default bytes;
}

/** The package path of the .wasm this build loads (set by bundle.mjs), for error messages. */
declare const CCAUTH_WASM_FILE: string;
