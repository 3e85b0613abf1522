// Bundles the package: ESM and CommonJS with the wasm inlined (Node, Deno,
// Bun, browsers), and a Workers build that imports the .wasm file as a module.
import { copyFileSync } from "node:fs";
import { build } from "esbuild";

const common = { entryPoints: ["js/index.ts"], bundle: true, platform: "neutral", target: "es2022", logLevel: "warning" };
const inline = { ...common, loader: { ".wasm": "binary" } };
await build({ ...inline, format: "esm", outfile: "dist/index.mjs" });
await build({ ...inline, format: "cjs", outfile: "dist/index.cjs", logOverride: { "empty-import-meta": "silent" } });

const workersLoader = {
  name: "workers-wasm-module",
  setup(b) {
    b.onResolve({ filter: /\/wasm\.js$/ }, (args) => ({ path: new URL("js/wasm-workers.ts", `file://${process.cwd()}/`).pathname }));
    b.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./ccauth_wasm_bg.wasm", external: true }));
  },
};
await build({ ...common, format: "esm", outfile: "dist/workerd.mjs", plugins: [workersLoader] });
copyFileSync("pkg/ccauth_wasm_bg.wasm", "dist/ccauth_wasm_bg.wasm");
