import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { readSnapshot, readTeams } from "../../src/github/snapshot.js";
import type { GitHub } from "../../src/github/types.js";
import {
  answerGraphql,
  type GraphqlWorld,
  type PullWorld,
} from "../github-support/graphql-world.js";
import {
  mockGitHub,
  setupNock,
  type GitHubMock,
  type RecordedCall,
} from "../github-support/mock-github.js";
import { DEFAULT_PR, prPayload } from "../github-support/webhooks.js";

/**
 * The pull request snapshot (src/github/snapshot.ts) against GitHub's schema:
 * the one query that replaced five REST reads must lose nothing they gave —
 * bots stay bots, edits stay edits, long conversations are read whole, an
 * unreadable team stays unknown, and our check run is found or honestly not.
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
function pull(overrides: Record<string, unknown> = {}): Record<string, any> {
  const pr = prPayload("pull_request", "opened", { author: "octocat" })
    .pull_request as unknown as Record<string, unknown>;
  return { ...pr, requested_reviewers: [], requested_teams: [], changed_files: 1, ...overrides };
}

const at = (minute: number) => `2026-11-23T11:${String(minute).padStart(2, "0")}:00Z`;
const user = (login: string, type = "User") => ({ login, type });

/** Answers every GraphQL request from `world`, as many times as the app asks. */
function serve(
  gh: GitHubMock,
  world: Partial<PullWorld> & { teams?: GraphqlWorld["teamMembers"] },
) {
  gh.graphql(
    () => true,
    (call: RecordedCall) =>
      answerGraphql(call.body as { query: string }, {
        pullRequest: (owner, repo, number) =>
          owner === "acme" && repo === "chat" && number === PR
            ? { pull: world.pull ?? pull(), ...world }
            : undefined,
        teamMembers: world.teams,
      }),
    { persist: true },
  );
}

describe("the pull request snapshot", () => {
  it("reads the pull request, reviews, comments, requests and our check run in one query", async () => {
    const gh = mockGitHub();
    serve(gh, {
      pull: pull({
        labels: [{ name: "breaking-change" }],
        requested_reviewers: [user("sam")],
        requested_teams: [{ slug: "dba" }],
      }),
      reviews: [
        {
          id: 5_000_000_001,
          user: user("dan"),
          state: "APPROVED",
          commit_id: HEAD,
          submitted_at: at(1),
          body: "ok",
        },
        {
          id: 6,
          user: user("pending-person"),
          state: "PENDING",
          commit_id: HEAD,
          submitted_at: null,
          body: "",
        },
        { id: 7, user: null, state: "APPROVED", commit_id: HEAD, submitted_at: at(2), body: "" },
      ],
      comments: [
        {
          id: 900,
          user: user("sam"),
          body: "/approve-level3",
          created_at: at(3),
          updated_at: at(3),
        },
      ],
      checkRuns: [
        {
          id: 77,
          name: "governance",
          app: { id: 4242 },
          head_sha: HEAD,
          conclusion: "failure",
          started_at: at(0),
          output: { title: "Level 3", summary: "s" },
        },
        // Another App's run that happens to share the name is never ours.
        {
          id: 99,
          name: "governance",
          app: { id: 1 },
          head_sha: HEAD,
          conclusion: "success",
          started_at: at(5),
          output: { title: "impostor", summary: "" },
        },
      ],
    });
    const snap = await readSnapshot(octokit(), REPO, PR, { appId: 4242 });
    expect(gh.count()).toBe(1);
    expect(snap.pr).toMatchObject({
      number: PR,
      state: "open",
      merged: false,
      user: { login: "octocat" },
      head: { sha: HEAD },
      labels: [{ name: "breaking-change" }],
    });
    expect(snap.pr.requested_reviewers).toEqual([{ login: "sam" }]);
    expect(snap.pr.requested_teams).toEqual([{ slug: "dba" }]);
    // A pending review is a draft; a deleted account signs nothing; ids beyond 32 bits survive.
    expect(snap.reviews).toEqual([
      {
        id: 5_000_000_001,
        user: "dan",
        state: "APPROVED",
        commitId: HEAD,
        submittedAt: at(1),
        body: "ok",
      },
    ]);
    expect(snap.comments).toEqual([
      { id: 900, user: "sam", body: "/approve-level3", createdAt: at(3), updatedAt: at(3) },
    ]);
    expect(snap.checkRun).toEqual({
      id: 77,
      startedAt: at(0),
      conclusion: "failure",
      title: "Level 3",
      summary: "s",
    });
  });

  it("keeps bots recognisable: GraphQL drops the [bot] suffix REST logins carry", async () => {
    const gh = mockGitHub();
    serve(gh, {
      reviews: [
        {
          id: 8,
          user: user("renovate[bot]", "Bot"),
          state: "APPROVED",
          commit_id: HEAD,
          submitted_at: at(1),
          body: "",
        },
      ],
      comments: [
        {
          id: 901,
          user: user("governance-gate[bot]", "Bot"),
          body: "<!-- marker -->",
          created_at: at(2),
          updated_at: at(2),
        },
      ],
    });
    const snap = await readSnapshot(octokit(), REPO, PR);
    expect(snap.reviews.map((r) => r.user)).toEqual(["renovate[bot]"]);
    expect(snap.comments.map((c) => c.user)).toEqual(["governance-gate[bot]"]);
    const [query] = gh.calls.map((c) => (c.body as { query: string }).query);
    expect(query).toContain("__typename");
  });

  it("marks an edited comment as edited (its command will not count)", async () => {
    const gh = mockGitHub();
    serve(gh, {
      comments: [
        {
          id: 902,
          user: user("sam"),
          body: "/approve-level3",
          created_at: at(3),
          updated_at: at(9),
        },
      ],
    });
    const [comment] = (await readSnapshot(octokit(), REPO, PR)).comments;
    expect(comment!.updatedAt > comment!.createdAt).toBe(true);
  });

  it("reads a long conversation whole, page by page", async () => {
    const gh = mockGitHub();
    const comments = Array.from({ length: 230 }, (_, i) => ({
      id: 1000 + i,
      user: user(`u${i}`),
      body: i === 229 ? "/approve-level3" : "lgtm",
      created_at: at(1),
      updated_at: at(1),
    }));
    const reviews = Array.from({ length: 101 }, (_, i) => ({
      id: 3000 + i,
      user: user(`r${i}`),
      state: "COMMENTED",
      commit_id: HEAD,
      submitted_at: at(1),
      body: "",
    }));
    serve(gh, { comments, reviews });
    const snap = await readSnapshot(octokit(), REPO, PR);
    expect(snap.comments).toHaveLength(230);
    expect(snap.comments.at(-1)).toMatchObject({ id: 1229, body: "/approve-level3" });
    expect(snap.reviews).toHaveLength(101);
    // The snapshot, two more pages of comments, one more of reviews.
    expect(gh.count({ kind: "graphql" })).toBe(4);
  });

  it("reads the members of teams in the same query, following long teams", async () => {
    const gh = mockGitHub();
    const big = Array.from({ length: 150 }, (_, i) => `m${i}`);
    serve(gh, {
      teams: (org, slug) =>
        org === "acme" && slug === "dba"
          ? ["dan"]
          : org === "platform" && slug === "sre"
            ? big
            : undefined,
    });
    const snap = await readSnapshot(octokit(), REPO, PR, {
      teams: ["dba", "platform/sre", "ghosts"],
    });
    expect(snap.teamMembers).toEqual({ dba: ["dan"], "platform/sre": big });
    // A team GitHub does not have is unknown: absent, never an empty membership.
    expect("ghosts" in snap.teamMembers).toBe(false);
    expect(snap.teamsAsked).toEqual(["dba", "platform/sre", "ghosts"]);
    expect(gh.count({ kind: "graphql" })).toBe(2);
  });

  it("leaves a team it may not read unknown and keeps the rest of the answer", async () => {
    const gh = mockGitHub();
    serve(gh, {
      teams: (org, slug) => {
        if (org === "elsewhere") throw new Error("Resource not accessible by integration");
        return slug === "dba" ? ["dan"] : undefined;
      },
    });
    const snap = await readSnapshot(octokit(), REPO, PR, { teams: ["dba", "elsewhere/leads"] });
    expect(snap.teamMembers).toEqual({ dba: ["dan"] });
    expect(snap.pr.number).toBe(PR);
    expect(await readTeams(octokit(), REPO, ["elsewhere/leads", "dba"])).toEqual({ dba: ["dan"] });
  });

  it("fails when anything but a team cannot be read", async () => {
    const gh = mockGitHub();
    gh.graphql("query PullRequestSnapshot", (call: RecordedCall) =>
      answerGraphql(call.body as { query: string }, {
        pullRequest: () => {
          throw new Error("Something went wrong while executing your query.");
        },
      }),
    );
    await expect(readSnapshot(octokit(), REPO, PR)).rejects.toThrow(/Something went wrong/);
  });

  it("fails when the pull request does not exist", async () => {
    const gh = mockGitHub();
    gh.graphql("query PullRequestSnapshot", (call: RecordedCall) =>
      answerGraphql(call.body as { query: string }, { pullRequest: () => undefined }),
    );
    await expect(readSnapshot(octokit(), REPO, PR)).rejects.toThrow(
      `GitHub returned no pull request #${PR} in acme/chat`,
    );
  });

  it("says none when the head has no run of ours", async () => {
    const gh = mockGitHub();
    serve(gh, {
      checkRuns: [
        {
          id: 50,
          name: "lint",
          head_sha: HEAD,
          conclusion: "success",
          started_at: at(0),
          output: {},
        },
      ],
    });
    expect((await readSnapshot(octokit(), REPO, PR)).checkRun).toBeNull();
  });

  it("cannot tell for a fork's head commit, so the caller looks it up over REST", async () => {
    const gh = mockGitHub();
    const forked = pull();
    forked.head = { ...forked.head, repo: { ...forked.head.repo, full_name: "mallory/chat" } };
    serve(gh, {
      pull: forked,
      checkRuns: [
        {
          id: 77,
          name: "governance",
          head_sha: HEAD,
          conclusion: "failure",
          started_at: at(0),
          output: {},
        },
      ],
    });
    expect((await readSnapshot(octokit(), REPO, PR)).checkRun).toBeUndefined();
  });

  it("reports a merged pull request as closed and merged", async () => {
    const gh = mockGitHub();
    serve(gh, { pull: pull({ state: "closed", merged: true }) });
    expect((await readSnapshot(octokit(), REPO, PR)).pr).toMatchObject({
      state: "closed",
      merged: true,
    });
  });
});
