// The npm package in headless Chromium: the ESM file loaded straight from
// a loopback server (no bundler), the shared vectors run in the page.
// Usage: node browser.mjs   (CCAUTH_VECTORS points at tests/vectors)
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";

import { chromium } from "playwright-core";

const vectors = process.env.CCAUTH_VECTORS;
assert.ok(vectors, "CCAUTH_VECTORS must point at tests/vectors");
const require = createRequire(import.meta.url);
const files = {
  "/": ["text/html", "<!doctype html><title>ccauth</title>"],
  "/ccauth.mjs": ["text/javascript", readFileSync(join(require.resolve("ccauth/package.json"), "..", "dist/index.mjs"))],
  "/vector-cases.mjs": ["text/javascript", readFileSync(new URL("./vector-cases.mjs", import.meta.url))],
  "/vectors/": ["application/json", JSON.stringify(readdirSync(vectors).filter((f) => /^(request|response)_.*\.json$|^signing\.json$/.test(f)))],
};
for (const f of readdirSync(vectors).filter((f) => f.endsWith(".json"))) files[`/vectors/${f}`] = ["application/json", readFileSync(join(vectors, f))];

const server = http.createServer((req, res) => {
  const file = files[new URL(req.url, "http://x").pathname];
  res.writeHead(file ? 200 : 404, { "content-type": file ? file[0] : "text/plain" });
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
  console.log(`${result.userAgent.match(/Chrome\/[\d.]+/)?.[0]}: ${result.count - result.failures.length}/${result.count} vectors passed`);
  assert.deepEqual(result.failures, []);
  assert.ok(result.count >= 140, `only ${result.count} vectors`);
} finally {
  await browser.close();
  server.close();
}
