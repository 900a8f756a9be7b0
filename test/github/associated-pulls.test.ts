import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { readHeadState } from "../../src/github/check-state.js";
import { readSnapshot } from "../../src/github/snapshot.js";
import type { GitHub } from "../../src/github/types.js";
import { answerGraphql } from "../github-support/graphql-world.js";
import { mockGitHub, setupNock, type RecordedCall } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, README_FILE, RepoWorld } from "../github-support/repo-world.js";
import { DEFAULT_PR, prPayload } from "../github-support/webhooks.js";

/**
 * The check run belongs to the head commit and is held to the strictest of
 * every open pull request GitHub associates with that commit. Anyone can open
 * pull requests on a commit, so that list is read whole: a failing pull
 * request past its first page must hold the check as one on the first does,
 * and a list too long to read fails the check instead of passing it unseen.
 */

setupNock();

const REPO = { owner: "acme", repo: "chat" };
const { headSha: HEAD, number: PR } = DEFAULT_PR;

function octokit(): GitHub {
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  return new Octokit({ auth: { token: "ghs_test" } }) as unknown as GitHub;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- REST JSON
function pull(number: number, state: "open" | "closed" = "open"): Record<string, any> {
  const pr = prPayload("pull_request", "opened", { number, author: "octocat" })
    .pull_request as unknown as Record<string, unknown>;
  return { ...pr, state, requested_reviewers: [], requested_teams: [], changed_files: 1 };
}

/**
 * GitHub's answer for pull request #PR whose head commit is also the head of
 * `others` (pull request numbers; GitHub lists the closed ones too), oldest first.
 */
function serve(others: { number: number; state?: "open" | "closed" }[]) {
  const gh = mockGitHub();
  const self = pull(PR);
  const sameHead = [self, ...others.map((o) => pull(o.number, o.state))];
  gh.graphql(
    () => true,
    (call: RecordedCall) =>
      answerGraphql(call.body as { query: string }, {
        pullRequest: (owner, repo, number) =>
          owner === REPO.owner && repo === REPO.repo && number === PR
            ? { pull: self, sameHead }
            : undefined,
      }),
    { persist: true },
  );
  return gh;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe("the pull requests sharing a head commit", () => {
  it("are read in the snapshot query alone when GitHub lists them on one page", async () => {
    const gh = serve(range(100, 90).map((number) => ({ number })));
    const snap = await readSnapshot(octokit(), REPO, PR);
    expect(snap.siblings).toEqual(range(100, 90));
    expect(gh.count({ kind: "graphql" })).toBe(1);
  });

  it("are followed past GitHub's first page, closed ones left out", async () => {
    // 119 open pull requests listed before the failing one, 30 closed between them.
    const others = [
      ...range(100, 119).map((number) => ({ number })),
      ...range(300, 30).map((number) => ({ number, state: "closed" as const })),
      { number: 999 },
    ];
    const gh = serve(others);
    const snap = await readSnapshot(octokit(), REPO, PR);
    expect(snap.siblings).toEqual([...range(100, 119), 999]);
    // 151 associated pull requests: the snapshot's page of 100 and one more.
    expect(gh.count({ kind: "graphql" })).toBe(2);
  });

  it("fail the evaluation, naming the cause and the fix, when there are more than the gate reads", async () => {
    const gh = serve(range(100, 1100).map((number) => ({ number })));
    await expect(readSnapshot(octokit(), REPO, PR)).rejects.toThrow(
      `GitHub associates more than 1100 pull requests with head commit ${HEAD.slice(0, 7)}, more than the gate reads; one of them may fail its governance check, and the check run belongs to the commit, so this pull request's check fails. Fix: push a commit of its own to this pull request's branch, or close the other pull requests opened on this commit`,
    );
    // The snapshot and ten more pages, then no further call.
    expect(gh.count({ kind: "graphql" })).toBe(11);
  });
});

describe("a failing pull request listed after twenty others on the same commit", () => {
  it("holds the commit's check, though only a passing one's delivery arrived", async () => {
    const COMMIT = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
    const world = new RepoWorld(mockGitHub(), {
      policy: CHAT_POLICY,
      appId: 4242,
      now: new Date("2026-11-23T10:00:00Z"),
    });
    const receive = appOn(world);
    // Opened while the app was not installed: twenty-one README pull requests, then a DROP COLUMN.
    for (const number of range(1, 21))
      world.openPull({ number, head: COMMIT, baseRef: `scratch-${number}`, files: [README_FILE] });
    world.openPull({ number: 22, head: COMMIT, baseRef: "main", files: [migrationFile(COMMIT)] });

    await receive(world.event("pull_request", "opened", 1));

    const check = world.checkOn(COMMIT)!;
    expect(check.conclusion).toBe("failure");
    expect(readHeadState(check.summary)?.prs["22"]?.conclusion).toBe("failure");
    expect(world.written.filter((w) => w.conclusion === "success")).toEqual([]);
  });
});

describe("a commit with more pull requests than the gate reads", () => {
  it("fails the check, saying why and what to do", async () => {
    const COMMIT = "b2c3d4e5f60718293a4b5c6d7e8f901234567890";
    const world = new RepoWorld(mockGitHub(), {
      policy: CHAT_POLICY,
      appId: 4242,
      now: new Date("2026-11-23T10:00:00Z"),
    });
    const receive = appOn(world);
    for (const number of range(1, 1101))
      world.openPull({ number, head: COMMIT, baseRef: `scratch-${number}`, files: [README_FILE] });

    await receive(world.event("pull_request", "opened", 1));

    const check = world.checkOn(COMMIT)!;
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("Governance could not be evaluated");
    expect(check.summary).toContain(
      `Cause: GitHub associates more than 1100 pull requests with head commit ${COMMIT.slice(0, 7)}, more than the gate reads;`,
    );
    expect(check.summary).toContain("Fix: push a commit of its own to this pull request's branch");
    expect(world.written.filter((w) => w.conclusion === "success")).toEqual([]);
  });
});
