/**
 * `npm run build` (also run by `npm ci`, `npm start` and `npm test`): src/ → dist/.
 *
 *   node esbuild.config.mjs [--outdir DIR]      (default dist)
 *
 * esbuild, not tsc, because a bundle is what makes the CLI start at once: the
 * policy engine's libraries are many small modules (zod 4 alone is about a
 * hundred), and loading them one by one was most of `explain`'s start. So our
 * code and the pure-JavaScript libraries on the CLI's path are bundled, split
 * into shared chunks so that each command's code (and Probot, for `sweep` and
 * the server only) loads when it runs. Everything else stays an ordinary
 * import of node_modules, resolved at run time as in development: Probot and
 * pino (pino's transports load by module name in worker threads), the
 * WebAssembly of web-tree-sitter (found next to its own files), and any
 * library added later, until someone decides to bundle it. Type-checking
 * stays with `tsc --noEmit` (`npm test`); esbuild only strips the types, in
 * about a second, so every start can rebuild.
 */
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { build } from "esbuild";

/** Each becomes dist/<path>.js: the CLI, the server, the Probot app function, the serverless handler. */
const ENTRY_POINTS = ["src/cli/run.ts", "src/server.ts", "src/index.ts", "src/ops/serverless.ts"];

/** Pure JavaScript, no files read by path, no native code: safe to inline, with their own dependencies. */
const BUNDLED = new Set(["diff", "lru-cache", "luxon", "minimatch", "ms", "semver", "yaml", "zod"]);

const packageName = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");

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

const { values } = parseArgs({ options: { outdir: { type: "string", default: "dist" } } });
const outdir = values.outdir;

// No chunk of an earlier build may linger: chunk names are content hashes.
rmSync(outdir, { recursive: true, force: true });
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
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  // Stack traces (node --enable-source-maps) point at src/; the maps need not carry the sources.
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning",
});
