import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { CheckRuns, type CheckOutput, type KnownCheckRun } from "../../src/github/apply.js";
import { readHeadState, withHeadState } from "../../src/github/check-state.js";
import { mockGitHub, setupNock, type GitHubMock } from "../github-support/mock-github.js";

/**
 * `CheckRuns` keeps one `governance` run per head commit: found (on GitHub or
 * in what this process last wrote), updated in place, never duplicated, and
 * never rewritten when nothing changed. Each case here killed a mutant that
 * survived the Stryker run over src/github/apply.ts (docs/mutation-testing.md):
 * a duplicate run, a skipped write that should have been sent, a failing run
 * read back as passing, or two changes to one run writing over each other.
 */

setupNock();

const APP_ID = 4242;
const REPO = { owner: "acme", repo: "chat" };
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const RUNS_ON_HEAD = `/repos/acme/chat/commits/${HEAD}/check-runs`;
const RUN_7001 = "/repos/acme/chat/check-runs/7001";
const octokit = () =>
  new ProbotOctokit({
    auth: { token: "ghs_test" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });

const FAILING: CheckOutput = {
  conclusion: "failure",
  title: "Level 3: waiting for dba-lead",
  summary: "## Level 3\n\nWaiting for a sign-off from dba-lead.",
};

/** GitHub's `governance` run 7001 on HEAD as the REST list returns it. */
function listedRun(
  conclusion: string | null,
  startedAt: string | null = "2026-11-23T10:00:00Z",
  output: Partial<CheckOutput> = FAILING,
) {
  return {
    total_count: 1,
    check_runs: [
      {
        id: 7001,
        name: "governance",
        head_sha: HEAD,
        status: "completed",
        conclusion,
        started_at: startedAt,
        output: {
          title: output.title ?? null,
          summary: output.summary ?? null,
          text: null,
          annotations_count: 0,
        },
      },
    ],
  };
}

/** Every PATCH to run 7001, in order. */
function recordUpdates(gh: GitHubMock, options = { persist: true }) {
  const written: CheckOutput[] = [];
  gh.patch(
    RUN_7001,
    { status: "completed" },
    (call: { body: unknown }) => {
      const body = call.body as {
        conclusion: CheckOutput["conclusion"];
        output: { title: string; summary: string };
      };
      written.push({ conclusion: body.conclusion, ...body.output });
      return { id: 7001 };
    },
    200,
    options,
  );
  return written;
}

describe("writing the run on a head commit", () => {
  it("without the caller's lookup, finds the existing run and updates it, never creating a second", async () => {
    const gh = mockGitHub();
    gh.get(RUNS_ON_HEAD, listedRun("failure"));
    const written = recordUpdates(gh);
    const passing = { ...FAILING, conclusion: "success" as const, title: "Level 3: signed" };

    await new CheckRuns(APP_ID).write(octokit(), REPO, HEAD, passing);

    expect(written).toEqual([passing]);
    expect(gh.count({ method: "POST" })).toBe(0);
  });

  it("sends nothing when conclusion, title and summary are all as GitHub holds them", async () => {
    const gh = mockGitHub();
    const known: KnownCheckRun = { id: 7001, startedAt: "2026-11-23T10:00:00Z", ...FAILING };
    await new CheckRuns(APP_ID).write(octokit(), REPO, HEAD, { ...FAILING }, known);
    expect(gh.calls).toHaveLength(0);
  });

  it.each([
    ["conclusion", { conclusion: "success" as const }],
    ["title", { title: "Level 3: waiting for dba-lead and architect" }],
    ["summary", { summary: `${FAILING.summary}\n\nThe architect was asked too.` }],
  ])("sends the update when only the %s differs", async (_field, change) => {
    const gh = mockGitHub();
    const written = recordUpdates(gh);
    const known: KnownCheckRun = { id: 7001, startedAt: "2026-11-23T10:00:00Z", ...FAILING };
    const output = { ...FAILING, ...change };

    await new CheckRuns(APP_ID).write(octokit(), REPO, HEAD, output, known);

    expect(written).toEqual([output]);
  });
});

describe("reading the run on a head commit", () => {
  it.each([["failure"], ["neutral"], ["action_required"], ["cancelled"], ["timed_out"], [null]])(
    "a run GitHub holds as %s is read as failing: only success passes",
    async (conclusion) => {
      const gh = mockGitHub();
      gh.get(RUNS_ON_HEAD, listedRun(conclusion));
      const run = await new CheckRuns(APP_ID).find(octokit(), REPO, HEAD);
      expect(run?.conclusion).toBe("failure");
    },
  );

  it("a run GitHub holds as success is read as passing, with its start, title and summary", async () => {
    const gh = mockGitHub();
    gh.get(RUNS_ON_HEAD, listedRun("success"));
    expect(await new CheckRuns(APP_ID).find(octokit(), REPO, HEAD)).toEqual({
      id: 7001,
      startedAt: "2026-11-23T10:00:00Z",
      conclusion: "success",
      title: FAILING.title,
      summary: FAILING.summary,
    });
  });

  it("a run without a start is read with an unknown start, never the epoch", async () => {
    // The epoch would date the head's arrival before every command ever posted (head-arrival.ts).
    const gh = mockGitHub();
    gh.get(RUNS_ON_HEAD, listedRun("failure", null));
    const run = await new CheckRuns(APP_ID).find(octokit(), REPO, HEAD);
    expect(run?.startedAt).toBe("");
  });

  it("in one process, a run found once is not looked up again", async () => {
    const gh = mockGitHub();
    gh.get(RUNS_ON_HEAD, listedRun("failure"));
    const checks = new CheckRuns(APP_ID);
    const first = await checks.find(octokit(), REPO, HEAD);
    const second = await checks.find(octokit(), REPO, HEAD);
    expect(second).toEqual(first);
    expect(gh.count({ path: RUNS_ON_HEAD })).toBe(1);
  });

  it("in one process, a run a snapshot showed is remembered: no lookup after", async () => {
    const gh = mockGitHub();
    const checks = new CheckRuns(APP_ID);
    const seen: KnownCheckRun = { id: 7001, startedAt: "2026-11-23T10:00:00Z", ...FAILING };
    expect(await checks.find(octokit(), REPO, HEAD, seen)).toEqual(seen);
    expect(await checks.find(octokit(), REPO, HEAD)).toEqual(seen);
    expect(gh.calls).toHaveLength(0);
  });

  it("with replicas, every read goes to GitHub: another replica may have written since", async () => {
    const gh = mockGitHub();
    gh.get(RUNS_ON_HEAD, listedRun("failure"));
    gh.get(RUNS_ON_HEAD, listedRun("success"));
    const replica = new CheckRuns(APP_ID, false);
    expect(replica.replicated).toBe(true);
    expect(new CheckRuns(APP_ID).replicated).toBe(false);
    expect((await replica.find(octokit(), REPO, HEAD))?.conclusion).toBe("failure");
    expect((await replica.find(octokit(), REPO, HEAD))?.conclusion).toBe("success");
    expect(gh.count({ path: RUNS_ON_HEAD })).toBe(2);
  });
});

describe("changes to one commit's run", () => {
  /** This pull request's conclusion added to the run's state line; failing when any entry fails. */
  const adding =
    (pr: number, conclusion: CheckOutput["conclusion"], order: string[], wait?: Promise<void>) =>
    async (current: KnownCheckRun | undefined): Promise<CheckOutput> => {
      order.push(`build #${pr}`);
      await wait;
      const state = readHeadState(current?.summary) ?? { prs: {} };
      state.prs[String(pr)] = { conclusion };
      const failing = Object.values(state.prs).some((p) => p.conclusion === "failure");
      return {
        conclusion: failing ? "failure" : "success",
        title: `#${pr} judged`,
        summary: withHeadState(`#${pr} judged`, state),
      };
    };

  it("a third change queued after the first finished still waits for the second", async () => {
    const gh = mockGitHub();
    const order: string[] = [];
    gh.post("/repos/acme/chat/check-runs", { name: "governance", head_sha: HEAD }, () => {
      order.push("create");
      return { id: 7001, started_at: "2026-11-23T10:00:00Z" };
    });
    const written = recordUpdates(gh);
    const checks = new CheckRuns(APP_ID);
    let releaseSecond!: () => void;
    const second = new Promise<void>((resolve) => (releaseSecond = resolve));

    const one = checks.change(octokit(), REPO, HEAD, null, adding(1, "failure", order));
    const two = checks.change(octokit(), REPO, HEAD, null, adding(2, "success", order, second));
    await one;
    // Let the first turn's bookkeeping run: it must not forget the second turn is still going.
    await new Promise((resolve) => setImmediate(resolve));
    const three = checks.change(octokit(), REPO, HEAD, null, adding(3, "success", order));
    await new Promise((resolve) => setImmediate(resolve));
    releaseSecond();
    await Promise.all([two, three]);

    expect(order).toEqual(["build #1", "create", "build #2", "build #3"]);
    expect(written).toHaveLength(2);
    expect(readHeadState(written.at(-1)!.summary)?.prs).toEqual({
      "1": { conclusion: "failure" },
      "2": { conclusion: "success" },
      "3": { conclusion: "success" },
    });
  });
});
