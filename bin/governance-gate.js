#!/usr/bin/env node
// The CLI runs the compiled JavaScript in dist/, which `npm ci` builds (the
// `prepare` script). Without it there is nothing to run: say how to build it
// rather than build here, which would write into the package at run time and
// need dev dependencies an installation without them lacks.
import { existsSync } from "node:fs";
import module from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/run.js", import.meta.url);
if (!existsSync(entry)) {
  const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
  process.stderr.write(
    `governance-gate: ${fileURLToPath(entry)} is missing: run \`npm run build\` in ${packageDir} (npm ci runs it)\n`,
  );
  process.exit(1);
}
// Node 22.1+ keeps V8's compiled code on disk (in the OS temp directory) between
// runs, so a repeated command starts faster; it does nothing where the directory
// is not writable, and Node 20 has no such cache.
module.enableCompileCache?.();
await import(entry.href);
