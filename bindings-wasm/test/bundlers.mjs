// The installed package as bundlers see it. The sample app (bundle-app.mjs)
// is bundled for Node by esbuild (CommonJS, as AWS CDK does; ESM, as SST
// does) and by webpack; each output is copied alone to a fresh folder (no
// node_modules in reach) and run there against the local authorization
// server. Told to use other conditions than `module`, both bundle the Node
// build: webpack copies its .wasm (new URL(…, import.meta.url)); esbuild
// leaves it behind, which must be a CcauthError naming the file, and shipping
// the file must fix it. bun build (when $BUN is set) resolves `module` only
// when told to. Browser bundles (esbuild, webpack) of the package run the
// vectors in headless Chromium (browser.mjs).
// Usage: scripts/with-auth-server.sh node bundlers.mjs   (CCAUTH_VECTORS set;
// run in the scratch project that has ccauth, esbuild and webpack installed)
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { build } from "esbuild";
import webpack from "webpack";

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, "bundle-app.mjs");
const work = mkdtempSync(join(tmpdir(), "ccauth-bundlers-"));
const require = createRequire(import.meta.url);
const wasmFile = join(dirname(require.resolve("ccauth/package.json")), "dist", "ccauth_wasm_bg.wasm");
assert.ok(process.env.CCAUTH_TOKEN_ENDPOINT && process.env.CCAUTH_VECTORS, "run through scripts/with-auth-server.sh, with CCAUTH_VECTORS");

/** Sizes of a bundle's files, for the log. */
const sizes = (dir) =>
  readdirSync(dir).map((f) => {
    const bytes = readFileSync(join(dir, f));
    return `${f} ${(bytes.length / 1024).toFixed(0)} KB (${(gzipSync(bytes).length / 1024).toFixed(0)} KB gz)`;
  }).join(", ");

/** Copies the bundle output `dir` alone to a new folder and runs `main` there with Node. */
function runElsewhere(dir, main) {
  const elsewhere = mkdtempSync(join(work, "run-"));
  cpSync(dir, elsewhere, { recursive: true });
  const run = spawnSync(process.execPath, [join(elsewhere, main)], { cwd: elsewhere, encoding: "utf8", timeout: 60_000 });
  const last = run.stdout.trim().split("\n").pop() ?? "";
  let result;
  try {
    result = JSON.parse(last);
  } catch {
    assert.fail(`${main} printed no result (exit ${run.status}): ${run.stdout}${run.stderr}`);
  }
  return { status: run.status, result, elsewhere };
}

/** The app ran: every vector, a token request built, a real token fetched and the API called. */
function assertWorked(label, { status, result }) {
  assert.equal(status, 0, `${label}: ${JSON.stringify(result)}`);
  assert.ok(result.vectors >= 140, `${label}: only ${result.vectors} vectors`);
  assert.deepEqual([result.requestMethod, result.apiStatus, result.apiClient, result.tokenType], ["POST", 200, "ccauth-basic", "Bearer"]);
  return `${result.vectors} vectors, token fetched, API ${result.apiStatus}`;
}

const esbuildNode = (outfile, extra = {}) =>
  build({ entryPoints: [app], bundle: true, platform: "node", target: "node18", outfile, logLevel: "error", ...extra });

function webpackBuild(config) {
  return new Promise((resolve, reject) =>
    webpack({ mode: "production", devtool: false, optimization: { minimize: false }, ...config }, (err, stats) => {
      if (err || stats.hasErrors()) reject(err ?? new Error(stats.toString("errors-only")));
      else resolve(stats);
    }));
}

const results = [];
const step = async (label, fn) => {
  const t0 = performance.now();
  const line = await fn();
  results.push(`${label}: ${line} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(results.at(-1));
};

try {
  await step("esbuild --platform=node (CommonJS, like AWS CDK)", async () => {
    const out = join(work, "esbuild-cjs");
    await esbuildNode(join(out, "app.cjs"), { format: "cjs" });
    return `${assertWorked("esbuild cjs", runElsewhere(out, "app.cjs"))}; ${sizes(out)}`;
  });

  await step("esbuild --platform=node --format=esm (like SST)", async () => {
    const out = join(work, "esbuild-esm");
    await esbuildNode(join(out, "app.mjs"), { format: "esm" });
    return `${assertWorked("esbuild esm", runElsewhere(out, "app.mjs"))}; ${sizes(out)}`;
  });

  await step("webpack --target=node", async () => {
    const out = join(work, "webpack-node");
    await webpackBuild({ target: "node18", entry: app, output: { path: out, filename: "app.cjs" } });
    return `${assertWorked("webpack node", runElsewhere(out, "app.cjs"))}; ${sizes(out)}`;
  });

  await step("webpack --target=node, conditionNames without `module` (ccauth's Node build: webpack copies its .wasm)", async () => {
    const out = join(work, "webpack-node-conditions");
    await webpackBuild({ target: "node18", entry: app, output: { path: out, filename: "app.cjs" }, resolve: { conditionNames: ["node", "import", "default"] } });
    assert.ok(readdirSync(out).some((f) => f.endsWith(".wasm")), "webpack emitted the .wasm as an asset");
    return `${assertWorked("webpack node conditions", runElsewhere(out, "app.cjs"))}; ${sizes(out)}`;
  });

  await step("esbuild --conditions=custom (ccauth's Node build, .wasm not shipped, then shipped)", async () => {
    const out = join(work, "esbuild-conditions");
    await esbuildNode(join(out, "app.cjs"), { format: "cjs", conditions: ["custom"], logOverride: { "empty-import-meta": "silent" } });
    const failed = runElsewhere(out, "app.cjs");
    assert.equal(failed.status, 1);
    const e = failed.result;
    assert.deepEqual([e.error, e.code, e.isCcauthError, e.instanceOf], ["CcauthError", "WASM_LOAD_FAILED", true, true], JSON.stringify(e));
    assert.ok(e.message.includes(`cannot read ${join(failed.elsewhere, "ccauth_wasm_bg.wasm")} (ENOENT)`), e.message);
    assert.match(e.message, /ship node_modules\/ccauth\/dist\/ccauth_wasm_bg\.wasm next to it/);
    copyFileSync(wasmFile, join(out, "ccauth_wasm_bg.wasm"));
    return `without the .wasm: CcauthError WASM_LOAD_FAILED naming the file; with it: ${assertWorked("esbuild conditions, shipped", runElsewhere(out, "app.cjs"))}`;
  });

  if (process.env.BUN) {
    await step("bun build --target=node (no `module` condition: the Node build), then with --conditions=module", async () => {
      const out = join(work, "bun");
      execFileSync(process.env.BUN, ["build", "--target=node", "--outfile", join(out, "app.mjs"), app], { stdio: "ignore" });
      const failed = runElsewhere(out, "app.mjs");
      assert.deepEqual([failed.status, failed.result.code], [1, "WASM_LOAD_FAILED"], JSON.stringify(failed.result));
      assert.ok(failed.result.message.includes(`cannot read ${join(failed.elsewhere, "ccauth_wasm_bg.wasm")} (ENOENT)`), failed.result.message);
      const inlined = join(work, "bun-module");
      execFileSync(process.env.BUN, ["build", "--target=node", "--conditions=module", "--outfile", join(inlined, "app.mjs"), app], { stdio: "ignore" });
      return `without: WASM_LOAD_FAILED naming the file; with: ${assertWorked("bun build --conditions=module", runElsewhere(inlined, "app.mjs"))}; ${sizes(inlined)}`;
    });
  }

  // Browser bundles: an ES module re-exporting the package, as a web app's bundle would hold it.
  const entry = join(here, "bundle-browser-entry.mjs");
  writeFileSync(entry, 'export * from "ccauth";\n');
  await step("esbuild --platform=browser, in headless Chromium", async () => {
    const out = join(work, "esbuild-browser");
    await build({ entryPoints: [entry], bundle: true, platform: "browser", format: "esm", target: "es2022", outfile: join(out, "ccauth.mjs"), logLevel: "error" });
    const line = execFileSync(process.execPath, [join(here, "browser.mjs"), join(out, "ccauth.mjs")], { encoding: "utf8" }).trim();
    return `${line}; ${sizes(out)}`;
  });
  await step("webpack --target=web, in headless Chromium", async () => {
    const out = join(work, "webpack-browser");
    await webpackBuild({
      target: "web", entry, experiments: { outputModule: true },
      output: { path: out, filename: "ccauth.mjs", module: true, library: { type: "module" } },
    });
    const line = execFileSync(process.execPath, [join(here, "browser.mjs"), join(out, "ccauth.mjs")], { encoding: "utf8" }).trim();
    return `${line}; ${sizes(out)}`;
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
