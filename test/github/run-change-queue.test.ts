import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { CheckRuns, type CheckOutput, type KnownCheckRun } from "../../src/github/apply.js";
import { readHeadState, withHeadState } from "../../src/github/check-state.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";

/**
 * Changes to one commit's run take turns in a process (`CheckRuns.change`).
 * A turn that fails, while reading the run, building its output or writing
 * it, must not hold the turns behind it for good (every pull request on the
 * commit would wait forever), and must write nothing it did not read: with
 * replicas, a change that cannot read the run as GitHub holds it now writes
 * nothing rather than a copy an evaluation read earlier.
 */

setupNock();

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

/** This pull request's conclusion added to the run's state line; failing when any entry fails. */
const adding =
  (pr: number, conclusion: CheckOutput["conclusion"]) =>
  async (current: KnownCheckRun | undefined): Promise<CheckOutput> => {
    const state = readHeadState(current?.summary) ?? { prs: {} };
    state.prs[String(pr)] = { conclusion };
    const failing = Object.values(state.prs).some((p) => p.conclusion === "failure");
    return {
      conclusion: failing ? "failure" : "success",
      title: `#${pr} judged`,
      summary: withHeadState(`#${pr} judged`, state),
    };
  };

/** GitHub's run 7001 on HEAD, created by the first write; every write recorded. */
function githubWithOneRun(gh: ReturnType<typeof mockGitHub>) {
  const written: { conclusion: string; summary: string }[] = [];
  const record = (call: { body: unknown }) => {
    const body = call.body as { conclusion: string; output: { summary: string } };
    written.push({ conclusion: body.conclusion, summary: body.output.summary });
  };
  gh.post(
    "/repos/acme/chat/check-runs",
    { name: "governance", head_sha: HEAD },
    (call: { body: unknown }) => {
      record(call);
      return { id: 7001, started_at: "2026-11-23T10:00:00Z" };
    },
    201,
    { optional: true },
  );
  gh.patch(
    "/repos/acme/chat/check-runs/7001",
    undefined,
    (call: { body: unknown }) => {
      record(call);
      return { id: 7001 };
    },
    200,
    { persist: true, optional: true },
  );
  return written;
}

describe("a change to a commit's run that fails", () => {
  it("while building its output, lets the next change to the commit take its turn", async () => {
    const gh = mockGitHub();
    const written = githubWithOneRun(gh);
    const checks = new CheckRuns(APP_ID);
    await checks.change(octokit(), REPO, HEAD, null, adding(1, "failure"));

    const broken = checks.change(octokit(), REPO, HEAD, null, async () => {
      throw new Error("the base policy could not be read");
    });
    const next = checks.change(octokit(), REPO, HEAD, null, adding(2, "success"));
    await expect(broken).rejects.toThrow("the base policy could not be read");
    await next;

    expect(written.map((w) => w.conclusion)).toEqual(["failure", "failure"]);
    expect(readHeadState(written.at(-1)!.summary)?.prs).toEqual({
      "1": { conclusion: "failure" },
      "2": { conclusion: "success" },
    });
  });

  it("while writing (GitHub refused it), lets the next one write, built on the run GitHub still holds", async () => {
    const gh = mockGitHub();
    gh.post(
      "/repos/acme/chat/check-runs",
      { name: "governance", head_sha: HEAD },
      { message: "Server Error" },
      502,
    );
    const written = githubWithOneRun(gh);
    const checks = new CheckRuns(APP_ID);

    const refused = checks.change(octokit(), REPO, HEAD, null, adding(1, "failure"));
    const next = checks.change(octokit(), REPO, HEAD, null, adding(2, "success"));
    await expect(refused).rejects.toMatchObject({ status: 502 });
    await next;

    // Not built on what the refused write would have written: GitHub never held it.
    expect(written).toHaveLength(1);
    expect(readHeadState(written[0]!.summary)?.prs).toEqual({ "2": { conclusion: "success" } });
  });

  it("on a replica, while reading the run, writes nothing, and the next change still reads it", async () => {
    const gh = mockGitHub();
    const onGitHub = withHeadState("#1 judged", { prs: { "1": { conclusion: "failure" } } });
    gh.get(RUNS_ON_HEAD, { message: "Server Error" }, 502);
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
    const written = githubWithOneRun(gh);
    const replica = new CheckRuns(APP_ID, false);
    // The caller read the commit before #1's run was written: its copy must not be written back.
    const unread = replica.change(octokit(), REPO, HEAD, null, adding(2, "success"));
    const next = replica.change(octokit(), REPO, HEAD, null, adding(3, "success"));
    await expect(unread).rejects.toMatchObject({ status: 502 });
    await next;

    expect(written).toHaveLength(1);
    expect(written[0]!.conclusion).toBe("failure");
    expect(readHeadState(written[0]!.summary)?.prs).toEqual({
      "1": { conclusion: "failure" },
      "3": { conclusion: "success" },
    });
  });
});
