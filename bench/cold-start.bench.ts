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
 * Beside it, on Linux, the median CPU time (user + system) the process used, read
 * from the kernel's account of this process's waited-for children
 * (/proc/self/stat): on a machine shared with other work, wall time grows with
 * the queue for the cores and CPU time much less, so it is the steadier measure
 * of what a start costs (10 ms resolution). The goals printed at the end are
 * informational only.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
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

function run(args: readonly string[]): {
  ms: number;
  cpuMs: number | undefined;
  stdout: string;
  code: number | null;
  stderr: string;
} {
  const cpuBefore = childrenCpuMs();
  const started = performance.now();
  const child = spawnSync(process.execPath, args, {
    cwd: ROOT,
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
console.log(
  `dist/ built from the current sources in ${ms(build.ms)} ms; ${RUNS} runs per command and path, node ${process.version}, load average ${loadBefore.toFixed(2)}\n`,
);

// Untimed: warm every cache, and check both paths give the same answer.
let differ = false;
for (const [name, args] of Object.entries(COMMANDS)) {
  const compiled = run([...PATHS.compiled, ...args]);
  const tsx = run([...PATHS.tsx, ...args]);
  if (compiled.code !== 0 || tsx.code !== 0 || compiled.stdout !== tsx.stdout) {
    console.error(
      `${name}: the compiled CLI (exit ${compiled.code}) and the tsx path (exit ${tsx.code}) answer differently\n${compiled.stderr}${tsx.stderr}`,
    );
    differ = true;
  }
}
run(["-e", ""]);

const samples: Record<CommandName, Record<PathName, number[]>> = {
  help: { compiled: [], tsx: [] },
  explain: { compiled: [], tsx: [] },
};
const cpu: Record<CommandName, Record<PathName, number[]>> = {
  help: { compiled: [], tsx: [] },
  explain: { compiled: [], tsx: [] },
};
const floor: number[] = [];
const floorCpu: number[] = [];
for (let i = 0; i < RUNS; i++) {
  for (const name of Object.keys(COMMANDS) as CommandName[]) {
    // Alternate which path goes first, so neither always runs right after the other.
    const order: PathName[] = i % 2 === 0 ? ["compiled", "tsx"] : ["tsx", "compiled"];
    for (const path of order) {
      const r = run([...PATHS[path], ...COMMANDS[name]]);
      samples[name][path].push(r.ms);
      if (r.cpuMs !== undefined) cpu[name][path].push(r.cpuMs);
    }
  }
  const bare = run(["-e", ""]);
  floor.push(bare.ms);
  if (bare.cpuMs !== undefined) floorCpu.push(bare.cpuMs);
}
const medianOrUndefined = (values: number[]) => (values.length > 0 ? median(values) : undefined);
const loadAfter = loadavg()[0]!;

const figures = Object.fromEntries(
  (Object.keys(COMMANDS) as CommandName[]).map((name) => {
    const compiledMs = median(samples[name].compiled);
    const tsxMs = median(samples[name].tsx);
    const compiledCpuMs = medianOrUndefined(cpu[name].compiled);
    const tsxCpuMs = medianOrUndefined(cpu[name].tsx);
    const cpuRatio = compiledCpuMs && tsxCpuMs ? tsxCpuMs / compiledCpuMs : undefined;
    return [
      name,
      {
        compiledMs,
        tsxMs,
        ratio: tsxMs / compiledMs,
        compiledMin: Math.min(...samples[name].compiled),
        tsxMin: Math.min(...samples[name].tsx),
        compiledCpuMs,
        tsxCpuMs,
        cpuRatio,
      },
    ];
  }),
) as Record<
  CommandName,
  {
    compiledMs: number;
    tsxMs: number;
    ratio: number;
    compiledMin: number;
    tsxMin: number;
    compiledCpuMs?: number;
    tsxCpuMs?: number;
    cpuRatio?: number;
  }
>;
const floorMs = median(floor);
const floorCpuMs = medianOrUndefined(floorCpu);
const cpuText = (value: number | undefined) => (value === undefined ? "—" : ms(value));

console.log(
  table([
    [
      "command (median of " + RUNS + ", ms)",
      "compiled",
      "tsx",
      "tsx / compiled",
      "compiled min",
      "tsx min",
      "CPU compiled",
      "CPU tsx",
      "CPU tsx / compiled",
    ],
    ...(Object.keys(COMMANDS) as CommandName[]).map((name) => {
      const f = figures[name];
      return [
        `governance-gate ${COMMANDS[name].join(" ")}`,
        ms(f.compiledMs),
        ms(f.tsxMs),
        `${f.ratio.toFixed(1)}×`,
        ms(f.compiledMin),
        ms(f.tsxMin),
        cpuText(f.compiledCpuMs),
        cpuText(f.tsxCpuMs),
        f.cpuRatio === undefined ? "—" : `${f.cpuRatio.toFixed(1)}×`,
      ];
    }),
    [
      'node -e "" (the floor)',
      ms(floorMs),
      "",
      "",
      ms(Math.min(...floor)),
      "",
      cpuText(floorCpuMs),
      "",
      "",
    ],
  ]),
);
const mark = (ok: boolean) => (ok ? "met" : "MISSED");
console.log(
  `\nGoals (2-core machine): --help ≤ 300 ms ${mark(figures.help.compiledMs <= 300)}, explain --files ≤ 500 ms ${mark(figures.explain.compiledMs <= 500)}, ` +
    `both ≥ 4× faster than tsx ${mark(figures.help.ratio >= 4 && figures.explain.ratio >= 4)}. Load average ${loadBefore.toFixed(2)} → ${loadAfter.toFixed(2)}.`,
);

writeJson(jsonTarget(), {
  runs: RUNS,
  node: process.version,
  loadBefore,
  loadAfter,
  buildMs: build.ms,
  floorMs,
  floorCpuMs,
  ...figures,
  identical: !differ,
});
process.exitCode = differ ? 1 : 0;
