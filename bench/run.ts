/**
 * `npm run bench`: every benchmark, one after the other (each in its own
 * process, so none warms or loads the others), then their figures in
 * bench/results.md.
 *
 *   1. bench/evaluate.bench.ts   evaluate, and path → owner: ours vs naive minimatch vs `codeowners`
 *   2. bench/lifecycle.bench.ts  GitHub API calls over one pull-request lifecycle vs policy-bot
 *   3. bench/load.bench.ts       the real server under load: deliveries/s, latency, memory
 *   4. bench/cold-start.bench.ts the CLI's start to exit, compiled vs through tsx
 *   5. bench/hostile.bench.ts    hostile inputs (issue 10) through evaluate and loadPolicy, beside a normal pull request
 *   6. bench/audit.bench.ts      `governance-gate audit` of 20,000 merges in 200 repositories: calls per merged pull request, time for 10,000 records
 *
 * Options are the benchmarks' own environment variables (BENCH_LOAD_SECONDS,
 * default 60, and the others listed in bench/load.bench.ts; BENCH_COLD_RUNS);
 * `--only evaluate,lifecycle,load,cold-start,hostile,audit` runs a subset (results.md is then
 * not rewritten).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ROOT } from "./lib/app-server.js";

const BENCHES = ["evaluate", "lifecycle", "load", "cold-start", "hostile", "audit"] as const;
type Bench = (typeof BENCHES)[number];

const onlyAt = process.argv.indexOf("--only");
const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? "").split(",") : undefined;
const selected = BENCHES.filter((b) => !only || only.includes(b));

async function runBench(name: Bench, jsonPath: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", `bench/${name}.bench.ts`, "--json", jsonPath],
      { cwd: ROOT, stdio: "inherit", env: process.env },
    );
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const dir = mkdtempSync(join(tmpdir(), "gg-bench-results-"));
const started = performance.now();
const loadBefore = loadavg()[0]!;
const codes: Partial<Record<Bench, number>> = {};
for (const name of selected) {
  console.log(`\n=== ${name} ${"=".repeat(70 - name.length)}\n`);
  codes[name] = await runBench(name, join(dir, `${name}.json`));
}
const seconds = (performance.now() - started) / 1000;
const read = <T>(name: Bench): T | undefined => {
  try {
    return JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8")) as T;
  } catch {
    return undefined;
  }
};

console.log(
  `\n=== all benchmarks: ${seconds.toFixed(0)} s; exit codes ${selected.map((b) => `${b} ${codes[b]}`).join(", ")}`,
);
if (!only) {
  writeFileSync(join(ROOT, "bench", "results.md"), resultsMarkdown(seconds, loadBefore));
  console.log("    figures written to bench/results.md");
}
process.exitCode = Object.values(codes).some((c) => c !== 0) ? 1 : 0;

// ---------------------------------------------------------------------------

interface EvaluateJson {
  areas: number;
  files: number;
  evaluateMs: number;
  /** The same sources run through tsx (development), alternating with the compiled engine. */
  evaluateTsxMs?: number;
  indexMs: number;
  naiveMs: number;
  ratioEvaluate: number;
  ratioIndex: number;
  owners: {
    oursMs: number;
    naiveMs: number;
    codeownersMs: number;
    codeownersVersion: string;
    codeownersRules: number;
    buildOursMs: number;
    buildCodeownersMs: number;
    naiveOverOurs: number;
    codeownersOverOurs: number;
    sameOwnerSet: number;
    comparable: number;
    sameComparable: number;
    multiArea: number;
    multiAreaSubset: number;
  };
}
interface LifecycleVariant {
  ours: number;
  policyBot: number;
  ratio: number;
  oursWithCi: number;
  policyBotWithCi: number;
  wallSeconds: number;
  steps: { step: string; ours: number; policyBot: number; ms: number; ci: boolean }[];
}
interface LoadJson {
  seconds: number;
  rate: number;
  installations: number;
  pulls: number;
  files: number;
  logLevel: string;
  pinned: boolean;
  unthrottled: boolean;
  entry: string;
  mix: Record<string, number>;
  throughput: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  cpuShare: number;
  rss: {
    first: number;
    last: number;
    peakRun: number;
    processPeak?: number;
    edgeSeconds: number;
    flat: boolean;
  };
  failed: number;
  late: number;
  apiCalls: { perDelivery: number; writes: number; filesReads: number };
  foreignCores: number;
  saturation?: {
    perSecond: number;
    p50: number;
    p99: number;
    cpuShare: number;
    concurrency: number;
  };
  writeProbe: { deliveries: number; seconds: number[]; writes: number };
}

interface ColdStartCommand {
  compiledMs: number;
  tsxMs: number;
  ratio: number;
  /** CPU time (user + system), Linux only: steadier than wall time on a shared machine. */
  compiledCpuMs?: number;
  tsxCpuMs?: number;
  cpuRatio?: number;
  /** Issue 12's starting point (the commit before the compiled build), when the checkout has it. */
  startMs?: number;
  startCpuMs?: number;
  startRatio?: number;
  startCpuRatio?: number;
}
interface ColdStartJson {
  runs: number;
  startingPoint?: string;
  loadBefore: number;
  loadAfter: number;
  floorMs: number;
  floorCpuMs?: number;
  help: ColdStartCommand;
  explain: ColdStartCommand;
  identical: boolean;
}

interface HostileRow {
  name: string;
  before?: string;
  firstMs: number;
  medianMs: number;
  maxMs: number;
  ratio: number;
}
interface HostileJson {
  normal: { evaluateMs: number; lintMs: number };
  evaluate: (HostileRow & { conservative: number })[];
  lint: (HostileRow & { problems: number })[];
  failures: string[];
}

function resultsMarkdown(totalSeconds: number, load1: number): string {
  const f = (n: number | undefined, digits = 1) =>
    n === undefined || !Number.isFinite(n) ? "—" : n >= 100 ? n.toFixed(0) : n.toFixed(digits);
  const mark = (ok: boolean) => (ok ? "✅" : "❌");
  const commit = spawnSync("git", ["rev-parse", "--short", "HEAD"], {
    cwd: ROOT,
    encoding: "utf8",
  }).stdout.trim();
  const dirty =
    spawnSync("git", ["status", "--porcelain", "--", "src", "package.json"], {
      cwd: ROOT,
      encoding: "utf8",
    }).stdout.trim() !== "";
  const envs = Object.entries(process.env)
    .filter(([k]) => k.startsWith("BENCH_"))
    .map(([k, v]) => `${k}=${v} `)
    .join("");
  const cpu = cpus();
  const lines: string[] = [
    "# Benchmark results",
    "",
    `Produced by \`${envs}npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit ${commit}${dirty ? " with uncommitted changes in src/" : ""}:`,
    `node ${process.version}, ${process.platform}/${process.arch}, ${cpu[0]?.model.trim() ?? "?"} ×${cpu.length}, load average ${load1.toFixed(2)} at the start and ${loadavg()[0]!.toFixed(2)} at the end; ${totalSeconds.toFixed(0)} s in all.`,
    "Each figure is measured in that one run; the ratios compare figures of the same run.",
    "",
    "| # | What | Ours | Baseline | Ratio | Goal |",
    "|---|---|---|---|---|---|",
  ];
  const e = read<EvaluateJson>("evaluate");
  if (e) {
    const o = e.owners;
    lines.push(
      `| 1 | Path → owner, ${e.files.toLocaleString("en")} files × ${e.areas}-area mapping | ${f(o.oursMs, 2)} ms (AreaIndex of the loaded policy) | naive \`minimatch(file, glob)\` loop: ${f(o.naiveMs)} ms | ${f(o.naiveOverOurs, 0)}× faster | — |`,
      `| 1 | ″ vs the \`codeowners\` ${o.codeownersVersion} npm package (same mapping as a ${o.codeownersRules}-rule CODEOWNERS) | ${f(o.oursMs, 2)} ms | \`getOwner\` per file: ${f(o.codeownersMs)} ms | ${f(o.codeownersOverOurs, 0)}× faster | — |`,
      `| 1 | ″ same owner set as CODEOWNERS | ${o.sameOwnerSet} of ${e.files} files; ${o.sameComparable} of ${o.comparable} where the semantics coincide | — | — | — |`,
      `| 1 | Whole \`evaluate\` (areas, rules, requirements) for the same pull request, compiled as shipped${e.evaluateTsxMs === undefined ? "" : ` (through tsx: ${f(e.evaluateTsxMs)} ms)`} | ${f(e.evaluateMs)} ms | naive matching alone: ${f(e.naiveMs)} ms | ${f(e.ratioEvaluate, 0)}× | ${mark(e.evaluateMs <= 15)} ≤ 15 ms, ${mark(e.ratioEvaluate >= 100)} ≥ 100× |`,
    );
  } else lines.push("| 1 | evaluate / path → owner | (benchmark failed) | | | |");
  const l = read<Record<"users" | "teams", LifecycleVariant>>("lifecycle");
  if (l) {
    for (const variant of ["users", "teams"] as const) {
      const v = l[variant];
      const script = v.steps.filter((s) => !s.ci);
      lines.push(
        `| 2 | GitHub API calls, one PR lifecycle (open, 3 pushes, 4 reviews, 2 sign-off commands, label, merge), roles bound to ${variant} | ${v.ours} | policy-bot from its source: ${script.map((s) => s.policyBot).join("+")} = ${v.policyBot} | ${f(v.ratio, 2)} | ${mark(v.ratio <= 0.5)} ≤ 0.50 |`,
        `| 2 | ″ plus 2 CI check runs finishing per head (8 deliveries), the same policy reading no CI on both sides | ${v.oursWithCi} | ${v.policyBotWithCi} (2 per check run: its pull request, the policy) | ${f(v.oursWithCi / v.policyBotWithCi, 2)} | ${mark(v.oursWithCi / v.policyBotWithCi <= 0.5)} ≤ 0.50 |`,
      );
    }
  } else lines.push("| 2 | API calls per lifecycle | (benchmark failed) | | | |");
  const d = read<LoadJson>("load");
  if (d) {
    const where = `${d.pinned ? "one core (taskset)" : "unpinned"}, ${d.installations} installations, ${d.pulls} open PRs, LOG_LEVEL=${d.logLevel}${d.unthrottled ? ", DIAGNOSTIC: Probot throttle disabled" : ""}${d.entry !== "src/server.ts" ? `, WHAT-IF entry ${d.entry}` : ""}`;
    lines.push(
      `| 3 | Signed deliveries/s, real server, open loop at ${d.rate}/s for ${f(d.seconds, 0)} s (${where}) | ${f(d.throughput)}/s | — | — | ${mark(d.throughput >= 200)} ≥ 200/s |`,
      `| 3 | ″ latency p50 / p90 / p99 / max | ${f(d.latency.p50)} / ${f(d.latency.p90)} / ${f(d.latency.p99)} / ${f(d.latency.max)} ms${d.late ? ` (${d.late} answered 202 after 9 s)` : ""} | — | — | ${mark(d.latency.p99 < 200)} p99 < 200 ms |`,
      `| 3 | ″ server CPU; GitHub API calls per delivery | ${f(d.cpuShare * 100, 0)} % of its core; ${f(d.apiCalls.perDelivery, 2)} calls (${d.apiCalls.writes} writes, ${d.apiCalls.filesReads} file-list re-reads) | — | — | — |`,
      `| 3 | ″ RSS first / last ${f(d.rss.edgeSeconds, 0)} s; peak in run / process peak | ${f(d.rss.first, 0)} / ${f(d.rss.last, 0)} MiB; ${f(d.rss.peakRun, 0)} / ${f(d.rss.processPeak, 0)} MiB | — | — | ${mark(d.rss.flat)} flat |`,
    );
    if (d.saturation) {
      lines.push(
        `| 3 | Capacity: closed loop ×${d.saturation.concurrency}, evaluating deliveries only | ${f(d.saturation.perSecond, 0)}/s, p50 ${f(d.saturation.p50)} ms, p99 ${f(d.saturation.p99)} ms, CPU ${f(d.saturation.cpuShare * 100, 0)} % | — | — | — |`,
      );
    }
    lines.push(
      `| 3 | Write probe: ${d.writeProbe.deliveries} check-changing approvals on ${d.writeProbe.deliveries} installations at once | answered after ${d.writeProbe.seconds.map((s) => s.toFixed(1)).join(", ")} s (${d.writeProbe.writes} writes) | — | — | — |`,
    );
    if (d.foreignCores > 0.15)
      lines.push(
        "",
        `⚠ The machine was shared during the load run: other processes kept ${d.foreignCores.toFixed(2)} cores busy (of ${cpus().length}); the load figures are pessimistic.`,
      );
    lines.push(
      "",
      `Load mix (per delivery, seeded): ${Object.entries(d.mix)
        .map(([k, w]) => `${w}% ${k}`)
        .join(
          ", ",
        )}; on pull requests opened and evaluated before the run (see bench/load.bench.ts for why: Probot's throttle spaces writes 1 s apart per installation, as GitHub's secondary rate limits ask, so deliveries that change a check cannot arrive at 200/s on 100 installations).`,
    );
  } else lines.push("| 3 | load | (benchmark failed) | | | |");
  // A table of its own: the load section ends the first one with its notes.
  lines.push(
    "",
    "| # | CLI cold start, new process to exit: wall time (CPU time) | Compiled (the bin) | Through tsx | Starting point (issue 12's today) | Faster than tsx | Faster than the starting point | Goal |",
    "|---|---|---|---|---|---|---|---|",
  );
  const c = read<ColdStartJson>("cold-start");
  if (c) {
    const cpu = (value: number | undefined, suffix = " ms") =>
      value === undefined ? "" : ` (${f(value, 0)}${suffix})`;
    const ratio = (wall: number | undefined, cpuRatio: number | undefined) =>
      wall === undefined ? "—" : `${f(wall)}×${cpuRatio === undefined ? "" : ` (${f(cpuRatio)}×)`}`;
    const row = (what: string, x: ColdStartCommand, goalMs: number) =>
      `| 4 | \`${what}\`, median of ${c.runs} | ${f(x.compiledMs, 0)} ms${cpu(x.compiledCpuMs)} | ${f(x.tsxMs, 0)} ms${cpu(x.tsxCpuMs)} | ${x.startMs === undefined ? "—" : `${f(x.startMs, 0)} ms${cpu(x.startCpuMs)}`} | ${ratio(x.ratio, x.cpuRatio)} | ${ratio(x.startRatio, x.startCpuRatio)} | ${mark(x.compiledMs <= goalMs)} ≤ ${goalMs} ms, ${x.startRatio === undefined ? "≥ 4× not measured" : `${mark(x.startRatio >= 4)} ≥ 4×`} |`;
    lines.push(
      row("governance-gate --help", c.help, 300),
      row(
        "governance-gate explain --policy chat-backend --files prisma/schema.prisma",
        c.explain,
        500,
      ),
      `| 4 | \`node -e ""\` (Node alone: the floor) | ${f(c.floorMs, 0)} ms${cpu(c.floorCpuMs)} | — | — | — | — | — |`,
      "",
      `Load average ${c.loadBefore.toFixed(2)} → ${c.loadAfter.toFixed(2)} during the cold-start runs. ${c.startingPoint ? `The starting point is commit ${c.startingPoint}, the last before the compiled build, run from its own tree in the same run.` : "The starting point was not measured (its commit is not in this checkout)."}${c.identical ? "" : " ⚠ The compiled CLI and the tsx path answered differently, or the starting point failed (see the run's output)."}`,
    );
  } else lines.push("| 4 | CLI cold start | (benchmark failed) | | | |");
  // Issue 10: the app's own work per hostile input, in one process; bounds are asserted by tests, never time.
  lines.push(
    "",
    "| # | Hostile input (issue 10), one part of a normal pull request replaced | First / median / max | At 667c5fc (issue 10, not this run) | × normal | Goal |",
    "|---|---|---|---|---|---|",
  );
  const h = read<HostileJson>("hostile");
  if (h) {
    const times = (r: HostileRow) => `${f(r.firstMs)} / ${f(r.medianMs)} / ${f(r.maxMs)} ms`;
    lines.push(
      `| 5 | Normal pull request: \`evaluate\`; its policy through \`loadPolicy\` | ${f(h.normal.evaluateMs, 2)} ms; ${f(h.normal.lintMs)} ms | — | 1 | — |`,
    );
    for (const r of h.evaluate)
      lines.push(
        `| 5 | \`evaluate\`, ${r.name}${r.conservative ? ` (${r.conservative} file${r.conservative === 1 ? "" : "s"} assumed the worst)` : ""} | ${times(r)} | ${r.before ?? "—"} | ${f(r.ratio, 0)}× | bounded |`,
      );
    for (const r of h.lint)
      lines.push(
        `| 5 | Proposed policy through \`loadPolicy\`: ${r.name} (${r.problems} problem${r.problems === 1 ? "" : "s"}) | ${times(r)} | ${r.before ?? "—"} | ${f(r.ratio, 2)}× | bounded |`,
      );
    if (h.failures.length > 0) lines.push("", `⚠ ${h.failures.join("; ")}`);
    lines.push(
      "",
      "\"× normal\" divides the median by the normal pull request's `evaluate` (rows of `evaluate`) or its policy's `loadPolicy` (rows of `loadPolicy`); a first run much slower than",
      'the median is work cached per content. "Bounded": the bounds are asserted by tests (input caps, step budgets, work counters), never a time; no figure here is a pass/fail.',
    );
  } else lines.push("| 5 | hostile inputs | (benchmark failed) | | | |");
  lines.push(
    "",
    "Baselines: the naive loop calls `minimatch(file, glob)` for every file and area glob; the `codeowners` package is given",
    "the policy rendered by `src/render/codeowners.ts` (last match wins, no exclusions: only time is strictly comparable).",
    "policy-bot's calls are derived from palantir/policy-bot's handlers (server/handler/*.go, pull/github.go) for an",
    "equivalent policy; bench/lifecycle.bench.ts states every assumption and prints the arithmetic per step.",
    "",
  );
  return lines.join("\n");
}
