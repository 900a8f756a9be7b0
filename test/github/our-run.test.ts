import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import {
  CheckRuns,
  ourRunOn,
  type CheckOutput,
  type KnownCheckRun,
} from "../../src/github/apply.js";
import { readHeadState, withHeadState } from "../../src/github/check-state.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";

setupNock();

/**
 * Two replicas racing on a new head can each create a `governance` run. GitHub
 * shows the newest, so that is the run every later decision must update: if an
 * older one were updated, a stale green newest run would stand. The oldest one's
 * start is when the head first arrived. GitHub lists runs in no promised order.
 * (A survivor of the Stryker run over src/github/apply.ts: without the sort the
 * run updated was whichever GitHub listed last.)
 */
const run = (id: number, startedAt: string, conclusion: "success" | "failure"): KnownCheckRun => ({
  id,
  startedAt,
  conclusion,
  title: conclusion === "success" ? "Level 3: all sign-offs in" : "Level 3: waiting for dba-lead",
  summary: "",
});

describe("our run on a head commit", () => {
  const older = run(7001, "2026-11-23T10:00:00Z", "failure");
  const newer = run(7002, "2026-11-23T10:00:03Z", "success");

  it("is the newest run, dated from the oldest, whichever order GitHub lists them in", () => {
    for (const listed of [
      [older, newer],
      [newer, older],
    ]) {
      expect(ourRunOn(listed)).toEqual({ ...newer, startedAt: older.startedAt });
    }
  });

  it("of two runs started in the same second, the one GitHub numbered later is the newest", () => {
    const twin = run(7003, older.startedAt, "success");
    expect(ourRunOn([twin, older])?.id).toBe(7003);
    expect(ourRunOn([older, twin])?.id).toBe(7003);
  });

  it("is none when there is no run", () => {
    expect(ourRunOn([])).toBeUndefined();
  });
});

/**
 * A change to a commit's run is built on the run as it is when it is written,
 * not as an evaluation read it: GitHub replaces a run's output whole, with no
 * conditional update, so a change built on an older copy would write that copy
 * back over another pull request's conclusion on the state line.
 */
describe("changing our run on a head commit", () => {
  const APP_ID = 4242;
  const REPO = { owner: "acme", repo: "chat" };
  const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
  const RUNS_ON_HEAD = `/repos/acme/chat/commits/${HEAD}/check-runs`;
  const octokit = () =>
    new ProbotOctokit({
      auth: { token: "ghs_test" },
      retry: { enabled: false },
      throttle: { enabled: false },
    });

  /** This pull request's conclusion added to the state line of `current`; failing when any entry fails. */
  const adding =
    (pr: number, conclusion: CheckOutput["conclusion"], seenBy: (string | undefined)[]) =>
    async (current: KnownCheckRun | undefined): Promise<CheckOutput> => {
      seenBy.push(current?.summary);
      const state = readHeadState(current?.summary) ?? { prs: {} };
      state.prs[String(pr)] = { conclusion };
      const failing = Object.values(state.prs).some((p) => p.conclusion === "failure");
      return {
        conclusion: failing ? "failure" : "success",
        title: `#${pr} judged`,
        summary: withHeadState(`#${pr} judged`, state),
      };
    };

  function githubWithOneRun(gh: ReturnType<typeof mockGitHub>) {
    const written: { conclusion: string; summary: string }[] = [];
    gh.post(
      "/repos/acme/chat/check-runs",
      { name: "governance", head_sha: HEAD },
      (call: { body: unknown }) => {
        const body = call.body as { conclusion: string; output: { summary: string } };
        written.push({ conclusion: body.conclusion, summary: body.output.summary });
        return { id: 7001, started_at: "2026-11-23T10:00:00Z" };
      },
      201,
      { optional: true },
    );
    gh.patch(
      "/repos/acme/chat/check-runs/7001",
      undefined,
      (call: { body: unknown }) => {
        const body = call.body as { conclusion: string; output: { summary: string } };
        written.push({ conclusion: body.conclusion, summary: body.output.summary });
        return { id: 7001 };
      },
      200,
      { persist: true },
    );
    return written;
  }

  it("in one process, a second change to the same commit is built on what the first wrote", async () => {
    const gh = mockGitHub();
    const written = githubWithOneRun(gh);
    const checks = new CheckRuns(APP_ID);
    const seenBy: (string | undefined)[] = [];
    let letFirstFinish!: () => void;
    const firstMayFinish = new Promise<void>((resolve) => (letFirstFinish = resolve));
    // Both evaluations read the commit as having no run; the first is still building its output.
    const first = checks.change(octokit(), REPO, HEAD, null, async (current) => {
      await firstMayFinish;
      return adding(1, "failure", seenBy)(current);
    });
    const second = checks.change(octokit(), REPO, HEAD, null, adding(2, "success", seenBy));
    letFirstFinish();
    await Promise.all([first, second]);

    expect(seenBy[0]).toBeUndefined();
    expect(readHeadState(seenBy[1])?.prs).toEqual({ "1": { conclusion: "failure" } });
    expect(written.map((w) => w.conclusion)).toEqual(["failure", "failure"]);
    expect(readHeadState(written.at(-1)!.summary)?.prs).toEqual({
      "1": { conclusion: "failure" },
      "2": { conclusion: "success" },
    });
    // No lookup: this process wrote the run, so it knows it as it is.
    expect(gh.count({ path: RUNS_ON_HEAD })).toBe(0);
  });

  it("with replicas, a change reads the run from GitHub just before writing it, whatever the caller saw", async () => {
    const gh = mockGitHub();
    const written = githubWithOneRun(gh);
    const onGitHub = withHeadState("#1 judged", { prs: { "1": { conclusion: "failure" } } });
    gh.get(RUNS_ON_HEAD, {
      total_count: 1,
      check_runs: [
        {
          id: 7001,
          name: "governance",
          head_sha: HEAD,
          status: "completed",
          conclusion: "failure",
          started_at: "2026-11-23T10:00:00Z",
          output: { title: "#1 judged", summary: onGitHub, text: null, annotations_count: 0 },
        },
      ],
    });
    const replica = new CheckRuns(APP_ID, false);
    const seenBy: (string | undefined)[] = [];
    // The caller read the commit when it had no run yet; another replica has written one since.
    await replica.change(octokit(), REPO, HEAD, null, adding(2, "success", seenBy));

    expect(seenBy).toEqual([onGitHub]);
    expect(written).toHaveLength(1);
    expect(written[0]!.conclusion).toBe("failure");
    expect(readHeadState(written[0]!.summary)?.prs).toEqual({
      "1": { conclusion: "failure" },
      "2": { conclusion: "success" },
    });
    expect(gh.count({ path: RUNS_ON_HEAD })).toBe(1);
  });
});
