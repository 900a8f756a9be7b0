/**
 * Benchmark: `evaluate` on a 300-area monorepo policy and a 3,000-file pull
 * request, against a naive matcher that calls `minimatch(file, glob)` for every
 * file and every area glob; and path → owner resolution for the same files:
 * ours (the loaded policy's AreaIndex, owners = the matched areas' accountable
 * people) vs the naive loop vs the `codeowners` npm package reading the same
 * mapping as a CODEOWNERS file (rendered by src/render/codeowners.ts).
 *
 *   npm run bench                       (all benchmarks; see bench/run.ts)
 *   npx tsx bench/evaluate.bench.ts     (this one)
 *
 * Everything is generated from a fixed seed (no Math.random), so every run sees
 * the same policy and the same pull request. The naive baseline and the
 * AreaIndex must produce exactly the same file → areas mapping, or the run fails
 * with exit code 1: a speed-up over a matcher that answers differently would
 * mean nothing. The goals printed at the end are informational only.
 *
 * The naive matcher stops at an area's first matching positive glob and checks
 * its `!` exclusions only then, like AreaIndex; it just never keeps a compiled
 * glob nor pre-selects candidates.
 *
 * A diagnostic row times the same loop with every glob compiled once (no
 * buckets): it shows how much of the ratio is "compile once" and how much is
 * the index's pre-selection.
 *
 * CODEOWNERS semantics differ: the last matching line wins (one owner set per
 * file) and there are no exclusions, while governance applies every matching
 * area. So the comparison is of time; owner sets are compared file by file and
 * reported (all files, and the files where the semantics coincide: at most one
 * area matches and that area has no `!` exclusion). The `codeowners` package
 * caches answers per path inside each instance, so every timed run gets a new
 * instance (its construction, which reads and compiles the file, is timed apart
 * as "build", beside building our AreaIndex).
 *
 * Profiling evaluate alone (skips the slow naive runs):
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/evaluate.bench.ts --evaluate-only
 * (tsx emits each module on one line; for per-line ticks compile with
 * `tsc --noEmit false --outDir /tmp/build` and profile the emitted .js.)
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Minimatch, minimatch } from "minimatch";
import type { ChangedFile } from "../src/changes/types.js";
import { evaluate } from "../src/evaluate/evaluate.js";
import { emptyFacts } from "../src/evaluate/facts.js";
import { loadPolicy } from "../src/policy/load.js";
import type { Policy } from "../src/policy/model.js";
import { AreaIndex } from "../src/policy/match.js";
import { formatProblem } from "../src/policy/problems.js";
import { renderCodeowners } from "../src/render/codeowners.js";
import { memoryReader } from "../test/helpers/policy.js";
import { jsonTarget, writeJson } from "./lib/report.js";
import { seededRandom as prng } from "../test/helpers/random.js";

/** The `codeowners` npm package (CommonJS, untyped): `new Codeowners(dir)` finds `.github/CODEOWNERS` from `dir`. */
interface CodeownersInstance {
  getOwner(path: string): string[];
}
const Codeowners = createRequire(import.meta.url)("codeowners") as new (
  dir: string,
) => CodeownersInstance;
const CODEOWNERS_VERSION = (
  createRequire(import.meta.url)("codeowners/package.json") as { version: string }
).version;

const SEED = 0x6a7e_2024;
const AREA_COUNT = 300;
const FILE_COUNT = 3000;
const NOW = new Date("2025-03-14T12:00:00Z");

const GOAL_EVALUATE_MS = 25;
const GOAL_RATIO = 100;

const EVALUATE_WARMUP = 15;
const EVALUATE_RUNS = 51;
const INDEX_WARMUP = 15;
const INDEX_RUNS = 51;
const NAIVE_MIN_RUNS = 3;
const NAIVE_MAX_RUNS = 3;
/** The naive runs stop once they have used this much time (after NAIVE_MIN_RUNS). */
const NAIVE_BUDGET_MS = 10_000;
const OWNERS_WARMUP = 5;
const OWNERS_RUNS = 31;
const CODEOWNERS_RUNS = 2;
const PRECOMPILED_RUNS = 5;

// ---------------------------------------------------------------------------
// Deterministic generation
// ---------------------------------------------------------------------------

const random = prng(SEED);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const chance = (p: number): boolean => random() < p;

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ra",
  "ten",
  "vo",
  "zu",
  "pel",
  "dor",
  "nix",
  "qua",
  "sen",
  "tri",
  "bel",
  "cor",
  "fin",
  "gal",
  "hex",
  "jun",
  "mar",
];
const SUFFIXES = ["", "-api", "-worker", "-gateway", "-store", "-sync", "-core"];

/** `count` distinct service-like names (`kalo-api`, `tenvo`, …). */
function names(count: number, used: Set<string>): string[] {
  const out: string[] = [];
  while (out.length < count) {
    const name = `${pick(SYLLABLES)}${pick(SYLLABLES)}${pick(SUFFIXES)}`;
    if (used.has(name)) continue;
    used.add(name);
    out.push(name);
  }
  return out;
}

interface AreaSpec {
  id: string;
  name: string;
  paths: string[];
  accountable: string;
  responsible?: string[];
  consulted?: string[];
  level: 1 | 2 | 3;
  approvers?: string[];
  escalation: string[];
  ticket?: boolean;
}

interface Monorepo {
  yaml: string;
  services: string[];
  libs: string[];
  deploys: string[];
  apps: string[];
  areaCount: number;
}

const TEAM_COUNT = 40;
const EXTENSION_GLOBS = [
  "**/*.tf",
  "**/*.tfvars",
  "**/*.sql",
  "**/*.proto",
  "**/*.graphql",
  "**/*.prisma",
  "**/*.rego",
  "**/*.avsc",
  "**/*.sh",
  "**/*.helm.yaml",
];
const BASENAME_GLOBS = [
  "**/Dockerfile",
  "**/Makefile",
  "**/package.json",
  "**/go.mod",
  "**/Cargo.toml",
  "**/CODEOWNERS",
  "**/openapi.{yaml,json}",
  "**/Chart.yaml",
  "**/kustomization.yaml",
  "**/Jenkinsfile",
];
const ROOT_GLOBS = [
  ".eslintrc*",
  ".prettierrc*",
  "tsconfig*.json",
  "*.md",
  ".github/workflows/**",
  ".github/governance.yml",
  "renovate.json",
  ".nvmrc",
  "docker-compose*.yml",
  "pnpm-workspace.yaml",
];
/** Globs no bucket can hold (no literal prefix, not `**\/basename` or `**\/*.ext`). */
const UNINDEXED_GLOBS = [
  "**/iam/**",
  "**/rbac/**",
  "**/*networkpolicy*",
  "**/secrets/**",
  "**/migrations/*.sql",
];

function generatePolicy(): Monorepo {
  const used = new Set<string>();
  const teams = Array.from(
    { length: TEAM_COUNT },
    (_, i) => `team-${String(i + 1).padStart(2, "0")}-lead`,
  );
  const team = () => pick(teams);
  const escalation = (role: string) => [role, "platform-lead", "cto"];

  // 300 areas: 95 services, 80 libs, 60 deploy dirs, 30 apps, 10 extension
  // areas, 10 basename areas, 10 root areas, 5 unindexed cross-cutting areas.
  const services = names(95, used);
  const libs = names(80, used);
  const deploys = services.slice(0, 60);
  const apps = names(30, used);
  const areas: AreaSpec[] = [];

  for (const name of services) {
    const owner = team();
    const paths = [`services/${name}/**`];
    // A few services hand their docs and generated code to other owners.
    if (chance(0.12)) paths.push(`!services/${name}/**/*.md`);
    if (chance(0.06)) paths.push(`!services/${name}/generated/**`);
    areas.push({
      id: `svc-${name}`,
      name: `Service ${name}`,
      paths,
      accountable: owner,
      responsible: [team()],
      level: chance(0.7) ? 2 : 1,
      escalation: escalation(owner),
      ticket: chance(0.2),
    });
  }
  for (const name of libs) {
    const owner = team();
    const paths = [`libs/${name}/src/**`];
    if (chance(0.3)) paths.push(`libs/${name}/package.json`);
    areas.push({
      id: `lib-${name}`,
      name: `Library ${name}`,
      paths,
      accountable: owner,
      level: chance(0.4) ? 2 : 1,
      escalation: escalation(owner),
    });
  }
  for (const name of deploys) {
    const owner = team();
    areas.push({
      id: `deploy-${name}`,
      name: `Deployment of ${name}`,
      paths: [`deploy/${name}/**`, ...(chance(0.3) ? [`deploy/${name}-canary/**`] : [])],
      accountable: owner,
      consulted: ["sre"],
      level: 3,
      approvers: ["$accountable", "sre"],
      escalation: escalation(owner),
      ticket: true,
    });
  }
  for (const name of apps) {
    const owner = pick(["frontend-lead", team()]);
    areas.push({
      id: `app-${name}`,
      name: `App ${name}`,
      paths: [
        `apps/${name}/**/*.{ts,tsx}`,
        ...(chance(0.5) ? [`apps/${name}/**/*.{css,scss}`] : []),
      ],
      accountable: owner,
      responsible: ["frontend-lead"],
      level: 2,
      escalation: owner === "frontend-lead" ? ["frontend-lead", "cto"] : escalation(owner),
    });
  }
  const crossCutting = (kind: string, globs: readonly string[], owner: string, level: 1 | 2 | 3) =>
    globs.forEach((glob, i) =>
      areas.push({
        id: `${kind}-${String(i + 1).padStart(2, "0")}`,
        name: `${kind} ${glob}`,
        paths: [glob],
        accountable: owner,
        level,
        ...(level === 3 ? { approvers: ["$accountable", "security-lead"] } : {}),
        escalation: owner === "cto" ? ["cto"] : [owner, "cto"],
      }),
    );
  crossCutting("ext", EXTENSION_GLOBS, "platform-lead", 2);
  crossCutting("base", BASENAME_GLOBS, "platform-lead", 2);
  crossCutting("root", ROOT_GLOBS, "dx-lead", 1);
  crossCutting("xcut", UNINDEXED_GLOBS, "security-lead", 3);
  if (areas.length !== AREA_COUNT)
    throw new Error(`generated ${areas.length} areas, expected ${AREA_COUNT}`);

  // Roles: every team lead is two people; a few org-wide roles; `engineers` is everyone.
  let userNo = 0;
  const user = () => `dev-${String(++userNo).padStart(3, "0")}`;
  const roles: Record<string, string[]> = {};
  for (const t of teams) roles[t] = [user(), user()];
  for (const r of ["platform-lead", "security-lead", "sre", "frontend-lead", "dx-lead", "dba"])
    roles[r] = [user(), user()];
  roles.cto = [user()];
  roles.engineers = [...Object.values(roles).flat(), ...Array.from({ length: 60 }, user)];

  const q = (s: string) => JSON.stringify(s);
  const list = (xs: readonly string[]) => `[${xs.map(q).join(", ")}]`;
  const lines: string[] = [
    "version: 1",
    "description: Generated 300-area monorepo policy (bench/evaluate.bench.ts)",
    "",
    "roles:",
    ...Object.entries(roles).map(([id, users]) => `  ${id}: { users: ${list(users)} }`),
    "",
    "areas:",
  ];
  for (const a of areas) {
    lines.push(
      `  ${a.id}:`,
      `    name: ${q(a.name)}`,
      `    paths: ${list(a.paths)}`,
      `    accountable: ${a.accountable}`,
    );
    if (a.responsible) lines.push(`    responsible: ${list(a.responsible)}`);
    if (a.consulted) lines.push(`    consulted: ${list(a.consulted)}`);
    lines.push(`    level: ${a.level}`);
    if (a.approvers) lines.push(`    approvers: ${list(a.approvers)}`);
    lines.push(`    escalation: ${list(a.escalation)}`);
    if (a.ticket) lines.push("    ticket: true");
  }
  lines.push(
    "",
    "rules:",
    "  executive-label:",
    "    description: Executive sign-off when labelled",
    "    when: { labels: [executive] }",
    "    level: 4",
    "    approvers: [cto]",
    "  terraform:",
    "    description: Infrastructure code needs platform sign-off",
    '    when: { paths: ["**/*.tf", "**/*.tfvars"] }',
    "    level: 3",
    "    approvers: [$accountable, platform-lead]",
    "  secrets:",
    "    description: Secret material needs security sign-off",
    '    when: { paths: ["**/secrets/**", "**/*.env"] }',
    "    level: 3",
    "    approvers: [$accountable, security-lead]",
    "  outside-contributor:",
    "    description: Changes from outside engineering need the owner",
    "    when: { author: { notMemberOf: [engineers] } }",
    "    level: 2",
    "  destructive-migration:",
    "    description: Destructive migrations",
    "    when: { kinds: [migration-destructive] }",
    "    level: 3",
    "    approvers: { all: [$accountable], any: [dba, platform-lead], count: 1 }",
    "    requireInputFrom: [security-lead]",
    "  governance-amendment:",
    "    description: Amending the governance file",
    `    areas: [${areas.find((a) => a.paths.includes(".github/governance.yml"))!.id}]`,
    '    when: { paths: [".github/governance.yml"] }',
    "    level: 4",
    "    approvers: { all: [cto], any: [$accountables], count: 2 }",
    "",
    "unowned:",
    "  action: warn",
    "  reviewers: [platform-lead]",
    "emergency:",
    "  roles: [cto, platform-lead]",
    "ticket:",
    '  pattern: "[A-Z][A-Z0-9]+-\\\\d+"',
    "",
  );
  return { yaml: lines.join("\n"), services, libs, deploys, apps, areaCount: areas.length };
}

const ROOT_FILES = [
  ".eslintrc.json",
  ".eslintrc.cjs",
  ".prettierrc",
  "tsconfig.json",
  "tsconfig.base.json",
  "README.md",
  "CONTRIBUTING.md",
  ".github/workflows/ci.yml",
  ".github/workflows/release.yml",
  ".github/governance.yml",
  "renovate.json",
  ".nvmrc",
  "docker-compose.yml",
  "docker-compose.test.yml",
  "pnpm-workspace.yaml",
  "package.json",
  "LICENSE",
  ".gitignore",
];
const SRC_DIRS = ["handlers", "domain", "infra", "util", "config", "api", "jobs", "models"];
const SRC_FILES = [
  "index",
  "client",
  "server",
  "types",
  "mapper",
  "repository",
  "service",
  "validator",
  "schema",
  "errors",
];

/** A 3,000-file pull request over the generated monorepo, path-only, without duplicates. */
function generatePullRequest(repo: Monorepo): ChangedFile[] {
  const paths = new Set<string>();
  const generators: [weight: number, make: () => string][] = [
    [
      30,
      () => {
        const s = pick(repo.services);
        return `services/${s}/src/${pick(SRC_DIRS)}/${pick(SRC_FILES)}${pick(["", ".test", ".spec"])}.${pick(["ts", "ts", "go", "py"])}`;
      },
    ],
    [
      3,
      () =>
        `services/${pick(repo.services)}/${pick(["Dockerfile", "Makefile", "README.md", "go.mod", "package.json", "openapi.yaml"])}`,
    ],
    [
      2,
      () =>
        `services/${pick(repo.services)}/${pick(["docs", "generated", "migrations", "secrets", "iam"])}/${pick(SRC_FILES)}.${pick(["md", "sql", "ts", "env", "yaml"])}`,
    ],
    [
      18,
      () => {
        const l = pick(repo.libs);
        return `libs/${l}/${pick(["src", "src", "src", "test", "bench"])}/${pick(SRC_DIRS)}/${pick(SRC_FILES)}.ts`;
      },
    ],
    [2, () => `libs/${pick(repo.libs)}/${pick(["package.json", "README.md", "tsconfig.json"])}`],
    [
      14,
      () => {
        const d = pick(repo.deploys);
        return `deploy/${d}${chance(0.1) ? "-canary" : ""}/${pick(["main.tf", "variables.tf", "prod.tfvars", "values.yaml", "Chart.yaml", "kustomization.yaml", "templates/deployment.yaml", "templates/networkpolicy.yaml", "rbac/role.yaml"])}`;
      },
    ],
    [
      14,
      () => {
        const a = pick(repo.apps);
        return `apps/${a}/src/${pick(["components", "pages", "hooks", "styles", "assets"])}/${pick(["Button", "Header", "useAuth", "Layout", "theme", "logo"])}${chance(0.1) ? int(50) : ""}.${pick(["tsx", "tsx", "ts", "scss", "css", "svg", "json"])}`;
      },
    ],
    [
      4,
      () =>
        `${pick(["docs", "scripts", "tools", "third_party", "examples"])}/${pick(SRC_DIRS)}/${pick(SRC_FILES)}${int(40)}.${pick(["md", "py", "js", "txt", "sh", "proto"])}`,
    ],
    [1, () => pick([...ROOT_FILES])],
  ];
  const total = generators.reduce((sum, [w]) => sum + w, 0);
  let guard = 0;
  while (paths.size < FILE_COUNT) {
    if (++guard > FILE_COUNT * 100) throw new Error("could not generate enough distinct paths");
    let r = random() * total;
    const [, make] = generators.find(([w]) => (r -= w) < 0) ?? generators[0]!;
    paths.add(make());
  }
  return [...paths].map((path) => ({ path, status: "modified" }));
}

// ---------------------------------------------------------------------------
// Matchers under test
// ---------------------------------------------------------------------------

/** The naive matcher: minimatch(file, glob) for every glob, no compilation kept, no index. */
function naiveMapping(policy: Policy, files: readonly string[]): number[][] {
  const areas = policy.areas.map((a) => ({
    positive: a.paths.filter((g) => !g.startsWith("!")),
    negative: a.paths.filter((g) => g.startsWith("!")).map((g) => g.slice(1)),
  }));
  return files.map((file) => {
    const hits: number[] = [];
    areas.forEach((area, index) => {
      if (
        area.positive.some((g) => minimatch(file, g, { dot: true })) &&
        !area.negative.some((g) => minimatch(file, g, { dot: true }))
      ) {
        hits.push(index);
      }
    });
    return hits;
  });
}

/**
 * Not a goal, a diagnostic: the naive loop with every glob compiled once up
 * front. The gap between this and `naive` is what compiling once buys; the gap
 * between this and the index is what the buckets buy.
 */
function precompiledMatcher(policy: Policy): (files: readonly string[]) => number[][] {
  const compile = (globs: string[]) => globs.map((g) => new Minimatch(g, { dot: true }));
  const areas = policy.areas.map((a) => ({
    positive: compile(a.paths.filter((g) => !g.startsWith("!"))),
    negative: compile(a.paths.filter((g) => g.startsWith("!")).map((g) => g.slice(1))),
  }));
  return (files) =>
    files.map((file) => {
      const hits: number[] = [];
      areas.forEach((area, index) => {
        if (area.positive.some((m) => m.match(file)) && !area.negative.some((m) => m.match(file)))
          hits.push(index);
      });
      return hits;
    });
}

/** Ours, path → owners: the accountable people of every area the file belongs to (`@login`, `@team`). */
function ownersResolver(policy: Policy): (files: readonly string[]) => string[][] {
  const ownersOf = policy.areas.map((a) => {
    const role = policy.roles.get(a.accountable);
    return [...(role?.users ?? []).map((u) => `@${u}`), ...(role?.teams ?? []).map((t) => `@${t}`)];
  });
  return (files) =>
    files.map((file) => {
      const hits = policy.index.match(file);
      if (hits.length <= 1) return hits.length === 0 ? [] : ownersOf[hits[0]!]!;
      return [...new Set(hits.flatMap((i) => ownersOf[i]!))];
    });
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join(" ") === [...b].sort().join(" ");

function indexMapping(policy: Policy, files: readonly string[]): number[][] {
  return files.map((file) => policy.index.match(file));
}

function firstDifference(
  policy: Policy,
  files: readonly string[],
  a: number[][],
  b: number[][],
): string | undefined {
  for (let i = 0; i < files.length; i++) {
    const x = (a[i] ?? []).join(",");
    const y = (b[i] ?? []).join(",");
    if (x !== y) {
      const ids = (list: number[] | undefined) =>
        (list ?? []).map((n) => policy.areas[n]?.id).join(", ") || "(none)";
      return `${files[i]}: naive → ${ids(a[i])}; index → ${ids(b[i])}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------

let sink = 0;

function time(fn: () => unknown): number {
  const start = performance.now();
  const result = fn();
  const elapsed = performance.now() - start;
  sink += Array.isArray(result) ? result.length : result ? 1 : 0;
  return elapsed;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function measure(fn: () => unknown, warmup: number, runs: number): number[] {
  for (let i = 0; i < warmup; i++) time(fn);
  return Array.from({ length: runs }, () => time(fn));
}

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

async function main(): Promise<number> {
  const wallStart = performance.now();
  const repo = generatePolicy();
  const loadStart = performance.now();
  const loaded = await loadPolicy(
    { name: ".github/governance.yml", text: repo.yaml },
    memoryReader({}),
  );
  const loadMs = performance.now() - loadStart;
  if (!loaded.policy || loaded.problems.length > 0) {
    console.error(
      `the generated policy has problems:\n${loaded.problems.map(formatProblem).join("\n")}`,
    );
    return 1;
  }
  const policy = loaded.policy;
  if (policy.areas.length !== AREA_COUNT)
    throw new Error(`policy has ${policy.areas.length} areas, expected ${AREA_COUNT}`);

  const changed = generatePullRequest(repo);
  const files = changed.map((f) => f.path);
  const facts = emptyFacts(changed, { pathsOnly: true, author: "someone" });

  // Correctness first: the index must agree with the naive matcher file by file.
  const naiveSamples: number[] = [];
  let naive: number[][] = [];
  naiveSamples.push(time(() => (naive = naiveMapping(policy, files))));
  const indexed = indexMapping(policy, files);
  const difference = firstDifference(policy, files, naive, indexed);
  if (difference) {
    console.error(
      `MISMATCH between the naive matcher and AreaIndex — the comparison would be meaningless.\n  ${difference}`,
    );
    return 1;
  }
  const precompiled = precompiledMatcher(policy);
  const precompiledDifference = firstDifference(policy, files, naive, precompiled(files));
  if (precompiledDifference) {
    console.error(
      `MISMATCH between minimatch() and precompiled Minimatch objects.\n  ${precompiledDifference}`,
    );
    return 1;
  }

  const decision = evaluate(policy, facts, NOW);
  if (process.argv.includes("--evaluate-only")) {
    // For profiling (see the header): no naive runs, many evaluate runs.
    const samples = measure(() => evaluate(policy, facts, NOW), EVALUATE_WARMUP, 300);
    console.log(
      `evaluate median ${ms(median(samples))} ms over ${samples.length} runs (checksum ${sink})`,
    );
    return 0;
  }
  const evaluateSamples = measure(
    () => evaluate(policy, facts, NOW),
    EVALUATE_WARMUP,
    EVALUATE_RUNS,
  );
  const indexSamples = measure(() => indexMapping(policy, files), INDEX_WARMUP, INDEX_RUNS);
  const precompiledSamples = measure(() => precompiled(files), 1, PRECOMPILED_RUNS);
  const naiveStart = performance.now();
  while (
    naiveSamples.length < NAIVE_MAX_RUNS &&
    (naiveSamples.length < NAIVE_MIN_RUNS || performance.now() - naiveStart < NAIVE_BUDGET_MS)
  ) {
    naiveSamples.push(time(() => naiveMapping(policy, files)));
  }

  // --- path → owner: ours vs naive vs the `codeowners` package -----------------------
  const resolveOwners = ownersResolver(policy);
  const ownersSamples = measure(() => resolveOwners(files), OWNERS_WARMUP, OWNERS_RUNS);
  const codeowners = renderCodeowners(policy);
  const coDir = mkdtempSync(join(tmpdir(), "gg-codeowners-"));
  mkdirSync(join(coDir, ".github"));
  writeFileSync(join(coDir, ".github", "CODEOWNERS"), codeowners.text);
  const coLines = codeowners.text
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#")).length;
  const coSamples: number[] = [];
  let theirs: string[][] = [];
  for (let i = 0; i < CODEOWNERS_RUNS + 1; i++) {
    // A fresh instance each run: the package caches every path's answer inside the instance.
    const co = new Codeowners(coDir);
    const elapsed = time(() => (theirs = files.map((f) => co.getOwner(f))));
    if (i > 0) coSamples.push(elapsed);
  }
  const coBuildSamples = measure(() => new Codeowners(coDir), 2, 11);
  const indexBuildSamples = measure(() => new AreaIndex(policy.areas), 2, 11);
  const ours = resolveOwners(files);
  // Where CODEOWNERS can mean the same: the file's positive globs match at most one area, and that area
  // has no `!` exclusion (CODEOWNERS cannot express one).
  const positiveIndex = new AreaIndex(
    policy.areas.map((a) => ({ id: a.id, paths: a.paths.filter((g) => !g.startsWith("!")) })),
  );
  const hasExclusion = policy.areas.map((a) => a.paths.some((g) => g.startsWith("!")));
  const comparable = (i: number) => {
    const hits = positiveIndex.match(files[i]!);
    return hits.length === 0 || (hits.length === 1 && !hasExclusion[hits[0]!]);
  };
  let same = 0;
  let comparableCount = 0;
  let sameComparable = 0;
  let multiArea = 0;
  let multiAreaSubset = 0;
  const disagreements: string[] = [];
  files.forEach((file, i) => {
    const agree = sameSet(ours[i]!, theirs[i]!);
    if (agree) same++;
    if (comparable(i)) {
      comparableCount++;
      if (agree) sameComparable++;
      else if (disagreements.length < 3)
        disagreements.push(
          `${file}: ours ${ours[i]!.join(" ") || "(none)"}; codeowners ${theirs[i]!.join(" ") || "(none)"}`,
        );
    }
    if (indexed[i]!.length > 1) {
      multiArea++;
      if (theirs[i]!.every((o) => ours[i]!.includes(o))) multiAreaSubset++;
    }
  });
  const ownersMs = median(ownersSamples);
  const coMs = median(coSamples);

  const evaluateMs = median(evaluateSamples);
  const indexMs = median(indexSamples);
  const naiveMs = median(naiveSamples);
  const distinctGlobs = new Set(policy.areas.flatMap((a) => a.paths)).size;
  const owned = indexed.filter((hits) => hits.length > 0).length;
  const cpu = cpus();
  const rows: [string, string, string][] = [
    [
      "evaluate (whole decision)",
      ms(evaluateMs),
      `median of ${evaluateSamples.length} after ${EVALUATE_WARMUP} warm-up`,
    ],
    [
      "AreaIndex.match only",
      ms(indexMs),
      `median of ${indexSamples.length} after ${INDEX_WARMUP} warm-up`,
    ],
    [
      "naive minimatch × globs",
      ms(naiveMs),
      `median of ${naiveSamples.length} (first run included)`,
    ],
    [
      "  (precompiled, no buckets)",
      ms(median(precompiledSamples)),
      `diagnostic: globs compiled once, every area tested`,
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const mark = (ok: boolean) => (ok ? "PASS" : "MISS");
  const ratioEvaluate = naiveMs / evaluateMs;
  const ratioIndex = naiveMs / indexMs;

  console.log("Governance Gate — evaluate and path → owner benchmark");
  console.log(
    `  machine   node ${process.version}, ${process.platform}/${process.arch}, ${cpu[0]?.model.trim() ?? "unknown CPU"} ×${cpu.length}, load avg ${loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `  policy    ${policy.areas.length} areas, ${policy.index.globCount} compiled globs, ${policy.rules.length} rules, ${policy.roles.size} roles; loaded in ${ms(loadMs)} ms`,
  );
  console.log(
    `  pull req  ${files.length} files (path-only): ${owned} owned, ${files.length - owned} unowned; ${decision.areas.length} areas touched, ${decision.requirements.length} requirements, level ${decision.level}, ${decision.conclusion}`,
  );
  console.log(
    `  naive     minimatch(file, glob) over ${distinctGlobs} distinct area globs (minimatch() itself caches 256–512 compiled globs)`,
  );
  console.log("  mapping   naive, precompiled and AreaIndex agree on every file ✓");
  console.log("");
  for (const [label, value, note] of rows)
    console.log(`  ${label.padEnd(width)}  ${value.padStart(8)} ms   ${note}`);
  console.log(`  ${"naive / evaluate".padEnd(width)}  ${ratioEvaluate.toFixed(0).padStart(8)} ×`);
  console.log(`  ${"naive / index".padEnd(width)}  ${ratioIndex.toFixed(0).padStart(8)} ×`);
  console.log("");
  console.log("");
  console.log(
    `  path → owner for the ${files.length} files (owners = accountable people; CODEOWNERS rendered by src/render/codeowners.ts: ${coLines} rules)`,
  );
  const ownerRows: [string, string, string][] = [
    [
      "ours: AreaIndex → owners",
      ms(ownersMs),
      `median of ${ownersSamples.length}; building the index: ${ms(median(indexBuildSamples))} ms`,
    ],
    ["naive minimatch × globs", ms(naiveMs), "the naive run above (owner lookup adds < 1 ms)"],
    [
      `codeowners ${CODEOWNERS_VERSION} getOwner`,
      ms(coMs),
      `median of ${coSamples.length}, new instance each run; building it: ${ms(median(coBuildSamples))} ms`,
    ],
  ];
  for (const [label, value, note] of ownerRows)
    console.log(`  ${label.padEnd(width)}  ${value.padStart(8)} ms   ${note}`);
  console.log(
    `  ${"naive / ours".padEnd(width)}  ${(naiveMs / ownersMs).toFixed(0).padStart(8)} ×`,
  );
  console.log(
    `  ${"codeowners / ours".padEnd(width)}  ${(coMs / ownersMs).toFixed(1).padStart(8)} ×`,
  );
  console.log(
    `  same owner set: ${same} of ${files.length} files; where the semantics coincide (globs of ≤ 1 area match, no exclusion): ${sameComparable} of ${comparableCount}` +
      `; ${multiArea} files in several areas, where CODEOWNERS names only the last match (a subset of ours in ${multiAreaSubset})`,
  );
  for (const d of disagreements) console.log(`    differs: ${d}`);
  console.log("");
  const goals: [string, boolean, string][] = [
    [`evaluate < ${GOAL_EVALUATE_MS} ms`, evaluateMs < GOAL_EVALUATE_MS, `${ms(evaluateMs)} ms`],
    [
      `naive / evaluate ≥ ${GOAL_RATIO}×`,
      ratioEvaluate >= GOAL_RATIO,
      `${ratioEvaluate.toFixed(0)}×`,
    ],
  ];
  const goalWidth = Math.max(...goals.map((g) => g[0].length));
  for (const [goal, ok, actual] of goals)
    console.log(`  goal  ${goal.padEnd(goalWidth)}  ${mark(ok)}  (${actual})`);
  console.log(
    `  (goals are informational; total ${((performance.now() - wallStart) / 1000).toFixed(1)} s, checksum ${sink})`,
  );
  writeJson(jsonTarget(), {
    areas: policy.areas.length,
    files: files.length,
    evaluateMs,
    indexMs,
    naiveMs,
    precompiledMs: median(precompiledSamples),
    ratioEvaluate,
    ratioIndex,
    owners: {
      oursMs: ownersMs,
      naiveMs,
      codeownersMs: coMs,
      codeownersVersion: CODEOWNERS_VERSION,
      codeownersRules: coLines,
      buildOursMs: median(indexBuildSamples),
      buildCodeownersMs: median(coBuildSamples),
      naiveOverOurs: naiveMs / ownersMs,
      codeownersOverOurs: coMs / ownersMs,
      sameOwnerSet: same,
      comparable: comparableCount,
      sameComparable,
      multiArea,
      multiAreaSubset,
    },
  });
  return 0;
}

process.exitCode = await main();
