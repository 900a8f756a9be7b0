/**
 * The policy engine as it ships: src/ compiled by esbuild as `npm run build`
 * compiles it (bundled ES module, target node20.18, no `keepNames`), for the
 * benchmarks that time `evaluate`. The benchmarks themselves run through tsx,
 * whose transform wraps every named function and closure in a `__name` call
 * (its `keepNames`): evaluating a 3,000-file pull request creates thousands of
 * closures, so timing the tsx-run modules would charge the product with a cost
 * only development pays. Built into bench/results/ (git-ignored) so the bundle's
 * external imports resolve this checkout's node_modules, imported, then removed.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import type * as evaluateModule from "../../src/evaluate/evaluate.js";
import type * as factsModule from "../../src/evaluate/facts.js";
import type * as loadModule from "../../src/policy/load.js";
import { ROOT } from "./app-server.js";

export interface ShippedEngine {
  evaluate: typeof evaluateModule.evaluate;
  emptyFacts: typeof factsModule.emptyFacts;
  loadPolicy: typeof loadModule.loadPolicy;
}

export async function loadShippedEngine(): Promise<ShippedEngine> {
  const dir = join(ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `shipped-engine-${process.pid}.mjs`);
  await build({
    stdin: {
      contents: [
        'export { evaluate } from "./src/evaluate/evaluate.ts";',
        'export { emptyFacts } from "./src/evaluate/facts.ts";',
        'export { loadPolicy } from "./src/policy/load.ts";',
      ].join("\n"),
      resolveDir: ROOT,
      loader: "ts",
    },
    outfile: file,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20.18",
    // Libraries stay imports of node_modules: how a module is linked does not change how fast its code runs.
    packages: "external",
    logLevel: "warning",
  });
  try {
    return (await import(pathToFileURL(file).href)) as ShippedEngine;
  } finally {
    rmSync(file, { force: true });
  }
}
