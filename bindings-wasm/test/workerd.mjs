// The npm package in workerd (the Cloudflare Workers runtime): the module
// the `workerd` export condition selects, with its .wasm imported as a
// module, runs every request/response vector inside a worker.
// Usage: node workerd.mjs   (CCAUTH_VECTORS, WORKERD = path to the binary)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const vectors = process.env.CCAUTH_VECTORS;
const workerd = process.env.WORKERD;
assert.ok(vectors && workerd, "CCAUTH_VECTORS and WORKERD must be set");

const require = createRequire(import.meta.url);
const pkgJson = require.resolve("ccauth/package.json");
const pkg = JSON.parse(readFileSync(pkgJson, "utf8"));
const entry = join(dirname(pkgJson), pkg.exports["."].workerd);

const dir = mkdtempSync(join(tmpdir(), "ccauth-workerd-"));
copyFileSync(entry, join(dir, "ccauth.mjs"));
copyFileSync(join(dirname(entry), "ccauth_wasm_bg.wasm"), join(dir, "ccauth_wasm_bg.wasm"));
copyFileSync(new URL("./vector-cases.mjs", import.meta.url), join(dir, "vector-cases.mjs"));
const files = readdirSync(vectors)
  .filter((f) => /^(request|response)_.*\.json$|^signing\.json$/.test(f))
  .map((file) => ({ file, kind: file.replace(/\.json$/, "").split("_")[0], cases: JSON.parse(readFileSync(join(vectors, file), "utf8")).cases }));
writeFileSync(join(dir, "vectors.json"), JSON.stringify(files));
writeFileSync(join(dir, "worker.mjs"), `
import * as ccauth from "./ccauth.mjs";
import { runVectorCase } from "./vector-cases.mjs";
import files from "./vectors.json";
export default {
  async fetch() {
    const failures = [];
    let count = 0;
    for (const { file, kind, cases } of files) {
      for (const c of cases) {
        count += 1;
        try { runVectorCase(ccauth, kind, c); } catch (e) { failures.push(file + ": " + c.name + ": " + e.message); }
      }
    }
    return Response.json({ count, failures });
  },
};`);

const port = await new Promise((resolve) => {
  const probe = net.createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
writeFileSync(join(dir, "config.capnp"), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "worker.mjs"),
    (name = "ccauth.mjs", esModule = embed "ccauth.mjs"),
    (name = "vector-cases.mjs", esModule = embed "vector-cases.mjs"),
    (name = "vectors.json", json = embed "vectors.json"),
    (name = "ccauth_wasm_bg.wasm", wasm = embed "ccauth_wasm_bg.wasm"),
  ],
  compatibilityDate = "2025-06-01",
);
`);

const server = spawn(workerd, ["serve", join(dir, "config.capnp")], { stdio: ["ignore", "inherit", "inherit"] });
try {
  let result;
  for (let i = 0; i < 100 && !result; i++) {
    try {
      result = await (await fetch(`http://127.0.0.1:${port}/`)).json();
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  assert.ok(result, "workerd did not answer within 10 s");
  console.log(`workerd ${pkg.exports["."].workerd}: ${result.count - result.failures.length}/${result.count} vectors passed`);
  assert.deepEqual(result.failures, []);
  assert.ok(result.count >= 140);
} finally {
  server.kill();
  rmSync(dir, { recursive: true, force: true });
}
