// Bundles the package:
// - index.mjs / index.cjs: the wasm inlined as bytes (browsers, any runtime);
// - node.mjs / node.cjs: reads the .wasm next to it (Node, Deno, Bun: faster start);
// - workerd.mjs: imports the .wasm as a module (Workers forbid compiling bytes).
import { copyFileSync } from "node:fs";
import { build } from "esbuild";

const common = { entryPoints: ["js/index.ts"], bundle: true, platform: "neutral", target: "es2022", logLevel: "warning" };

/** Swaps the inlined-bytes loader (js/wasm.ts) for `file`; `externalWasm` keeps the .wasm import as is. */
const loader = (file, externalWasm) => ({
  name: `wasm-loader:${file}`,
  setup(b) {
    b.onResolve({ filter: /\/wasm\.js$/ }, () => ({ path: new URL(file, `file://${process.cwd()}/`).pathname }));
    if (externalWasm) b.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./ccauth_wasm_bg.wasm", external: true }));
  },
});

const inline = { ...common, loader: { ".wasm": "binary" } };
await build({ ...inline, format: "esm", outfile: "dist/index.mjs" });
await build({ ...inline, format: "cjs", outfile: "dist/index.cjs", logOverride: { "empty-import-meta": "silent" } });

const node = { ...common, platform: "node", plugins: [loader("js/wasm-node.ts", false)] };
await build({ ...node, format: "esm", outfile: "dist/node.mjs" });
await build({
  ...node,
  format: "cjs",
  outfile: "dist/node.cjs",
  define: { "import.meta.url": "__ccauth_module_url" },
  banner: { js: 'const __ccauth_module_url = require("node:url").pathToFileURL(__filename).href;' },
});

await build({ ...common, format: "esm", outfile: "dist/workerd.mjs", plugins: [loader("js/wasm-workers.ts", true)] });
copyFileSync("pkg/ccauth_wasm_bg.wasm", "dist/ccauth_wasm_bg.wasm");
