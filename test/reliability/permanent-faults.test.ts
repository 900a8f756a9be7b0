/**
 * Faults that do not go away, against the real server process. Once Probot's
 * retries are spent the check must fail closed — "Governance could not be
 * evaluated", with the cause — and never pass; a pass written earlier must be
 * overwritten, not left standing. When the fault lifts, the next event brings the
 * check back to the truth.
 *
 * Also here: responses cut off in the middle of their body (the connection
 * dropped after a 200 and half the JSON). @octokit/request alone reads such a
 * body as "" (an empty file list, an empty policy); the app's client
 * (wholeBodyFetch in src/github/octokit.ts) must turn it into an error that is
 * retried, so the check never rests on half an answer.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { Fault, FaultRequest } from "../e2e/fake-github.js";
import {
  counters,
  latestRun,
  oracle,
  settle,
  sleep,
  startWorld,
  TITLE,
  verdictOf,
  writesOn,
  type World,
} from "./harness.js";

const counts = counters("permanent-faults");
afterAll(() => counts.save());

async function deliver(
  world: World,
  ...events: { name: string; payload: object }[]
): Promise<void> {
  const sent = await Promise.all(events.map((e) => world.server.deliver(e.name, e.payload)));
  counts.eventsDelivered += sent.length;
  await settle(
    world,
    sent.map((s) => s.id),
    { timeoutMs: 90_000 },
  );
}

async function withWorld(name: string, run: (world: World) => Promise<void>): Promise<void> {
  const world = await startWorld(name);
  try {
    await run(world);
  } finally {
    counts.addFaults(world.github);
    await world.close();
  }
}

/** No write on the head claimed success (from the `since`-th write on: the ones made while a fault held). */
function noSuccessOn(world: World, since = 0): void {
  const head = world.github.seed.pull.headSha;
  expect(
    writesOn(world.github, head)
      .slice(since)
      .filter((w) => w.conclusion === "success"),
  ).toEqual([]);
}

function failedClosed(world: World, cause: RegExp): void {
  const run = latestRun(world.github, world.github.seed.pull.headSha);
  expect(verdictOf(run)).toEqual({ conclusion: "failure", title: TITLE.couldNotEvaluate });
  expect(run?.output.summary).toMatch(cause);
  expect(run?.output.summary).toContain("re-run the `governance` check");
}

const permanent = (match: string | ((req: FaultRequest) => boolean), fault: Fault) => ({
  match,
  fault,
  times: Infinity,
});
/** The app's one read of a pull request: itself, its reviews, comments, team members and our check run, over GraphQL. */
const snapshotQuery = (req: FaultRequest) =>
  req.route === "POST /graphql" && req.operation === "PullRequestSnapshot";

describe.concurrent("permanent faults fail closed, and the check recovers when they lift", () => {
  it("500 on every read of the file list", async () => {
    await withWorld("permanent files 500", async (world) => {
      const { github, events } = world;
      const fault = github.injectFault(
        permanent("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
          kind: "status",
          status: 500,
        }),
      );
      await deliver(world, events.pullRequest("opened"));
      failedClosed(world, /Cause: Internal Server Error/);
      // Probot retried before giving up: the first try and three retries.
      expect(fault.hits).toBe(4);
      noSuccessOn(world);

      fault.remove();
      await deliver(world, events.checkRunRerequested());
      expect(verdictOf(latestRun(github, github.seed.pull.headSha))).toEqual(await oracle(github));
      expect(github.checkRuns).toHaveLength(1);
    });
  });

  it("a passing check is overwritten when GitHub keeps failing (502 on the snapshot query that reads reviews and comments)", async () => {
    await withWorld("permanent reviews 502", async (world) => {
      const { github, events } = world;
      const head = github.seed.pull.headSha;
      await deliver(world, events.pullRequest("opened"));
      const reviews = ["dan", "bea", "sam"].map((login) =>
        github.addReview(login, "APPROVED", head),
      );
      await deliver(world, events.review(reviews[2]!));
      expect(verdictOf(latestRun(github, head))).toEqual({
        conclusion: "success",
        title: TITLE.done,
      });

      const html = {
        kind: "status",
        status: 502,
        text: "<html><body><h1>502 Bad Gateway</h1></body></html>",
      } as const;
      const onSnapshot = github.injectFault(permanent(snapshotQuery, html));
      // Someone else reviews: the app must re-evaluate, cannot, and must not leave the pass standing.
      const late = github.addReview(
        "tara",
        "COMMENTED",
        head,
        "Looks fine from the architecture side.",
      );
      await deliver(world, events.review(late));
      failedClosed(world, /Cause: .*502 Bad Gateway/s);
      // Probot retried before giving up: the first try and three retries.
      expect(onSnapshot.hits).toBeGreaterThanOrEqual(4);

      onSnapshot.remove();
      await deliver(world, events.checkRunRerequested());
      expect(verdictOf(latestRun(github, head))).toEqual({
        conclusion: "success",
        title: TITLE.done,
      });
    });
  });

  it("every connection to GraphQL dropped before the answer", async () => {
    await withWorld("permanent graphql drop", async (world) => {
      const { github, events } = world;
      const fault = github.injectFault(
        permanent("POST /graphql", { kind: "drop", when: "before-response" }),
      );
      await deliver(world, events.pullRequest("opened"));
      failedClosed(world, /Cause: /);
      expect(fault.hits).toBe(4);
      noSuccessOn(world);
      fault.remove();
      await deliver(world, events.checkRunRerequested());
      expect(verdictOf(latestRun(github, github.seed.pull.headSha))).toEqual({
        conclusion: "failure",
        title: TITLE.open,
      });
    });
  });

  it("the policy cannot be read (500), even with three approvals in place", async () => {
    await withWorld("permanent policy 500", async (world) => {
      const { github, events } = world;
      const head = github.seed.pull.headSha;
      ["dan", "bea", "sam"].forEach((login) => github.addReview(login, "APPROVED", head));
      const fault = github.injectFault(
        permanent("GET /repos/{owner}/{repo}/contents/{path}", { kind: "status", status: 500 }),
      );
      await deliver(world, events.checkRunRerequested());
      failedClosed(world, /Cause: Internal Server Error/);
      expect(fault.hits).toBe(4);
      noSuccessOn(world);
      fault.remove();
      await deliver(world, events.checkRunRerequested());
      expect(verdictOf(latestRun(github, head))).toEqual({
        conclusion: "success",
        title: TITLE.done,
      });
    });
  });

  it("a secondary rate limit that does not lift (403, retry-after: 1) on the snapshot query (check-run lookup, reviews)", async () => {
    await withWorld("permanent secondary rate limit", async (world) => {
      const { github, events } = world;
      const head = github.seed.pull.headSha;
      ["dan", "bea", "sam"].forEach((login) => github.addReview(login, "APPROVED", head));
      await deliver(world, events.pullRequest("opened"));
      // "opened" reads the reviews in its snapshot: the check already passes, truthfully.
      expect(verdictOf(latestRun(github, head))).toEqual({
        conclusion: "success",
        title: TITLE.done,
      });
      const before = writesOn(github, head).length;
      const limited = github.injectFault(
        permanent(snapshotQuery, { kind: "secondary-rate-limit", retryAfter: 1 }),
      );
      await deliver(world, events.review(github.reviews[0]!));
      // The pass must not stand while GitHub cannot be read.
      failedClosed(world, /secondary rate limit/);
      expect(limited.hits).toBeGreaterThanOrEqual(1);
      noSuccessOn(world, before);
      limited.remove();
      await deliver(world, events.checkRunRerequested());
      expect(verdictOf(latestRun(github, head))).toEqual({
        conclusion: "success",
        title: TITLE.done,
      });
    });
  });

  it("the installation token cannot be obtained (500): nothing is written, so the required check stays missing, never passing", async () => {
    await withWorld("permanent token 500", async (world) => {
      const { github, events, server } = world;
      const fault = github.injectFault(
        permanent("POST /app/installations/{installation_id}/access_tokens", {
          kind: "status",
          status: 500,
        }),
      );
      // Probot keeps retrying the exchange with growing pauses (1, 4, 9, 25 s …): watch it for 12 s.
      void server
        .deliver("pull_request", events.pullRequest("opened").payload)
        .catch(() => undefined);
      counts.eventsDelivered++;
      await sleep(12_000);
      expect(fault.hits).toBeGreaterThanOrEqual(3);
      expect(github.checkRuns).toEqual([]);
      expect(
        github.requests.filter(
          (r) => r.route !== "POST /app/installations/{installation_id}/access_tokens",
        ),
      ).toEqual([]);

      fault.remove();
      const again = await server.deliver("pull_request", events.pullRequest("reopened").payload);
      counts.eventsDelivered++;
      await settle(world, [again.id]);
      expect(verdictOf(latestRun(github, github.seed.pull.headSha))).toEqual({
        conclusion: "failure",
        title: TITLE.open,
      });
    });
  });
});

describe.concurrent(
  "responses cut off mid-body (connection dropped after the headers and half the JSON)",
  () => {
    it("the file list: never a pass for a change the app could not see whole", async () => {
      await withWorld("truncated files", async (world) => {
        const { github, events } = world;
        const head = github.seed.pull.headSha;
        const cut = github.injectFault({
          match: "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
          fault: { kind: "drop", when: "mid-response" },
        });
        await deliver(world, events.pullRequest("opened"));
        const truth = await oracle(github);
        expect(truth).toEqual({ conclusion: "failure", title: TITLE.open });
        // A cut-off body read as "no files" would pass the destructive migration at level 1.
        expect(
          writesOn(github, head).filter((w) => w.conclusion === "success"),
          "a success written after the file list was cut off",
        ).toEqual([]);
        // The truncation was retried, so the check is the truth, not a fail-closed "could not be evaluated".
        expect(verdictOf(latestRun(github, head)), "after the file list was cut off").toEqual(
          truth,
        );
        expect(cut.hits, "the file list was cut off once").toBe(1);

        // Nothing half-read was cached: the next event on the same head still sees the whole change.
        const dan = github.addReview("dan", "APPROVED", head);
        await deliver(world, events.review(dan));
        expect(verdictOf(latestRun(github, head)), "on the next event").toEqual(
          await oracle(github),
        );
        noSuccessOn(world);
      });
    });

    it("the policy: a cut-off read must not stick once GitHub answers whole again", async () => {
      await withWorld("truncated policy", async (world) => {
        const { github, events } = world;
        const head = github.seed.pull.headSha;
        const cut = github.injectFault({
          match: "GET /repos/{owner}/{repo}/contents/{path}",
          fault: { kind: "drop", when: "mid-response" },
        });
        await deliver(world, events.pullRequest("opened"));
        noSuccessOn(world);
        expect(cut.hits, "the policy was cut off once").toBe(1);
        // A cut-off policy read as "" would be an empty (invalid) policy, and cached for the base commit.
        await deliver(world, events.checkRunRerequested());
        const truth = await oracle(github);
        expect(truth).toEqual({ conclusion: "failure", title: TITLE.open });
        expect(verdictOf(latestRun(github, head)), "once GitHub answers whole again").toEqual(
          truth,
        );
        noSuccessOn(world);
      });
    });
  },
);
