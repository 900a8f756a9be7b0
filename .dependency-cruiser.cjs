// The import graph's rules, checked by `npm run lint:deps` (part of `npm test`, so CI fails on a
// cycle or an import against the flow).
//
// dependency-cruiser is pinned to 17.3.x: 18 needs Node 22 or newer, and these machines and CI
// still run Node 20 (issue 12, item 7). Move to 18 once Node 20 support is dropped.

/**
 * The layers, in the order a change flows through the app: detect what changed, read the
 * policy, evaluate, render, talk to GitHub, and the entry points that wire it all up. A module
 * may import from its own layer and the layers before it, never from a later one.
 * `except` names files that sit in a later layer than their folder (they are entry points).
 */
const LAYERS = [
  // Leaves read by any layer: the package's own files, the process's configuration.
  { name: "base", path: "^src/(package-root|config)\\.ts$" },
  // Change detectors; src/changes/sql and src/changes/prisma are the SQL and Prisma
  // detectors' lexer/parser and classifier, so they belong to this layer.
  { name: "changes", path: "^src/changes/" },
  { name: "policy", path: "^src/policy/" },
  { name: "evaluate", path: "^src/evaluate/" },
  { name: "render", path: "^src/render/" },
  // The audit trail: the decision record the gate writes on a check run (github/apply.ts), and
  // the export that reads those records back. Its command is the CLI's `audit` (entry layer).
  { name: "audit", path: "^src/audit/", except: "^src/audit/command\\.ts$" },
  // Process infrastructure the gate reports to (metrics, logs, health, shutdown). It imports
  // none of the app, so github/gate.ts recording metrics cannot close a cycle.
  // ops/serverless.ts wraps the whole app: an entry point.
  { name: "ops", path: "^src/ops/", except: "^src/ops/serverless\\.ts$" },
  { name: "github", path: "^src/github/" },
  // Entry points: the CLI, the server, the app's wiring, the GitHub Action, and the two files above.
  {
    name: "cli/server",
    path: "^src/(cli/|action/|server\\.ts$|index\\.ts$)|^src/audit/command\\.ts$|^src/ops/serverless\\.ts$",
  },
];

/** The files of one layer, as a dependency-cruiser path condition. */
const modulesOf = (layer) =>
  layer.except ? { path: layer.path, pathNot: layer.except } : { path: layer.path };

const againstTheFlow = LAYERS.flatMap((from, i) =>
  LAYERS.slice(i + 1).map((to) => ({
    name: `layer-${from.name}-not-to-${to.name}`.replace("/", "-"),
    comment: `${from.name} comes before ${to.name} in changes → policy → evaluate → render → github → cli/server: it may not import from it.`,
    severity: "error",
    from: modulesOf(from),
    to: modulesOf(to),
  })),
);

const layered = LAYERS.map((l) => `(${l.path})`).join("|");

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment:
        "An import cycle: move what both sides share into a module of its own (type-only and lazy imports count too).",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    ...againstTheFlow,
    {
      name: "src-not-to-test-or-bench",
      comment: "Shipped code may not import tests, their helpers, or the benchmarks.",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench)/" },
    },
    {
      name: "in-a-layer",
      comment:
        "Every module of src/ belongs to a layer: add its folder to LAYERS in .dependency-cruiser.cjs.",
      severity: "error",
      from: { path: "^src/", pathNot: layered },
      to: {},
    },
    {
      name: "imported-in-a-layer",
      comment:
        "Every module of src/ belongs to a layer: add its folder to LAYERS in .dependency-cruiser.cjs.",
      severity: "error",
      from: {},
      to: { path: "^src/", pathNot: layered },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    // Type-only imports couple modules too: count them.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
