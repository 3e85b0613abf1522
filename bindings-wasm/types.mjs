// Rolls the declarations tsc wrote (dist/types/) into one file per module
// system, with rollup-plugin-dts: dist/index.d.ts for `import`, and the same
// text as dist/index.d.cts for `require` (in a "type": "module" package,
// TypeScript's node16/nodenext resolution reads a .d.ts as ESM, which a
// CommonJS consumer may not import: TS1479). Declarations marked @internal
// are already gone (stripInternal); only what index.ts exports is kept.
import { copyFileSync, rmSync } from "node:fs";
import { rollup } from "rollup";
import { dts } from "rollup-plugin-dts";

const bundle = await rollup({ input: "dist/types/js/index.d.ts", plugins: [dts()] });
await bundle.write({ file: "dist/index.d.ts", format: "es" });
await bundle.close();
copyFileSync("dist/index.d.ts", "dist/index.d.cts");
rmSync("dist/types", { recursive: true });
