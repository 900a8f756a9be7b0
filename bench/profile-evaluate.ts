/**
 * Profiling aid for `evaluate` on the evaluate benchmark's workload (a
 * 300-area policy, a 3,000-file pull request: bench/lib/monorepo.ts), without
 * the benchmark's slow naive runs.
 *
 *   npx tsx bench/profile-evaluate.ts [runs]          (default 300 runs)
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-evaluate.ts
 *
 * On a shared machine absolute times move with the load, so each round times
 * the whole pull request and, right after it, the same policy on its first 30
 * files: the ratio of the two medians moves far less than either. Against an
 * earlier version of the code, in the same process: bench/compare-evaluate.ts. (tsx emits
 * each module on one line; for per-line ticks compile with
 * `tsc --noEmit false --outDir /tmp/build` and profile the emitted .js.)
 */
import { performance } from "node:perf_hooks";
import { formatProblem } from "../src/policy/problems.js";
import { memoryReader } from "../test/helpers/policy.js";
import { generateWorkload } from "./lib/monorepo.js";
import { loadShippedEngine } from "./lib/shipped-engine.js";

const NOW = new Date("2025-03-14T12:00:00Z");
const WARMUP = 30;
const SMALL_FILES = 30;

const runs = Number(process.argv[2] ?? 300);
// As `npm run build` compiles it (bench/lib/shipped-engine.ts); BENCH_TSX=1 profiles the tsx-run sources.
const { evaluate, emptyFacts, loadPolicy } =
  process.env.BENCH_TSX === "1"
    ? {
        ...(await import("../src/evaluate/evaluate.js")),
        ...(await import("../src/evaluate/facts.js")),
        ...(await import("../src/policy/load.js")),
      }
    : await loadShippedEngine();
const { repo, changed } = generateWorkload();
const loaded = await loadPolicy(
  { name: ".github/governance.yml", text: repo.yaml },
  memoryReader({}),
);
if (!loaded.policy || loaded.problems.length > 0) {
  console.error(
    `the generated policy has problems:\n${loaded.problems.map(formatProblem).join("\n")}`,
  );
  process.exit(1);
}
const policy = loaded.policy;
const author = { pathsOnly: true, author: "someone" };
const large = emptyFacts(changed, author);
const small = emptyFacts(changed.slice(0, SMALL_FILES), author);

let sink = 0;
const time = (facts: typeof large): number => {
  const start = performance.now();
  sink += evaluate(policy, facts, NOW).requirements.length;
  return performance.now() - start;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

for (let i = 0; i < WARMUP; i++) {
  time(large);
  time(small);
}
const largeSamples: number[] = [];
const smallSamples: number[] = [];
for (let i = 0; i < runs; i++) {
  largeSamples.push(time(large));
  smallSamples.push(time(small));
}
const [l, s] = [median(largeSamples), median(smallSamples)];
console.log(
  `evaluate: ${changed.length} files ${l.toFixed(2)} ms, ${SMALL_FILES} files ${s.toFixed(2)} ms (medians of ${runs}); ratio ${(l / s).toFixed(1)}× (checksum ${sink})`,
);
