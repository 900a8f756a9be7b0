/**
 * Transient faults at GitHub, against the real server process: every request the
 * app makes fails (or stalls) on its first try — 500, 502 with an HTML body, a
 * secondary rate limit (403, `retry-after: 1`, GitHub's message), a 1–3 s delay,
 * a connection dropped before the answer — and then a random mix of all of them.
 * Probot's retry and throttling plugins must carry every evaluation through, so
 * after each step the check says exactly what a clean evaluation of GitHub's
 * state says, and no write ever claimed a success that state does not justify.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Fault, FaultRequest } from "../e2e/fake-github.js";
import {
  counters,
  latestRun,
  oracle,
  prng,
  settle,
  startWorld,
  TITLE,
  verdictOf,
  writesOn,
  type Verdict,
  type World,
} from "./harness.js";

const counts = counters("transient-faults");
afterAll(() => counts.save());

/**
 * Opened → two approvals and a sign-off command → a level-4 label. After each step
 * the check must say what the oracle says; no write in a step may claim success
 * unless the state during that step justifies it (the state is fixed per step).
 */
async function lifecycle(world: World): Promise<void> {
  const { github, server, events } = world;
  const head = github.seed.pull.headSha;
  const step = async (
    what: string,
    deliveries: { name: string; payload: object }[],
    expected: Verdict,
  ) => {
    const writesBefore = writesOn(github, head).length;
    const faultsBefore = github.injected.length;
    const sent = await Promise.all(deliveries.map((d) => server.deliver(d.name, d.payload)));
    counts.eventsDelivered += sent.length;
    await settle(
      world,
      sent.map((s) => s.id),
      { timeoutMs: 90_000 },
    );
    // Every fault here is retried away, so the check exists from "opened" on and the scenario holds.
    expect(latestRun(github, head), `${what}: the governance run`).toBeDefined();
    const truth = await oracle(github);
    expect(truth, `${what}: the oracle agrees with the scenario`).toEqual(expected);

    const successes = writesOn(github, head)
      .slice(writesBefore)
      .filter((w) => w.conclusion === "success");
    expect(
      truth.conclusion === "success" ? [] : successes,
      `${what}: success written while the state says ${JSON.stringify(truth)}`,
    ).toEqual([]);

    const faults = github.injected.slice(faultsBefore).map((f) => `${callOf(f)}: ${f.detail}`);
    expect(
      verdictOf(latestRun(github, head)),
      `${what}: the check after settling (faults in this step: ${faults.join("; ") || "none"})`,
    ).toEqual(truth);
  };

  await step("opened", [events.pullRequest("opened")], {
    conclusion: "failure",
    title: TITLE.open,
  });

  const dan = github.addReview("dan", "APPROVED", head);
  const bea = github.addReview("bea", "APPROVED", head);
  const sam = github.addComment("sam", "/approve-level3\n\nReplica count is unaffected.");
  await step("approvals", [events.review(dan), events.review(bea), events.comment(sam)], {
    conclusion: "success",
    title: TITLE.done,
  });

  github.labels = ["architecture"];
  await step("labeled architecture", [events.labeled("architecture")], {
    conclusion: "failure",
    title: "Level 4 — executive approval: 4 of 5 sign-offs",
  });

  // One run per head commit: retries did not create a second one.
  expect(github.checkRuns.filter((r) => r.head_sha === head)).toHaveLength(1);
}

/** A route, and for GraphQL the operation too: each query (`PullRequestSnapshot`, `Blobs`, …) is a call of its own. */
function callOf(req: { route: string; operation?: string }): string {
  return req.route === "POST /graphql"
    ? `${req.route} ${req.operation ?? "(anonymous)"}`
    : req.route;
}

/** The first request of every route (every GraphQL operation) fails once (its retry goes through). */
function oncePerRoute(fault: (req: FaultRequest) => Fault, except: string[] = []) {
  const faulted = new Set<string>();
  return {
    match: () => true,
    times: Infinity,
    fault: (req: FaultRequest) => {
      if (req.attempt > 1 || faulted.has(callOf(req)) || except.includes(req.route))
        return undefined;
      faulted.add(callOf(req));
      return fault(req);
    },
  };
}

const random = prng(20261123);
const TOKEN_EXCHANGE = "POST /app/installations/{installation_id}/access_tokens";
const kinds: [string, (req: FaultRequest) => Fault, string[]][] = [
  ["500 Internal Server Error", () => ({ kind: "status", status: 500 }), []],
  [
    "502 Bad Gateway (HTML body)",
    () => ({
      kind: "status",
      status: 502,
      text: "<html><body><h1>502 Bad Gateway</h1></body></html>",
    }),
    [],
  ],
  // Not on the token exchange: Probot does not retry that one (see permanent-faults.test.ts).
  [
    "secondary rate limit (403, retry-after: 1)",
    () => ({ kind: "secondary-rate-limit", retryAfter: 1 }),
    [TOKEN_EXCHANGE],
  ],
  ["slow responses (1–3 s)", () => ({ kind: "delay", ms: 1000 + Math.floor(random() * 2000) }), []],
  ["connection dropped before the answer", () => ({ kind: "drop", when: "before-response" }), []],
];

describe.concurrent(
  "each route's first request fails once, and the check still ends at the truth",
  () => {
    for (const [name, fault, except] of kinds) {
      it(name, async () => {
        const world = await startWorld(`transient ${name}`);
        try {
          world.github.injectFault(oncePerRoute(fault, except));
          await lifecycle(world);
          // Every kind of call was faulted at least once (reads, writes, GraphQL, the token exchange);
          // with secondary rate limits an evaluation stops at its first fault (not retried), so fewer are reached.
          const routes = new Set(world.github.injected.map(callOf));
          if (except.includes(TOKEN_EXCHANGE)) expect(routes.size).toBeGreaterThanOrEqual(6);
          else
            expect([...routes]).toEqual(
              expect.arrayContaining([
                ...(except.includes(TOKEN_EXCHANGE) ? [] : [TOKEN_EXCHANGE]),
                "GET /repos/{owner}/{repo}/contents/{path}",
                "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
                // The pull request, its reviews, comments, our check run and the blobs, in one query.
                "POST /graphql PullRequestSnapshot",
                "POST /repos/{owner}/{repo}/check-runs",
                "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
              ]),
            );
        } finally {
          counts.addFaults(world.github);
          await world.close();
        }
      });
    }

    it("a random mix of all of them on 30% of the requests (never twice in a row, never the token exchange)", async () => {
      const world = await startWorld("transient chaos");
      const chaos = prng(5);
      try {
        world.github.injectFault({
          match: () => true,
          times: Infinity,
          fault: (req) => {
            if (req.attempt > 1 || req.route === TOKEN_EXCHANGE || chaos() > 0.3) return undefined;
            return kinds[Math.floor(chaos() * kinds.length)]![1](req);
          },
        });
        await lifecycle(world);
        expect(world.github.injected.length).toBeGreaterThanOrEqual(3);
      } finally {
        counts.addFaults(world.github);
        await world.close();
      }
    });
  },
);
