import { describe, expect, it } from "vitest";
import { readHeadState } from "../../src/github/check-state.js";
import { mockGitHub, setupNock, type RecordedCall } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, README_FILE, RepoWorld } from "../github-support/repo-world.js";

/**
 * The run on a commit records every pull request judged there on the first
 * line of its summary (src/github/check-state.ts), and GitHub refuses a
 * summary over 65,535 characters. Anyone who can open pull requests can open
 * hundreds on one commit, into branches whose names run to GitHub's 250
 * characters: the line must never outgrow the summary. Were it cut to fit,
 * every conclusion on it would be forgotten, a failing pull request's
 * included, and the next pull request to pass would turn the commit green.
 */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const LIMIT = 65_535;

/** GitHub's answer to a check run whose summary is over its limit: 422, nothing written. */
function refusingOversizedSummaries(gh: ReturnType<typeof mockGitHub>) {
  const oversized = (body: unknown) =>
    ((body as { output?: { summary?: string } }).output?.summary?.length ?? 0) > LIMIT;
  const refusal = (call: RecordedCall) => ({
    message: `Invalid request.\n\nOnly ${LIMIT} characters are allowed in output.summary (${call.path}).`,
    documentation_url: "https://docs.github.com/rest/checks/runs#update-a-check-run",
    status: "422",
  });
  gh.post("/repos/acme/chat/check-runs", oversized, refusal, 422, {
    optional: true,
    persist: true,
  });
  for (let id = 1; id <= 20; id++)
    gh.patch(`/repos/acme/chat/check-runs/${id}`, oversized, refusal, 422, {
      optional: true,
      persist: true,
    });
}

function world() {
  const gh = mockGitHub();
  refusingOversizedSummaries(gh);
  const w = new RepoWorld(gh, {
    policy: CHAT_POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  return { world: w, receive: appOn(w) };
}

/** A branch name as long as GitHub allows (250 characters). */
const longBranch = (n: number) => `scratch/${String(n).padStart(4, "0")}-${"x".repeat(237)}`;

/** Pull requests #from… on HEAD, README only, each into its own long-named branch, opened one by one. */
async function flood(
  w: RepoWorld,
  receive: ReturnType<typeof appOn>,
  from: number,
  count: number,
  options: { unassociated?: boolean } = {},
) {
  for (let n = from; n < from + count; n++) {
    w.openPull({ number: n, head: HEAD, baseRef: longBranch(n), files: [README_FILE] });
    if (options.unassociated) w.unassociated.add(n);
    await receive(w.event("pull_request", "opened", n));
  }
}

describe("a commit shared by more pull requests than its run's state line holds", () => {
  it("keeps a failing pull request's failure however many passing ones follow it (a head GitHub does not associate)", async () => {
    const { world: w, receive } = world();
    // A head already on the default branch: GitHub associates no pull request with it, so the
    // state line is all that holds #1's failure against the others.
    w.openPull({ number: 1, head: HEAD, baseRef: "release", files: [migrationFile(HEAD)] });
    w.unassociated.add(1);
    await receive(w.event("pull_request", "opened", 1));
    expect(w.checkOn(HEAD)?.conclusion).toBe("failure");

    // 225 entries of ~330 characters: more than a summary can hold. (Cut to fit, the line
    // was forgotten at the 212th, and the 213th pull request turned the commit green.)
    await flood(w, receive, 2, 225, { unassociated: true });

    const check = w.checkOn(HEAD)!;
    expect(check.conclusion).toBe("failure");
    expect(check.summary).toContain("#1 (into `release`) fails its governance check");
    expect(readHeadState(check.summary)?.prs["1"]).toMatchObject({
      conclusion: "failure",
      base: "release",
    });
    expect(w.runs.every((r) => r.summary.length <= LIMIT)).toBe(true);
  }, 120_000);

  it("fails, saying why, when the pull requests GitHub associates with it cannot all be recorded", async () => {
    const { world: w, receive } = world();
    await flood(w, receive, 2, 110);
    w.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
    await receive(w.event("pull_request", "opened", 1));

    const check = w.checkOn(HEAD)!;
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("More pull requests share this commit than its check can record");
    expect(check.summary).toContain("Fix: give each pull request its own head commit");
    expect(readHeadState(check.summary)?.prs["1"]).toMatchObject({
      conclusion: "failure",
      base: "main",
    });
    expect(w.runs.every((r) => r.summary.length <= LIMIT)).toBe(true);
  }, 120_000);
});
