// The shared vectors (tests/vectors/) through the installed npm package:
// same bytes, same tokens, same error codes as the Rust core. Runs under
// node --test, deno test and bun test alike.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";

import * as ccauth from "ccauth";
import { runVectorCase } from "./vector-cases.mjs";

const dir = process.env.CCAUTH_VECTORS;
assert.ok(dir, "CCAUTH_VECTORS must point at tests/vectors");

let count = 0;
for (const file of readdirSync(dir).filter((f) => f.endsWith(".json")).sort()) {
  const kind = file.replace(/\.json$/, "").split("_")[0];
  if (kind !== "request" && kind !== "response" && kind !== "signing") continue; // lifecycle: lifecycle-vectors.test.mjs (the internal TokenLifecycle)
  for (const c of JSON.parse(readFileSync(join(dir, file), "utf8")).cases) {
    count += 1;
    test(`${file}: ${c.name}`, () => runVectorCase(ccauth, kind, c, inspect));
  }
}

test("there are enough vectors", () => assert.ok(count >= 150, `only ${count} request/response/signing vectors`));
