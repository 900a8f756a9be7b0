/**
 * Benchmark: how long the CLI takes to answer, from a new process to its exit,
 * compiled (the bin: `node bin/governance-gate.js`, running dist/) against the
 * TypeScript run through tsx (`node --import tsx src/cli/run.ts`, how every
 * start ran before there was a build), in the same run:
 *
 *   --help                                                  (the CLI's own code only)
 *   explain --policy chat-backend --files prisma/schema.prisma   (loads, resolves and evaluates a preset)
 *
 *   npm run bench                          (all benchmarks; see bench/run.ts)
 *   npx tsx bench/cold-start.bench.ts      (this one; BENCH_COLD_RUNS=N, default 11)
 *
 * It builds dist/ from the current sources first (`npm run build`), so the two
 * paths run the same code; their outputs must be byte-identical or the run fails
 * with exit code 1. Each command runs once per path untimed (the OS file cache,
 * tsx's transform cache and, on Node 22+, Node's compile cache are then warm, as
 * on a developer's machine after the first use), then N times per path,
 * alternating paths so that a change in the machine's load falls on both. The
 * figure is the median wall time of spawnSync; `node -e ""` (Node starting and
 * exiting, nothing of ours) is measured alongside as the floor no CLI goes below.
 * The goals printed at the end are informational only.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { ROOT } from "./lib/app-server.js";
import { jsonTarget, median, ms, table, writeJson } from "./lib/report.js";

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 11);

const COMMANDS = {
  help: ["--help"],
  explain: ["explain", "--policy", "chat-backend", "--files", "prisma/schema.prisma"],
} as const;
type CommandName = keyof typeof COMMANDS;

const PATHS = {
  compiled: ["bin/governance-gate.js"],
  tsx: ["--import", "tsx", "src/cli/run.ts"],
} as const;
type PathName = keyof typeof PATHS;

/** Ours only: no NODE_OPTIONS of the shell that started the bench (a loader there would run in both). */
const env = { ...process.env };
delete env.NODE_OPTIONS;

function run(args: readonly string[]): { ms: number; stdout: string; code: number | null; stderr: string } {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return { ms: performance.now() - started, stdout: child.stdout, code: child.status, stderr: child.stderr };
}

const loadBefore = loadavg()[0]!;

const build = run(["esbuild.config.mjs"]);
if (build.code !== 0) {
  console.error(`npm run build failed:\n${build.stderr}`);
  process.exit(1);
}
console.log(`dist/ built from the current sources in ${ms(build.ms)} ms; ${RUNS} runs per command and path, node ${process.version}, load average ${loadBefore.toFixed(2)}\n`);

// Untimed: warm every cache, and check both paths give the same answer.
let differ = false;
for (const [name, args] of Object.entries(COMMANDS)) {
  const compiled = run([...PATHS.compiled, ...args]);
  const tsx = run([...PATHS.tsx, ...args]);
  if (compiled.code !== 0 || tsx.code !== 0 || compiled.stdout !== tsx.stdout) {
    console.error(`${name}: the compiled CLI (exit ${compiled.code}) and the tsx path (exit ${tsx.code}) answer differently\n${compiled.stderr}${tsx.stderr}`);
    differ = true;
  }
}
run(["-e", ""]);

const samples: Record<CommandName, Record<PathName, number[]>> = { help: { compiled: [], tsx: [] }, explain: { compiled: [], tsx: [] } };
const floor: number[] = [];
for (let i = 0; i < RUNS; i++) {
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    // Alternate which path goes first, so neither always runs right after the other.
    const order: PathName[] = i % 2 === 0 ? ["compiled", "tsx"] : ["tsx", "compiled"];
    for (const path of order) samples[name][path].push(run([...PATHS[path], ...COMMANDS[name]]).ms);
  }
  floor.push(run(["-e", ""]).ms);
}
const loadAfter = loadavg()[0]!;

const figures = Object.fromEntries(
  (Object.keys(COMMANDS) as CommandName[]).map((name) => {
    const compiledMs = median(samples[name].compiled);
    const tsxMs = median(samples[name].tsx);
    return [name, { compiledMs, tsxMs, ratio: tsxMs / compiledMs, compiledMin: Math.min(...samples[name].compiled), tsxMin: Math.min(...samples[name].tsx) }];
  }),
) as Record<CommandName, { compiledMs: number; tsxMs: number; ratio: number; compiledMin: number; tsxMin: number }>;
const floorMs = median(floor);

console.log(
  table([
    ["command (median of " + RUNS + ", ms)", "compiled", "tsx", "tsx / compiled", "compiled min", "tsx min"],
    ...(Object.keys(COMMANDS) as CommandName[]).map((name) => {
      const f = figures[name];
      return [`governance-gate ${COMMANDS[name].join(" ")}`, ms(f.compiledMs), ms(f.tsxMs), `${f.ratio.toFixed(1)}×`, ms(f.compiledMin), ms(f.tsxMin)];
    }),
    ['node -e "" (the floor)', ms(floorMs), "", "", ms(Math.min(...floor)), ""],
  ]),
);
const mark = (ok: boolean) => (ok ? "met" : "MISSED");
console.log(
  `\nGoals (2-core machine): --help ≤ 300 ms ${mark(figures.help.compiledMs <= 300)}, explain --files ≤ 500 ms ${mark(figures.explain.compiledMs <= 500)}, ` +
    `both ≥ 4× faster than tsx ${mark(figures.help.ratio >= 4 && figures.explain.ratio >= 4)}. Load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}.`,
);

writeJson(jsonTarget(), { runs: RUNS, node: process.version, loadBefore, loadAfter, buildMs: build.ms, floorMs, ...figures, identical: !differ });
process.exitCode = differ ? 1 : 0;
