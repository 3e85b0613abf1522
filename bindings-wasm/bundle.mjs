// Bundles the package:
// - index.mjs / index.cjs: the wasm inlined as bytes (browsers, bundlers, any runtime);
// - node.mjs / node.cjs: reads the .wasm next to it (Node, Deno, Bun unbundled: faster start);
// - workerd.mjs: imports the .wasm as a module (Workers forbid compiling bytes);
// - cli.mjs: the `ccauth` command (`npx ccauth doctor`), Node's build.
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

for (const dir of ["dist"]) {
  // The file to ship, as error messages name it.
  const define = { CCAUTH_WASM_FILE: JSON.stringify(`node_modules/ccauth/${dir}/ccauth_wasm_bg.wasm`) };
  const inline = { ...common, define, loader: { ".wasm": "binary" } };
  await build({ ...inline, format: "esm", outfile: `${dir}/index.mjs` });
  await build({ ...inline, format: "cjs", outfile: `${dir}/index.cjs`, logOverride: { "empty-import-meta": "silent" } });

  const node = { ...common, define, platform: "node", plugins: [loader("js/wasm-node.ts", false)] };
  await build({ ...node, format: "esm", outfile: `${dir}/node.mjs` });
  await build({
    ...node,
    format: "cjs",
    outfile: `${dir}/node.cjs`,
    define: { ...define, "import.meta.url": "__ccauth_module_url" },
    banner: { js: 'const __ccauth_module_url = require("node:url").pathToFileURL(__filename).href;' },
  });

  await build({ ...common, define, format: "esm", outfile: `${dir}/workerd.mjs`, plugins: [loader("js/wasm-workers.ts", true)] });
  // The `ccauth` command (package.json "bin"): Node's build, reading the same .wasm.
  await build({ ...node, entryPoints: ["js/cli.ts"], format: "esm", outfile: `${dir}/cli.mjs`, banner: { js: "#!/usr/bin/env node" } });
  copyFileSync("pkg/ccauth_wasm_bg.wasm", `${dir}/ccauth_wasm_bg.wasm`);
}
