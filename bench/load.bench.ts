/**
 * Benchmark: the real app server (src/server.ts, production mode, pinned to one
 * CPU) on loopback against a fake GitHub: signed deliveries per second, latency
 * and memory over a sustained run.
 *
 *   npx tsx bench/load.bench.ts [--json out.json]
 *
 *   BENCH_LOAD_SECONDS        measured run, default 60
 *   BENCH_LOAD_RATE           offered deliveries per second (open loop), default 220: the goal (200)
 *                             plus 10 %, so that "at least 200 completed" is shown, not rounded to
 *   BENCH_LOAD_INSTALLATIONS  installations (one organisation and repository each), default 100
 *   BENCH_LOAD_PULLS          open pull requests per repository, default 3
 *   BENCH_LOAD_FILES          files per pull request, default 24
 *   BENCH_SATURATION_SECONDS  closed-loop capacity probe before the run, default 8 (0 skips it)
 *   BENCH_LOG_LEVEL           the server's LOG_LEVEL, default info (what production runs)
 *   BENCH_PROFILE=<dir>       write a V8 CPU profile of the server there
 *   BENCH_UNTHROTTLED=1       diagnostic: the measured server without Probot's throttle (not the product's figures)
 *   BENCH_SERVER_ENTRY=<file> what-if: measure another entry point than src/server.ts, e.g.
 *                             bench/what-if/per-installation-throttle.ts (the throttle fix this benchmark suggests)
 *
 * How the server is loaded, and why (printed with the results):
 *
 * Probot's throttling plugin queues writes (and, unless src/github/octokit.ts
 * marks them read-only, GraphQL queries) 1 s apart per throttle id, and writes
 * that notify people (comments, review requests) 3 s apart. src/github/octokit.ts
 * gives each installation its own id (Probot's event clients had none, so all
 * installations shared ONE queue; the write probe shows which is the case).
 * Deliveries that write are still bounded by that queue — one write a second
 * per installation, which GitHub's secondary rate limits ask for — so they are
 * not a CPU benchmark: at 200/s on 100 installations a share of them queues. The
 * measured load is what a multi-tenant App mostly receives and what the brief
 * calls cache hits: deliveries on pull requests that were already evaluated,
 * which read GitHub but leave the check as it is.
 *
 * Seeding: a first server (same code, Probot's throttle patched out by
 * bench/lib/unthrottle.ts so it does not take minutes) opens every pull request
 * and records the backend lead's approval on every other one; GitHub (the fake) then holds the
 * check runs, review requests and reviews as if the app had evaluated them
 * earlier. The measured server is a fresh, unmodified `src/server.ts`: it
 * warms up on one review per pull request (token, policy, check-run lookup,
 * files) and a few seconds of the mix; then, in order: the write probe (5
 * check-changing approvals on 5 installations at once), the capacity probe
 * (closed loop, 32 in flight, evaluating deliveries only), and the measured
 * open-loop run, whose last deliveries get 10 s to answer before the server is
 * stopped.
 *
 * The measured mix, drawn per delivery from a seeded generator, installations
 * in strict round-robin:
 *   30 % check_run.completed of CI (another App's check; the app ignores it)
 *   25 % pull_request_review.submitted, COMMENTED, by a non-required reviewer
 *   10 % pull_request_review.submitted, APPROVED again by someone who approved already
 *   25 % issue_comment.created, a discussion comment (no command)
 *   10 % pull_request.labeled, a label no rule reads
 * Review, comment and label events change the fake GitHub first (through its
 * /_bench/ door), then the delivery carries GitHub's view of the pull request.
 *
 * CPUs: the server runs under `taskset -c 0` (every thread of it: one core);
 * the fake GitHub and this generator share CPU 1.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import {
  type AppServer,
  appKeys,
  cpuSecondsOf,
  hasTaskset,
  machineBusySeconds,
  memoryOf,
  ROOT,
  startAppServer,
} from "./lib/app-server.js";
import type { Stats, WorldSpec } from "./lib/fake-github.js";
import { loadWorld } from "./lib/load-world.js";
import {
  isGraphqlRoute,
  isWriteRoute,
  jsonTarget,
  ms,
  percentile,
  shortRoute,
  table,
  writeJson,
} from "./lib/report.js";
import {
  ciCheckRunEvent,
  closeAgent,
  control,
  deliver,
  issueCommentEvent,
  pullRequestEvent,
  reviewEvent,
  type Target,
} from "./lib/webhooks.js";
import { seededRandom as prng } from "../test/helpers/random.js";

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0`);
  return value;
};
const SECONDS = env("BENCH_LOAD_SECONDS", 60);
const RATE = env("BENCH_LOAD_RATE", 220);
const INSTALLATIONS = Math.max(8, Math.round(env("BENCH_LOAD_INSTALLATIONS", 100)));
const PULLS = Math.max(1, Math.round(env("BENCH_LOAD_PULLS", 3)));
const FILES = Math.max(1, Math.round(env("BENCH_LOAD_FILES", 24)));
const SATURATION_SECONDS = env("BENCH_SATURATION_SECONDS", 8);
const SATURATION_CONCURRENCY = 32;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
const PROFILE = process.env.BENCH_PROFILE;
/** Diagnostic only: the measured server without Probot's throttle (bench/lib/unthrottle.ts), to see what the throttle costs. */
const UNTHROTTLED = process.env.BENCH_UNTHROTTLED === "1";
const ENTRY = process.env.BENCH_SERVER_ENTRY;
/** Mixed load after the per-pull-request warm-up, before measuring. */
const WARM_SECONDS = Math.min(3, Math.max(1, SECONDS / 6));
const CONCURRENCY = 64;
const MAX_OUTSTANDING = 10_000;
/** How long the run waits for its last deliveries' answers. */
const DRAIN_SECONDS = 10;
/** The window compared at the start and the end of the run for memory. */
const EDGE_SECONDS = Math.min(10, SECONDS / 3);
/** Check-run updates on distinct installations delivered at once by the write probe. */
const WRITE_PROBE = 5;

const GOAL_RATE = 200;
const GOAL_P99_MS = 200;

type Kind = "ci" | "review-comment" | "review-approve" | "comment" | "label";
const MIX: [Kind, number][] = [
  ["ci", 30],
  ["review-comment", 25],
  ["review-approve", 10],
  ["comment", 25],
  ["label", 10],
];
const EVALUATING: Kind[] = ["review-comment", "comment", "label"];
const LABELS = ["needs-qa", "rooms", "ready-for-review", "backend"];

interface Pr {
  owner: string;
  installationId: number;
  number: number;
  target: Target;
  view: Record<string, unknown>;
  /** Required approvers who approved while seeding. */
  approved: string[];
  events: number;
}

interface Sample {
  kind: Kind;
  ms: number;
  status: number;
  error?: string;
}

type Pull = Record<string, unknown>;

async function main(): Promise<number> {
  const wallStart = performance.now();
  if (hasTaskset)
    spawnSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
  const keys = appKeys();
  const repos = loadWorld({
    installations: INSTALLATIONS,
    pullsPerRepo: PULLS,
    filesPerPull: FILES,
  });
  const world: WorldSpec = { appId: keys.appId, publicKeyPem: keys.publicKeyPem, repos };
  const dir = mkdtempSync(join(tmpdir(), "gg-bench-"));
  writeFileSync(join(dir, "world.json"), JSON.stringify(world));

  const fakeArgs = ["--import", "tsx", "bench/lib/fake-github-process.ts", join(dir, "world.json")];
  const fakeChild = hasTaskset
    ? spawn("taskset", ["-c", "1", process.execPath, ...fakeArgs], {
        cwd: ROOT,
        stdio: ["pipe", "pipe", "inherit"],
      })
    : spawn(process.execPath, fakeArgs, { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
  const host = await new Promise<string>((resolve, reject) => {
    fakeChild.once("exit", (code) => reject(new Error(`the fake GitHub exited with ${code}`)));
    createInterface({ input: fakeChild.stdout! }).once("line", (line) =>
      resolve((JSON.parse(line) as { host: string }).host),
    );
  });
  let server: AppServer | undefined;
  const cleanup = async () => {
    await server?.stop();
    fakeChild.stdin?.end();
    closeAgent();
  };

  try {
    const prs: Pr[] = [];
    for (const repo of repos) {
      for (const p of repo.pulls) {
        const i = prs.length;
        const { pull } = await control<{ pull: Pull }>(host, "pull", {
          owner: repo.owner,
          repo: repo.name,
          number: p.number,
        });
        const target: Target = {
          installationId: repo.installationId,
          organization: repo.owner,
          repository: (pull.base as { repo: Pull }).repo,
        };
        // Every other pull request already has the backend lead's approval (it then passes).
        prs.push({
          owner: repo.owner,
          installationId: repo.installationId,
          number: p.number,
          target,
          view: pull,
          approved: i % 2 === 0 ? ["bea"] : [],
          events: 0,
        });
      }
    }
    // Round-robin order: installation by installation, then the next pull request of each.
    prs.sort((a, b) => a.number - b.number || a.installationId - b.installationId);
    const at = (pr: Pr) => ({ owner: pr.owner, repo: "chat", number: pr.number });
    const send = async (port: number, event: string, payload: object, what: string) => {
      const d = await deliver(port, keys.webhookSecret, event, payload);
      if (d.status !== 200) throw new Error(`${what}: the server answered ${d.status} ${d.body}`);
      return d;
    };
    const review = async (
      port: number,
      pr: Pr,
      login: string,
      state: "APPROVED" | "COMMENTED",
      body = "",
    ) => {
      const { pull, review } = await control<{ pull: Pull; review: Pull }>(host, "review", {
        ...at(pr),
        login,
        state,
        body,
      });
      pr.view = pull;
      return deliver(
        port,
        keys.webhookSecret,
        "pull_request_review",
        reviewEvent(pr.target, pull, review, userOf(review.user)),
      );
    };
    const forEach = async (items: Pr[], fn: (pr: Pr) => Promise<unknown>) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
          while (next < items.length) await fn(items[next++]!);
        }),
      );
    };

    // --- seeding: every pull request opened and partly approved ---------------------------
    const seedStart = performance.now();
    server = await startAppServer({
      keys,
      githubHost: host,
      logLevel: "warn",
      preload: ["bench/lib/unthrottle.ts"],
    });
    const seeder = server;
    await forEach(prs, async (pr) => {
      await send(
        seeder.port,
        "pull_request",
        pullRequestEvent("opened", pr.target, pr.view, userOf(pr.view.user)),
        `opening ${pr.owner}#${pr.number}`,
      );
      // The check's text after the opening evaluation says whom it just asked for a review; the
      // next evaluation drops that line. One more review settles it, as any later event would.
      const reviews =
        pr.approved.length > 0
          ? pr.approved.map((l) => [l, "APPROVED"] as const)
          : [["fred", "COMMENTED"] as const];
      for (const [login, state] of reviews) {
        const d = await review(seeder.port, pr, login, state);
        if (d.status !== 200) throw new Error(`seeding a review: ${d.status} ${d.body}`);
      }
      pr.view = (await control<{ pull: Pull }>(host, "pull", at(pr))).pull;
    });
    const seedProblems = seeder.problems();
    const seededApprovals = prs.reduce((n, pr) => n + pr.approved.length, 0);
    await seeder.stop();
    const seedSeconds = (performance.now() - seedStart) / 1000;

    // --- the measured server: fresh, unmodified, one CPU ---------------------------------
    server = await startAppServer({
      keys,
      githubHost: host,
      logLevel: LOG_LEVEL,
      cpu: 0,
      nodeArgs: PROFILE ? ["--cpu-prof", "--cpu-prof-dir", PROFILE] : [],
      preload: [
        ...(PROFILE ? ["bench/lib/exit-on-signal.ts"] : []),
        ...(UNTHROTTLED ? ["bench/lib/unthrottle.ts"] : []),
      ],
      entry: ENTRY,
    });
    const port = server.port;
    const pid = server.pid;
    // Warm-up: one review per pull request (installation token, snapshot, policy, files list).
    const warmStart = performance.now();
    await control(host, "reset");
    const coldSamples: number[] = [];
    await forEach(prs, async (pr) => {
      const d = await review(port, pr, "fred", "COMMENTED", "First pass: reading.");
      if (d.status !== 200) throw new Error(`warm-up review: ${d.status} ${d.body}`);
      coldSamples.push(d.ms);
    });
    const coldStats = await control<Stats>(host, "stats");
    coldSamples.sort((a, b) => a - b);

    // --- the generator ---------------------------------------------------------------------
    const random = prng(0x10ad);
    const total = MIX.reduce((n, [, w]) => n + w, 0);
    const pickKind = (): Kind => {
      let r = random() * total;
      for (const [kind, w] of MIX) if ((r -= w) < 0) return kind;
      return "ci";
    };
    let cursor = 0;
    const fire = async (wanted: Kind): Promise<Sample> => {
      const pr = prs[cursor++ % prs.length]!;
      const n = pr.events++;
      // A pull request nobody approved yet gets a comment review instead of a re-approval.
      const kind: Kind =
        wanted === "review-approve" && pr.approved.length === 0 ? "review-comment" : wanted;
      let d: { status: number; ms: number };
      if (kind === "ci") {
        d = await deliver(
          port,
          keys.webhookSecret,
          "check_run",
          ciCheckRunEvent(
            pr.target,
            pr.view,
            ["build", "test", "lint"][n % 3]!,
            userOf({ login: "github-actions[bot]", type: "Bot" }),
          ),
        );
      } else if (kind === "review-comment") {
        d = await review(port, pr, "fred", "COMMENTED", "Looks reasonable; one question inline.");
      } else if (kind === "review-approve") {
        d = await review(port, pr, pr.approved[n % pr.approved.length]!, "APPROVED");
      } else if (kind === "comment") {
        const { pull, comment } = await control<{ pull: Pull; comment: Pull }>(host, "comment", {
          ...at(pr),
          login: n % 2 === 0 ? "carol" : "quinn",
          body: "Could we also cover the empty-room case? Happy to pair on it.",
        });
        pr.view = pull;
        d = await deliver(
          port,
          keys.webhookSecret,
          "issue_comment",
          issueCommentEvent(pr.target, pull, comment, userOf(comment.user)),
        );
      } else {
        const label = LABELS[n % LABELS.length]!;
        const { pull } = await control<{ pull: Pull }>(host, "label", { ...at(pr), label });
        pr.view = pull;
        d = await deliver(
          port,
          keys.webhookSecret,
          "pull_request",
          pullRequestEvent("labeled", pr.target, pull, userOf(pull.user), {
            label: { name: label, color: "ededed" },
          }),
        );
      }
      return { kind, ms: d.ms, status: d.status };
    };

    const openLoop = async (seconds: number, samples: Sample[] | undefined) => {
      const interval = 1000 / RATE;
      const start = performance.now();
      let k = 0;
      let outstanding = 0;
      let skipped = 0;
      let maxLag = 0;
      const inflight = new Set<Promise<void>>();
      while (performance.now() - start < seconds * 1000) {
        const now = performance.now();
        while (start + k * interval <= now) {
          maxLag = Math.max(maxLag, now - (start + k * interval));
          k++;
          if (outstanding >= MAX_OUTSTANDING) {
            skipped++;
            continue;
          }
          const kind = pickKind();
          outstanding++;
          const p: Promise<void> = fire(kind)
            .then(
              (sample) => void samples?.push(sample),
              (error: NodeJS.ErrnoException) =>
                void samples?.push({
                  kind,
                  ms: NaN,
                  status: 0,
                  error: error.code ?? error.message,
                }),
            )
            .finally(() => {
              outstanding--;
              inflight.delete(p);
            });
          inflight.add(p);
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const seconds_ = (performance.now() - start) / 1000;
      await Promise.race([
        Promise.all(inflight),
        new Promise((resolve) => setTimeout(resolve, DRAIN_SECONDS * 1000)),
      ]);
      // Deliveries still unanswered now are counted apart (the server is stopped after the run).
      return {
        offered: k,
        skipped,
        maxLag,
        seconds: seconds_,
        withDrain: (performance.now() - start) / 1000,
        unanswered: outstanding,
        answered: samples?.slice() ?? [],
      };
    };

    await openLoop(WARM_SECONDS, undefined);
    const warmSeconds = (performance.now() - warmStart) / 1000;

    // --- the write path: check-run updates on distinct installations at once ---------------
    // bea (backend-lead) signs every one of these pull requests: her first approval changes the check.
    const probe = prs.filter((pr) => !pr.approved.includes("bea")).slice(0, WRITE_PROBE);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await control(host, "reset");
    const probeStart = performance.now();
    const probeMs = await Promise.all(
      probe.map(async (pr) => {
        pr.approved.push("bea");
        const d = await review(port, pr, "bea", "APPROVED");
        return d.status === 200 ? d.ms : NaN;
      }),
    );
    const probeWall = (performance.now() - probeStart) / 1000;
    const probeStats = await control<Stats>(host, "stats");
    const probeWrites = Object.entries(probeStats.byRoute)
      .filter(([r]) => isWriteRoute(r))
      .reduce((n, [, c]) => n + c, 0);
    probeMs.sort((a, b) => a - b);

    // --- capacity: closed loop, evaluating deliveries only ---------------------------------
    let saturation: { perSecond: number; p50: number; p99: number; cpuShare: number } | undefined;
    if (SATURATION_SECONDS > 0) {
      const satSamples: number[] = [];
      const satStart = performance.now();
      const satCpu = await cpuSecondsOf(pid);
      let i = 0;
      await Promise.all(
        Array.from({ length: SATURATION_CONCURRENCY }, async () => {
          while (performance.now() - satStart < SATURATION_SECONDS * 1000) {
            const r = await fire(EVALUATING[i++ % EVALUATING.length]!);
            if (r.status === 200) satSamples.push(r.ms);
          }
        }),
      );
      const seconds = (performance.now() - satStart) / 1000;
      const cpu = ((await cpuSecondsOf(pid)) ?? NaN) - (satCpu ?? NaN);
      satSamples.sort((a, b) => a - b);
      saturation = {
        perSecond: satSamples.length / seconds,
        p50: percentile(satSamples, 50),
        p99: percentile(satSamples, 99),
        cpuShare: cpu / seconds,
      };
    }

    // Let the server settle before the run.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    // --- the measured run -------------------------------------------------------------------
    await control(host, "reset");
    const linesBefore = server.lines();
    const memory: { at: number; rss: number }[] = [];
    const runStart = performance.now();
    const sampler = setInterval(() => {
      void memoryOf(pid).then(
        (m) => m && memory.push({ at: (performance.now() - runStart) / 1000, rss: m.rss }),
      );
    }, 500);
    const cpuBefore = await cpuSecondsOf(pid);
    const otherCpuBefore =
      ((await cpuSecondsOf(fakeChild.pid!)) ?? NaN) + ((await cpuSecondsOf(process.pid)) ?? NaN);
    const machineBefore = await machineBusySeconds();
    const samples: Sample[] = [];
    const run = await openLoop(SECONDS, samples);
    const cpuAfter = await cpuSecondsOf(pid);
    const benchCpuSeconds =
      ((await cpuSecondsOf(fakeChild.pid!)) ?? NaN) +
      ((await cpuSecondsOf(process.pid)) ?? NaN) -
      otherCpuBefore;
    const otherCpu = benchCpuSeconds / run.withDrain;
    // What everything else on the machine used meanwhile, in cores: the figures are only as good as the machine was quiet.
    const foreignCores =
      (((await machineBusySeconds()) ?? NaN) -
        (machineBefore ?? NaN) -
        benchCpuSeconds -
        (((await cpuSecondsOf(pid)) ?? NaN) - (cpuBefore ?? NaN))) /
      run.withDrain;
    clearInterval(sampler);
    const stats = await control<Stats>(host, "stats");
    const linesDuring = server.lines() - linesBefore;
    const peak = await memoryOf(pid);

    const problems = server.problems();
    await cleanup();

    // --- report -------------------------------------------------------------------------------
    // 202 "still processing": @octokit/webhooks answers so after 9 s and goes on; GitHub counts it delivered.
    const answered = run.answered;
    const ok = answered.filter((s) => s.status === 200);
    const late = answered.filter((s) => s.status === 202).length;
    const failed = answered.length - ok.length - late;
    const errors = [
      ...new Set(
        answered
          .filter((s) => s.status !== 200 && s.status !== 202)
          .map((s) => s.error ?? `HTTP ${s.status}`),
      ),
    ];
    // Unanswered deliveries count as the slowest: latency "more than the run's end + the drain".
    const latencies = [
      ...answered.filter((s) => s.status === 200 || s.status === 202).map((s) => s.ms),
      ...Array.from({ length: run.unanswered }, () => Infinity),
    ].sort((a, b) => a - b);
    const throughput = ok.length / run.seconds;
    const p50 = percentile(latencies, 50);
    const p90 = percentile(latencies, 90);
    const p99 = percentile(latencies, 99);
    const max = latencies[latencies.length - 1] ?? NaN;
    const msOrMore = (n: number) =>
      Number.isFinite(n) ? ms(n) : `> ${DRAIN_SECONDS} s after the run`;
    // Over the run and the drain of its last deliveries: the CPU they used.
    const cpuShare =
      cpuBefore !== undefined && cpuAfter !== undefined
        ? (cpuAfter - cpuBefore) / run.withDrain
        : NaN;
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const rssFirst = avg(memory.filter((m) => m.at <= EDGE_SECONDS).map((m) => m.rss));
    const rssLast = avg(memory.filter((m) => m.at >= run.seconds - EDGE_SECONDS).map((m) => m.rss));
    const rssPeakRun = Math.max(...memory.map((m) => m.rss));
    const flat = rssLast <= rssFirst * 1.1 + 5;
    const perKind = MIX.map(([kind]) => {
      const of = answered.filter((s) => s.kind === kind && (s.status === 200 || s.status === 202));
      const xs = of.map((s) => s.ms).sort((a, b) => a - b);
      return {
        kind,
        n: xs.length,
        late: of.filter((s) => s.status === 202).length,
        p50: percentile(xs, 50),
        p99: percentile(xs, 99),
      };
    });
    const evaluating = answered.filter((s) => s.kind !== "ci").length;
    // GraphQL queries are reads (POSTed); Probot's throttle spaces them like writes, so they are counted apart.
    const writes = Object.entries(stats.byRoute)
      .filter(([r]) => isWriteRoute(r))
      .reduce((n, [, c]) => n + c, 0);
    const graphqlQueries = Object.entries(stats.byRoute)
      .filter(([r]) => isGraphqlRoute(r))
      .reduce((n, [, c]) => n + c, 0);
    const filesReads = stats.byRoute["GET /repos/{owner}/{repo}/pulls/{pull_number}/files"] ?? 0;

    console.log(
      "Governance Gate — the app server under load (real server on loopback, fake GitHub)",
    );
    if (UNTHROTTLED)
      console.log(
        "  !!! DIAGNOSTIC RUN: the measured server runs WITHOUT Probot's throttle (BENCH_UNTHROTTLED=1); not the product's figures",
      );
    if (ENTRY)
      console.log(
        `  !!! WHAT-IF RUN: the measured server is ${ENTRY}, not src/server.ts; not the product's figures`,
      );
    console.log(
      `  server    ${ENTRY ?? "src/server.ts"}, NODE_ENV=production, LOG_LEVEL=${LOG_LEVEL}, ${hasTaskset ? "pinned to CPU 0 (taskset -c 0: one core)" : "NOT pinned (no taskset)"}; fake GitHub + generator on CPU 1`,
    );
    console.log(
      `  world     ${INSTALLATIONS} installations × 1 repository × ${PULLS} open pull requests of ${FILES} files (chat-backend preset, roles bound to users; level 1–2, half with an index migration)`,
    );
    console.log(
      `  seeding   ${prs.length} pull requests opened and ${seededApprovals} approvals recorded in ${seedSeconds.toFixed(1)} s by a seeding server without Probot's throttle${seedProblems.length ? ` (${seedProblems.length} warnings)` : ""}`,
    );
    console.log(
      `  warm-up   the measured server's first review on each pull request: p50 ${ms(percentile(coldSamples, 50))} ms, p99 ${ms(percentile(coldSamples, 99))} ms, ${(coldStats.calls / prs.length).toFixed(1)} calls each (token, snapshot, policy, files); then ${WARM_SECONDS} s of load; ${warmSeconds.toFixed(1)} s in all`,
    );
    console.log(
      `  load      open loop at ${RATE}/s for ${SECONDS} s, installations in strict round-robin (each gets a delivery every ${(INSTALLATIONS / RATE).toFixed(2)} s, each pull request every ${(prs.length / RATE).toFixed(2)} s)`,
    );
    console.log(`            mix: ${MIX.map(([k, w]) => `${w}% ${k}`).join(", ")}`);
    console.log(
      "            why: Probot's throttle queues writes and GraphQL queries 1 s apart per installation (src/github/octokit.ts;",
    );
    console.log(
      "            see the write probe), and every evaluation starts with one GraphQL query (src/github/snapshot.ts); only deliveries",
    );
    console.log(
      "            that leave the check unchanged can arrive at 200/s; they are most of what a multi-tenant App receives:",
    );
    console.log(
      "            CI check runs, discussion, reviews on pull requests already evaluated.",
    );
    console.log("");
    const rows: (string | number)[][] = [
      ["figure", "value", "goal"],
      [
        "deliveries/s completed (HTTP 200)",
        throughput.toFixed(1),
        `≥ ${GOAL_RATE}  ${throughput >= GOAL_RATE ? "PASS" : "MISS"}`,
      ],
      [
        "latency p50 / p90 / p99 / max (ms)",
        `${msOrMore(p50)} / ${msOrMore(p90)} / ${msOrMore(p99)} / ${msOrMore(max)}`,
        `p99 < ${GOAL_P99_MS}  ${p99 < GOAL_P99_MS ? "PASS" : "MISS"}`,
      ],
      [
        "server CPU (share of its one core)",
        `${(cpuShare * 100).toFixed(0)} %`,
        `fake GitHub + generator: ${(otherCpu * 100).toFixed(0)} % of CPU 1`,
      ],
      [
        `RSS first / last ${EDGE_SECONDS.toFixed(0)} s of the run (MiB)`,
        `${rssFirst.toFixed(0)} / ${rssLast.toFixed(0)}`,
        `flat  ${flat ? "PASS" : "MISS"}`,
      ],
      [
        "RSS peak in the run / process peak (MiB)",
        `${rssPeakRun.toFixed(0)} / ${peak?.peak.toFixed(0) ?? "?"}`,
        "",
      ],
      [
        "202 after 9 s / failed / unanswered 10 s after the run / not sent",
        `${late} / ${failed} / ${run.unanswered} / ${run.skipped}`,
        `sender lag max ${ms(run.maxLag)} ms${errors.length ? `; errors: ${errors.slice(0, 3).join(", ")}` : ""}`,
      ],
    ];
    if (saturation) {
      rows.push([
        `capacity: closed loop ×${SATURATION_CONCURRENCY}, evaluating deliveries only`,
        `${saturation.perSecond.toFixed(0)}/s`,
        `p50 ${ms(saturation.p50)} ms, p99 ${ms(saturation.p99)} ms, CPU ${(saturation.cpuShare * 100).toFixed(0)} %`,
      ]);
    }
    console.log(table(rows));
    if (foreignCores > 0.15)
      console.log(
        `  ⚠ the machine was shared: other processes kept ${foreignCores.toFixed(2)} of its ${cpus().length} cores busy during the run; these figures are pessimistic`,
      );
    console.log("");
    console.log(
      table([
        ["by event", "answered", "of which 202", "p50 ms", "p99 ms"],
        ...perKind.map((k) => [k.kind, k.n, k.late, ms(k.p50), ms(k.p99)]),
      ]),
    );
    console.log("");
    console.log(
      `  GitHub API calls in the run: ${stats.calls} (${(stats.calls / Math.max(1, samples.length)).toFixed(2)} per delivery, ${(stats.calls / Math.max(1, evaluating)).toFixed(2)} per evaluating delivery, 202s included), ${writes} writes, ${graphqlQueries} GraphQL queries, ${stats.tokenExchanges} token exchanges`,
    );
    console.log(
      `    ${Object.entries(stats.byRoute)
        .sort((a, b) => b[1] - a[1])
        .map(([r, n]) => `${shortRoute(r)} ${n}`)
        .join(", ")}`,
    );
    if (filesReads > 0) {
      console.log(
        `    ! files lists re-read ${filesReads} times (${(filesReads / Math.max(1, evaluating)).toFixed(2)} per evaluating delivery): the app's file cache (src/github/facts.ts, bounded by files held) dropped some of the ${prs.length} open pull requests`,
      );
    }
    console.log(
      `  write probe: ${probe.length} approvals that each change a check, on ${probe.length} installations, delivered at once:`,
    );
    console.log(
      `    answered after ${probeMs.map((x) => (x / 1000).toFixed(1)).join(", ")} s (${probeWrites} writes in ${probeWall.toFixed(1)} s) — ${probeWall < probe.length * 0.9 ? "a throttle queue per installation" : "one throttle queue for all installations"}`,
    );
    console.log(
      `  server log lines in the run: ${linesDuring} (${(linesDuring / Math.max(1, samples.length)).toFixed(1)} per delivery); warnings/errors: ${problems.length}`,
    );
    for (const p of problems.slice(0, 5)) console.log(`    ${p.slice(0, 300)}`);
    if (stats.unexpected.length > 0 || stats.authFailures.length > 0)
      console.log(
        `  ! unexpected routes ${stats.unexpected.slice(0, 5).join(", ")}; auth failures ${stats.authFailures.slice(0, 3).join("; ")}`,
      );
    console.log(
      `  (total ${((performance.now() - wallStart) / 1000).toFixed(1)} s${PROFILE ? `; CPU profile in ${PROFILE}` : ""})`,
    );

    writeJson(jsonTarget(), {
      seconds: run.seconds,
      rate: RATE,
      installations: INSTALLATIONS,
      pullsPerRepo: PULLS,
      pulls: prs.length,
      files: FILES,
      logLevel: LOG_LEVEL,
      pinned: hasTaskset,
      unthrottled: UNTHROTTLED,
      entry: ENTRY ?? "src/server.ts",
      mix: Object.fromEntries(MIX),
      throughput,
      latency: { p50, p90, p99, max },
      cpuShare,
      rss: {
        first: rssFirst,
        last: rssLast,
        peakRun: rssPeakRun,
        processPeak: peak?.peak,
        edgeSeconds: EDGE_SECONDS,
        flat,
      },
      failed,
      late,
      unanswered: run.unanswered,
      skipped: run.skipped,
      perKind,
      apiCalls: {
        total: stats.calls,
        perDelivery: stats.calls / Math.max(1, samples.length),
        writes,
        graphqlQueries,
        filesReads,
        byRoute: stats.byRoute,
      },
      saturation: saturation && { ...saturation, concurrency: SATURATION_CONCURRENCY },
      writeProbe: {
        deliveries: probe.length,
        seconds: probeMs.map((x) => x / 1000),
        writes: probeWrites,
      },
      warmup: {
        cold: {
          p50: percentile(coldSamples, 50),
          p99: percentile(coldSamples, 99),
          callsEach: coldStats.calls / prs.length,
        },
        seedSeconds,
      },
      problems: problems.length,
      foreignCores,
    });
    return stats.unexpected.length > 0 ? 1 : 0;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** GitHub's user object as the fake GitHub rendered it (a bot when only a login and type are given). */
function userOf(value: unknown): Record<string, unknown> {
  const u = (value ?? {}) as Record<string, unknown>;
  if (typeof u.id === "number") return u;
  return {
    login: u.login ?? "ghost",
    id: 41898282,
    node_id: "MDM6Qm90NDE4OTgyODI=",
    type: u.type ?? "User",
    site_admin: false,
  };
}

process.exitCode = await main();
