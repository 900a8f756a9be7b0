/**
 * `npm run build` (also run by `npm ci`, `npm start` and `npm test`): src/ → dist/.
 *
 *   node esbuild.config.mjs [--outdir DIR]      (default dist)
 *   node esbuild.config.mjs --action [--outdir DIR]   (`npm run build:action`: DIR/action.js and DIR/action-typescript.cjs only)
 *
 * esbuild, not tsc, because a bundle is what makes the CLI start at once: the
 * policy engine's libraries are many small modules (zod 4 alone is about a
 * hundred), and loading them one by one was most of `explain`'s start. So our
 * code and the pure-JavaScript libraries on the CLI's path are bundled, split
 * into shared chunks so that each command's code (and Probot, for `sweep` and
 * the server only) loads when it runs. Everything else stays an ordinary
 * import of node_modules, resolved at run time as in development: Probot and
 * pino (pino's transports load by module name in worker threads), the
 * WebAssembly of web-tree-sitter (found next to its own files), the
 * TypeScript compiler (9 MB, loaded with createRequire only when a contract or
 * gateway file is read, see src/changes/typescript-source.ts), and any
 * library added later, until someone decides to bundle it. Type-checking
 * stays with `tsc --noEmit` (`npm test`); esbuild only strips the types, in
 * about a second, so every start can rebuild.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

/** Each becomes dist/<path>.js: the CLI, the server, the Probot app function, the serverless handler. */
const ENTRY_POINTS = ["src/cli/run.ts", "src/server.ts", "src/index.ts", "src/ops/serverless.ts"];

/** Pure JavaScript, no files read by path, no native code: safe to inline, with their own dependencies. */
const BUNDLED = new Set(["diff", "lru-cache", "luxon", "minimatch", "ms", "semver", "yaml", "zod"]);

const packageName = (specifier) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/** Bare imports from our code stay imports unless BUNDLED; a bundled library's own imports come along. */
const bundleOnlyListed = {
  name: "bundle-only-listed",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, ({ path, importer }) => {
      if (path.startsWith("node:") || /[\\/]node_modules[\\/]/.test(importer)) return undefined;
      return BUNDLED.has(packageName(path)) ? undefined : { path, external: true };
    });
  },
};

const { values } = parseArgs({
  options: {
    outdir: { type: "string", default: "dist" },
    action: { type: "boolean", default: false },
  },
});
const outdir = values.outdir;

/**
 * The GitHub Action (action.yml) runs dist/action.js, which is committed, as
 * Actions require: a runner has no node_modules. So it is one file holding every
 * dependency, the HCL grammar's WebAssembly included (as bytes), but for the
 * TypeScript compiler (its own file, below), built only on request; a test fails when the committed file is not what this builds from
 * the current sources (test/action/bundle.test.ts). Legal comments of the bundled
 * libraries are kept at its end.
 */
const ACTION_BUNDLE = "action.js";
const actionBuild = {
  entryPoints: ["src/action/run.ts"],
  outfile: join(outdir, ACTION_BUNDLE),
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20.18",
  loader: { ".wasm": "binary" },
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  legalComments: "eof",
  logLevel: "warning",
};

/**
 * The TypeScript compiler, for the Action's contract detectors, in a file of
 * its own beside action.js (committed too), which src/action/run.ts loads on
 * the first contract file read: a run that reads none starts as fast as
 * without it. Minified (3.6 MB instead of 9 MB: it loads in about two thirds
 * of the time); CommonJS, as the package is. `source-map-support` is an
 * optional require of tsc's own host, in a try, never reached by the parser.
 */
const ACTION_TYPESCRIPT = "action-typescript.cjs";
const actionTypeScriptBuild = {
  entryPoints: [createRequire(import.meta.url).resolve("typescript")],
  outfile: join(outdir, ACTION_TYPESCRIPT),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20.18",
  minify: true,
  external: ["source-map-support"],
  legalComments: "eof",
  logLevel: "warning",
};

if (values.action) {
  await Promise.all([build(actionBuild), build(actionTypeScriptBuild)]);
} else {
  // No chunk of an earlier build may linger: chunk names are content hashes. The
  // Action's committed files stay.
  for (const entry of existsSync(outdir) ? readdirSync(outdir) : []) {
    if (entry !== ACTION_BUNDLE && entry !== ACTION_TYPESCRIPT)
      rmSync(join(outdir, entry), { recursive: true, force: true });
  }
  await buildApp();
}

async function buildApp() {
  await build({
    entryPoints: ENTRY_POINTS,
    outbase: "src",
    outdir,
    entryNames: "[dir]/[name]",
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20.18",
    plugins: [bundleOnlyListed],
    // A bundled CommonJS library may `require` a Node built-in, which an ES module has no `require` for.
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
    // Stack traces (node --enable-source-maps) point at src/; the maps need not carry the sources.
    sourcemap: true,
    sourcesContent: false,
    // The presets, parsed and validated now: a start then reads no YAML (src/policy/presets.ts).
    define: {
      GOVERNANCE_GATE_COMPILED_PRESETS: JSON.stringify(JSON.stringify(await compilePresets())),
    },
    logLevel: "warning",
  });
}

/**
 * The presets as the policy loader itself reads them (`compilePresets` of
 * src/policy/presets.ts), bundled into a file of its own in `outdir` (so it
 * resolves node_modules as dist/ does), run, and removed.
 */
async function compilePresets() {
  const file = join(outdir, "compile-presets.mjs");
  await build({
    stdin: {
      contents: 'export { compilePresets } from "./src/policy/presets.ts";',
      resolveDir: ".",
      loader: "ts",
    },
    outfile: file,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20.18",
    plugins: [bundleOnlyListed],
    banner: {
      js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
  try {
    return await (await import(pathToFileURL(resolve(file)).href)).compilePresets();
  } finally {
    rmSync(file, { force: true });
  }
}
