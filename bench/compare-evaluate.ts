/**
 * `evaluate` of the evaluate benchmark's workload (bench/lib/monorepo.ts: 300
 * areas, a 3,000-file pull request), this tree's code against an earlier copy of
 * it, alternating in one process, so a shared machine's load weighs on both
 * alike and the ratio means something where absolute times do not.
 *
 *   git archive <commit> src policies package.json | tar -x -C /tmp/baseline
 *   ln -s "$PWD/node_modules" /tmp/baseline/node_modules
 *   npx tsx bench/compare-evaluate.ts /tmp/baseline [pairs] [rounds]
 *
 * (default 200 pairs, three rounds). Each side loads the policy with its own
 * loader, so each keeps its own indexes. The two decisions must be identical
 * (as JSON), or the run fails with exit code 1 before timing anything.
 */
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import * as current from "../src/evaluate/evaluate.js";
import * as currentFacts from "../src/evaluate/facts.js";
import * as currentLoad from "../src/policy/load.js";
import { generateWorkload } from "./lib/monorepo.js";
import { median } from "./lib/report.js";

const NOW = new Date("2025-03-14T12:00:00Z");
const WARMUP = 30;

const [baselineDir, pairsArg, roundsArg] = process.argv.slice(2);
if (!baselineDir) {
  console.error("usage: npx tsx bench/compare-evaluate.ts <baseline tree> [pairs] [rounds]");
  process.exit(2);
}
const pairs = Number(pairsArg ?? 200);
const rounds = Number(roundsArg ?? 3);

const from = (path: string) => pathToFileURL(resolve(baselineDir, path)).href;
const baseline = {
  evaluate: (await import(from("src/evaluate/evaluate.ts"))) as typeof current,
  facts: (await import(from("src/evaluate/facts.ts"))) as typeof currentFacts,
  load: (await import(from("src/policy/load.ts"))) as typeof currentLoad,
};

const { repo, changed } = generateWorkload();
const noExtends = {
  read: () => Promise.reject(new Error("the workload's policy extends nothing")),
};
const side = async (modules: {
  evaluate: typeof current;
  facts: typeof currentFacts;
  load: typeof currentLoad;
}) => {
  const loaded = await modules.load.loadPolicy(
    { name: ".github/governance.yml", text: repo.yaml },
    noExtends,
  );
  if (!loaded.policy || loaded.problems.length > 0) throw new Error("the policy has problems");
  const policy = loaded.policy;
  const facts = modules.facts.emptyFacts(changed, { pathsOnly: true, author: "someone" });
  return () => modules.evaluate.evaluate(policy, facts, NOW);
};
const ours = await side({ evaluate: current, facts: currentFacts, load: currentLoad });
const theirs = await side(baseline);

if (JSON.stringify(ours()) !== JSON.stringify(theirs())) {
  console.error("the two trees decide differently: a timing comparison would mean nothing");
  process.exit(1);
}

let sink = 0;
const time = (run: () => { requirements: unknown[] }): number => {
  const start = performance.now();
  sink += run().requirements.length;
  return performance.now() - start;
};

const loadBefore = loadavg();
for (let i = 0; i < WARMUP; i++) {
  time(ours);
  time(theirs);
}
const ratios: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < pairs; i++) {
    // Alternate which goes first, so neither always runs right after a collection of the other's garbage.
    if (i % 2 === 0) {
      a.push(time(ours));
      b.push(time(theirs));
    } else {
      b.push(time(theirs));
      a.push(time(ours));
    }
  }
  const [oursMs, theirsMs] = [median(a), median(b)];
  ratios.push(oursMs / theirsMs);
  console.log(
    `round ${round}: this tree ${oursMs.toFixed(2)} ms, baseline ${theirsMs.toFixed(2)} ms (medians of ${pairs}): ratio ${(oursMs / theirsMs).toFixed(2)}`,
  );
}
const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
console.log(
  `ratios ${ratios.map((r) => r.toFixed(2)).join(", ")}; load average before ${fmt(loadBefore)}, after ${fmt(loadavg())}; ${changed.length} files, node ${process.version} (checksum ${sink})`,
);
