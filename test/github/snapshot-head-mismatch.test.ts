import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { readHeadState } from "../../src/github/check-state.js";
import { readSnapshot } from "../../src/github/snapshot.js";
import type { GitHub } from "../../src/github/types.js";
import { answerGraphql } from "../github-support/graphql-world.js";
import { mockGitHub, setupNock, type RecordedCall } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import {
  appOn,
  CHAT_POLICY,
  OWNER,
  README_FILE,
  REPO_NAME,
  RepoWorld,
} from "../github-support/repo-world.js";
import { prPayload } from "../github-support/webhooks.js";

/**
 * The check run belongs to the head commit and is held to the strictest of
 * every open pull request on it; which ones share it is read from the head
 * commit as GitHub's answer lists it. An answer whose last commit is not the
 * pull request's head (a push landing between its fields, or GitHub's data out
 * of step) says nothing about who shares the head: it must fail the check,
 * saying why and what to do, never pass it as if the pull request were alone.
 * Likewise a list of our runs cut short must not hide the newest one, the run
 * GitHub shows.
 */

setupNock();

const APP_ID = 4242;
const COMMIT = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const PARENT = "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432";

/**
 * #1 (a README into a scratch branch) and #2 (a DROP COLUMN into main) share
 * COMMIT; #2 was opened while the app was not installed, so only #1's
 * delivery arrives.
 */
function sharedCommit() {
  const world = new RepoWorld(mockGitHub(), {
    policy: CHAT_POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  const receive = appOn(world);
  const readme = world.openPull({
    number: 1,
    head: COMMIT,
    baseRef: "scratch",
    files: [README_FILE],
  });
  world.openPull({ number: 2, head: COMMIT, baseRef: "main", files: [migrationFile(COMMIT)] });
  return { world, receive, readme };
}

const commit = (sha: string, parent: string) => ({
  sha,
  author: { login: "octocat" },
  committer: { login: "octocat" },
  parents: [{ sha: parent }],
});

describe("a snapshot whose last commit is not the pull request's head", () => {
  it("fails the check, saying why and what to do, though the pull request alone would pass", async () => {
    const { world, receive, readme } = sharedCommit();
    // GitHub's answer lists the head's parent last: nothing is said about who shares COMMIT.
    readme.commits = [commit(COMMIT, PARENT), commit(PARENT, "0".repeat(40))];

    await receive(world.event("pull_request", "opened", 1));

    const check = world.checkOn(COMMIT)!;
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("Governance could not be evaluated");
    expect(check.summary).toContain(
      `Cause: GitHub's answer about pull request #1 did not agree with itself: its head is ${COMMIT.slice(0, 7)}, but its last commit was ${PARENT.slice(0, 7)}, so which other pull requests share the head (and the check run) is unknown.`,
    );
    expect(check.summary).toContain(
      "Fix: re-run the `governance` check; if it still fails this way, push a new commit to the branch",
    );
    expect(world.written.filter((w) => w.conclusion === "success")).toEqual([]);
  });

  it("fails the check when the answer has no commit at all", async () => {
    const { world, receive, readme } = sharedCommit();
    readme.commits = [];

    await receive(world.event("pull_request", "opened", 1));

    const check = world.checkOn(COMMIT)!;
    expect(check.conclusion).toBe("failure");
    expect(check.summary).toContain(
      `Cause: GitHub's answer about pull request #1 did not agree with itself: its head is ${COMMIT.slice(0, 7)}, but its last commit was missing,`,
    );
    expect(world.written.filter((w) => w.conclusion === "success")).toEqual([]);
  });

  it("judges the sibling once the answer agrees again (re-run)", async () => {
    const { world, receive, readme } = sharedCommit();
    readme.commits = [commit(COMMIT, PARENT), commit(PARENT, "0".repeat(40))];
    await receive(world.event("pull_request", "opened", 1));

    readme.commits = undefined;
    world.now = new Date("2026-11-23T10:05:00Z");
    await receive(world.event("pull_request", "opened", 1));

    const check = world.checkOn(COMMIT)!;
    expect(check.conclusion).toBe("failure");
    expect(readHeadState(check.summary)?.prs["2"]?.conclusion).toBe("failure");
    expect(world.written.filter((w) => w.conclusion === "success")).toEqual([]);
  });
});

describe("a merged pull request whose branch moved on after the merge", () => {
  it("is still read: no other pull request's check depends on it any more", async () => {
    const gh = mockGitHub();
    // GitHub reports the branch's new tip as the head; the pull request's commits end at the merged one.
    const pull = {
      ...prPayload("pull_request", "closed", { number: 1, headSha: PARENT }).pull_request,
      state: "closed",
      merged: true,
      requested_reviewers: [],
      requested_teams: [],
    };
    gh.graphql(
      () => true,
      (call: RecordedCall) =>
        answerGraphql(call.body as { query: string }, {
          pullRequest: (owner, repo, number) =>
            owner === OWNER && repo === REPO_NAME && number === 1
              ? { pull, commits: [commit(COMMIT, PARENT)] }
              : undefined,
        }),
      { persist: true },
    );
    const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    }));
    const octokit = new Octokit({ auth: { token: "ghs_test" } }) as unknown as GitHub;

    const snapshot = await readSnapshot(octokit, { owner: OWNER, repo: REPO_NAME }, 1);

    expect(snapshot.pr.merged).toBe(true);
    expect(snapshot.siblings).toEqual([]);
  });
});

describe("a head commit with more of our runs than the snapshot lists", () => {
  it("writes the decision to the newest run, the one GitHub shows", async () => {
    const world = new RepoWorld(mockGitHub(), {
      policy: CHAT_POLICY,
      appId: APP_ID,
      now: new Date("2026-11-23T10:00:00Z"),
    });
    const receive = appOn(world);
    world.openPull({ number: 1, head: COMMIT, baseRef: "main", files: [migrationFile(COMMIT)] });
    // Twenty-one runs accumulated on the commit (re-runs, replicas racing); the newest says success.
    for (let id = 1; id <= 21; id++)
      world.runs.push({
        id,
        head_sha: COMMIT,
        conclusion: id === 21 ? "success" : "failure",
        started_at: new Date(Date.parse("2026-11-23T09:00:00Z") + id * 1000).toISOString(),
        title: "Governance",
        summary: "",
      });
    // The world answers updates of runs 1–20 itself; the newest is run 21.
    world.gh.patch(
      `/repos/${OWNER}/${REPO_NAME}/check-runs/21`,
      undefined,
      (call: RecordedCall) => {
        const body = call.body as {
          conclusion: string;
          output: { title: string; summary: string };
        };
        Object.assign(world.runs[20]!, {
          conclusion: body.conclusion,
          title: body.output.title,
          summary: body.output.summary,
        });
        return { id: 21 };
      },
      200,
      { persist: true },
    );

    await receive(world.event("pull_request", "opened", 1));

    const shown = world.checkOn(COMMIT)!;
    expect(shown.id).toBe(21);
    expect(shown.conclusion).toBe("failure");
    expect(shown.title).not.toBe("Governance");
  });
});
