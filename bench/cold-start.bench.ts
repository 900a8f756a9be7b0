/**
 * Benchmark: how long the CLI takes to answer, from a new process to its exit,
 * compiled (the bin: `node bin/governance-gate.js`, running dist/) against the
 * TypeScript run through tsx (`node --import tsx src/cli/run.ts`, how every
 * start ran before there was a build) and against the starting point of issue 12
 * (the tree of commit 696bf91, the last before the compiled build: its bin
 * registered tsx and imported everything up front), in the same run:
 *
 *   --help                                                  (the CLI's own code only)
 *   explain --policy chat-backend --files prisma/schema.prisma   (loads, resolves and evaluates a preset)
 *
 *   npm run bench                          (all benchmarks; see bench/run.ts)
 *   npx tsx bench/cold-start.bench.ts      (this one; BENCH_COLD_RUNS=N, default 11)
 *
 * It builds dist/ from the current sources first (`npm run build`), so the
 * compiled and tsx paths run the same code; their outputs must be byte-identical
 * or the run fails with exit code 1. The starting point is extracted with `git
 * archive` into a temporary directory that links this checkout's node_modules;
 * its `explain` prints less (later commits added lines), so only its exit code is
 * checked, and without the commit (a shallow clone, an unpacked tarball) its
 * column is left out and said so. Each command runs once per path untimed (the
 * OS file cache, tsx's transform cache and, on Node 22+, Node's compile cache are
 * then warm, as on a developer's machine after the first use), then N times per
 * path, rotating the order of the paths so that a change in the machine's load
 * falls on all alike. The figure is the median wall time of spawnSync; `node -e
 * ""` (Node starting and exiting, nothing of ours) is measured alongside as the
 * floor no CLI goes below. Beside it, on Linux, the median CPU time (user +
 * system) the process used, read from the kernel's account of this process's
 * waited-for children (/proc/self/stat): on a machine shared with other work,
 * wall time grows with the queue for the cores and CPU time much less, so it is
 * the steadier measure of what a start costs (10 ms resolution). The goals
 * printed at the end are informational only; "≥ 4× faster than today" is read
 * against the starting point, which is what "today" was when the issue was filed.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ROOT } from "./lib/app-server.js";
import { jsonTarget, median, ms, table, writeJson } from "./lib/report.js";

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 11);

const COMMANDS = {
  help: ["--help"],
  explain: ["explain", "--policy", "chat-backend", "--files", "prisma/schema.prisma"],
} as const;
type CommandName = keyof typeof COMMANDS;

/** The last commit before the compiled build (be74835^): issue 12's "today". */
const STARTING_POINT = "696bf91";

const PATHS = {
  compiled: ["bin/governance-gate.js"],
  tsx: ["--import", "tsx", "src/cli/run.ts"],
  start: ["bin/governance-gate.js"],
} as const;
type PathName = keyof typeof PATHS;

/** Ours only: no NODE_OPTIONS of the shell that started the bench (a loader there would run in both). */
const env = { ...process.env };
delete env.NODE_OPTIONS;

/** Clock ticks per second of /proc's times (getconf CLK_TCK; 100 on Linux). */
const TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** CPU ms (user + system) of this process's children that have been waited for, or undefined off Linux. */
function childrenCpuMs(): number | undefined {
  try {
    // Fields after the command name, which may hold spaces: state is field 3, cutime 16, cstime 17.
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS;
  } catch {
    return undefined;
  }
}

function run(
  args: readonly string[],
  cwd = ROOT,
): {
  ms: number;
  cpuMs: number | undefined;
  stdout: string;
  code: number | null;
  stderr: string;
} {
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const child = spawnSync(process.execPath, args, {
    cwd,
    env,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  const cpuAfter = childrenCpuMs();
  const cpuMs =
    cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
  return { ms, cpuMs, stdout: child.stdout, code: child.status, stderr: child.stderr };
}

const loadBefore = loadavg()[0]!;

const build = run(["esbuild.config.mjs"]);
if (build.code !== 0) {
  console.error(`npm run build failed:\n${build.stderr}`);
  process.exit(1);
}

/** The starting point's tree, or undefined (and why) when this checkout cannot produce it. */
function extractStartingPoint(): { dir?: string; why?: string } {
  const dir = mkdtempSync(join(tmpdir(), "governance-gate-start-"));
  const archive = spawnSync(
    "sh",
    ["-c", `git -C "$0" archive ${STARTING_POINT} | tar -x -C "$1"`, ROOT, dir],
    { encoding: "utf8" },
  );
  if (archive.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `commit ${STARTING_POINT} is not in this checkout (${archive.stderr.trim()})` };
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return { dir };
}
const start = extractStartingPoint();
process.on("exit", () => {
  if (start.dir) rmSync(start.dir, { recursive: true, force: true });
});
const paths: PathName[] = start.dir ? ["compiled", "tsx", "start"] : ["compiled", "tsx"];
const runPath = (path: PathName, args: readonly string[]) =>
  run([...PATHS[path], ...args], path === "start" ? start.dir : ROOT);

console.log(
  `dist/ built from the current sources in ${ms(build.ms)} ms; ${RUNS} runs per command and path, node ${process.version}, load average ${loadBefore.toFixed(2)}` +
    (start.dir
      ? `; starting point: commit ${STARTING_POINT}\n`
      : `\nThe starting point is left out: ${start.why}\n`),
);

// Untimed: warm every cache, and check the compiled and tsx paths give the same answer.
let differ = false;
for (const [name, args] of Object.entries(COMMANDS)) {
  const compiled = runPath("compiled", args);
  const tsx = runPath("tsx", args);
  if (compiled.code !== 0 || tsx.code !== 0 || compiled.stdout !== tsx.stdout) {
    console.error(
      `${name}: the compiled CLI (exit ${compiled.code}) and the tsx path (exit ${tsx.code}) answer differently\n${compiled.stderr}${tsx.stderr}`,
    );
    differ = true;
  }
  if (start.dir) {
    const before = runPath("start", args);
    if (before.code !== 0) {
      console.error(`${name}: the starting point exited ${before.code}\n${before.stderr}`);
      differ = true;
    }
  }
}
run(["-e", ""]);

const perCommand = <T>(make: () => T) =>
  Object.fromEntries(Object.keys(COMMANDS).map((name) => [name, make()])) as Record<CommandName, T>;
const perPath = () =>
  Object.fromEntries(paths.map((path) => [path, [] as number[]])) as Partial<
    Record<PathName, number[]>
  >;
const samples = perCommand(perPath);
const cpu = perCommand(perPath);
const floor: number[] = [];
const floorCpu: number[] = [];
for (let i = 0; i < RUNS; i++) {
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    // Rotate which path goes first, so none always runs right after another.
    const order = paths.map((_, k) => paths[(k + i) % paths.length]!);
    for (const path of order) {
      const r = runPath(path, COMMANDS[name]);
      samples[name][path]!.push(r.ms);
      if (r.cpuMs !== undefined) cpu[name][path]!.push(r.cpuMs);
    }
  }
  const bare = run(["-e", ""]);
  floor.push(bare.ms);
  if (bare.cpuMs !== undefined) floorCpu.push(bare.cpuMs);
}
const medianOrUndefined = (values: number[] | undefined) =>
  values !== undefined && values.length > 0 ? median(values) : undefined;
const loadAfter = loadavg()[0]!;

interface CommandFigures {
  compiledMs: number;
  tsxMs: number;
  /** tsx / compiled, wall time. */
  ratio: number;
  compiledMin: number;
  tsxMin: number;
  compiledCpuMs?: number;
  tsxCpuMs?: number;
  cpuRatio?: number;
  /** The starting point (commit STARTING_POINT), when this checkout has it. */
  startMs?: number;
  startCpuMs?: number;
  /** start / compiled, wall time and CPU time. */
  startRatio?: number;
  startCpuRatio?: number;
}
const ratioOf = (slow: number | undefined, fast: number | undefined) =>
  slow !== undefined && fast ? slow / fast : undefined;
const figures = Object.fromEntries(
  (Object.keys(COMMANDS) as CommandName[]).map((name): [CommandName, CommandFigures] => {
    const compiledMs = median(samples[name].compiled!);
    const tsxMs = median(samples[name].tsx!);
    const compiledCpuMs = medianOrUndefined(cpu[name].compiled);
    const tsxCpuMs = medianOrUndefined(cpu[name].tsx);
    const startMs = medianOrUndefined(samples[name].start);
    const startCpuMs = medianOrUndefined(cpu[name].start);
    return [
      name,
      {
        compiledMs,
        tsxMs,
        ratio: tsxMs / compiledMs,
        compiledMin: Math.min(...samples[name].compiled!),
        tsxMin: Math.min(...samples[name].tsx!),
        compiledCpuMs,
        tsxCpuMs,
        cpuRatio: ratioOf(tsxCpuMs, compiledCpuMs),
        startMs,
        startCpuMs,
        startRatio: ratioOf(startMs, compiledMs),
        startCpuRatio: ratioOf(startCpuMs, compiledCpuMs),
      },
    ];
  }),
) as Record<CommandName, CommandFigures>;
const floorMs = median(floor);
const floorCpuMs = medianOrUndefined(floorCpu);
const cpuText = (value: number | undefined) => (value === undefined ? "—" : ms(value));
const times = (value: number | undefined) => (value === undefined ? "—" : `${value.toFixed(1)}×`);

console.log(
  table([
    [
      "command (median of " + RUNS + ", ms)",
      "compiled",
      "tsx",
      `start (${STARTING_POINT})`,
      "tsx / compiled",
      "start / compiled",
      "CPU compiled",
      "CPU tsx",
      "CPU start",
      "CPU tsx / compiled",
      "CPU start / compiled",
    ],
    ...(Object.keys(COMMANDS) as CommandName[]).map((name) => {
      const f = figures[name];
      return [
        `governance-gate ${COMMANDS[name].join(" ")}`,
        ms(f.compiledMs),
        ms(f.tsxMs),
        cpuText(f.startMs),
        times(f.ratio),
        times(f.startRatio),
        cpuText(f.compiledCpuMs),
        cpuText(f.tsxCpuMs),
        cpuText(f.startCpuMs),
        times(f.cpuRatio),
        times(f.startCpuRatio),
      ];
    }),
    ['node -e "" (the floor)', ms(floorMs), "", "", "", "", cpuText(floorCpuMs), "", "", "", ""],
  ]),
);
const mark = (ok: boolean) => (ok ? "met" : "MISSED");
const fourTimes = (Object.keys(COMMANDS) as CommandName[]).every(
  (name) => (figures[name].startRatio ?? 0) >= 4,
);
console.log(
  `\nGoals (2-core machine): --help ≤ 300 ms ${mark(figures.help.compiledMs <= 300)}, explain --files ≤ 500 ms ${mark(figures.explain.compiledMs <= 500)}, ` +
    `both ≥ 4× faster than the starting point ${start.dir ? mark(fourTimes) : "(not measured: no starting point)"}. Load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}.`,
);

writeJson(jsonTarget(), {
  runs: RUNS,
  node: process.version,
  loadBefore,
  loadAfter,
  buildMs: build.ms,
  floorMs,
  floorCpuMs,
  startingPoint: start.dir ? STARTING_POINT : undefined,
  ...figures,
  identical: !differ,
});
process.exitCode = differ ? 1 : 0;
