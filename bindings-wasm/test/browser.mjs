// The npm package in headless Chromium: the ESM file loaded straight from
// a loopback server (no bundler), or a browser bundle of it (an ES module
// re-exporting ccauth; see bundlers.mjs), the shared vectors run in the page.
// Usage: node browser.mjs [bundle.mjs]   (CCAUTH_VECTORS points at tests/vectors)
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";

import { chromium } from "playwright-core";

const vectors = process.env.CCAUTH_VECTORS;
assert.ok(vectors, "CCAUTH_VECTORS must point at tests/vectors");
const require = createRequire(import.meta.url);
const entry = process.argv[2] ?? join(require.resolve("ccauth/package.json"), "..", "dist/index.mjs");
const files = {
  "/": ["text/html", "<!doctype html><title>ccauth</title>"],
  "/ccauth.mjs": ["text/javascript", readFileSync(entry)],
  "/vector-cases.mjs": ["text/javascript", readFileSync(new URL("./vector-cases.mjs", import.meta.url))],
  "/vectors/": ["application/json", JSON.stringify(readdirSync(vectors).filter((f) => /^(request|response)_.*\.json$|^signing\.json$/.test(f)))],
};
for (const f of readdirSync(vectors).filter((f) => f.endsWith(".json"))) files[`/vectors/${f}`] = ["application/json", readFileSync(join(vectors, f))];

// A page whose Content-Security-Policy does not allow compiling wasm.
files["/strict-csp"] = files["/"];
const server = http.createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  const file = files[path];
  const csp = path === "/strict-csp" ? { "content-security-policy": "script-src 'self'" } : {};
  res.writeHead(file ? 200 : 404, { "content-type": file ? file[0] : "text/plain", ...csp });
  res.end(file ? file[1] : "not found");
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  timeout: 60_000,
});
try {
  const page = await browser.newPage();
  await page.goto(origin);
  const result = await page.evaluate(async () => {
    const ccauth = await import("/ccauth.mjs");
    const { runVectorCase } = await import("/vector-cases.mjs");
    const failures = [];
    let count = 0;
    for (const file of await (await fetch("/vectors/")).json()) {
      const kind = file.replace(/\.json$/, "").split("_")[0];
      for (const c of (await (await fetch(`/vectors/${file}`)).json()).cases) {
        count += 1;
        try {
          runVectorCase(ccauth, kind, c);
        } catch (e) {
          failures.push(`${file}: ${c.name}: ${e.message}`);
        }
      }
    }
    return { count, failures, userAgent: navigator.userAgent };
  });
  console.log(`${result.userAgent.match(/Chrome\/[\d.]+/)?.[0]}, ${process.argv[2] ? "bundle" : "dist/index.mjs"}: ${result.count - result.failures.length}/${result.count} vectors passed`);
  assert.deepEqual(result.failures, []);
  assert.ok(result.count >= 140, `only ${result.count} vectors`);

  // Without 'wasm-unsafe-eval' the page may not compile wasm: a CcauthError that says so.
  await page.goto(`${origin}/strict-csp`);
  const refused = await page.evaluate(async () => {
    const ccauth = await import("/ccauth.mjs");
    try {
      ccauth.buildTokenRequest({ tokenEndpoint: "https://as.example.com/t", clientId: "c", clientSecret: "s" });
      return { code: "none" };
    } catch (e) {
      return { code: e.code, isCcauthError: ccauth.isCcauthError(e), message: e.message };
    }
  });
  assert.equal(refused.code, "WASM_LOAD_FAILED", JSON.stringify(refused));
  assert.ok(refused.isCcauthError && refused.message.includes("'wasm-unsafe-eval'"), refused.message);
} finally {
  await browser.close();
  server.close();
}
