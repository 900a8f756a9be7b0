import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { requestReviewers } from "../../src/github/apply.js";
import type { PullRequestData } from "../../src/github/types.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";

/**
 * The reviewers the decision chose are asked on GitHub in one call, minus whom
 * GitHub already lists as requested and never the author (GitHub answers 422 to
 * an author asked to review their own pull request, and the whole request, with
 * the people it should have asked, would be lost). A 422 for someone without
 * access is said in the check, not thrown; anything else is an error.
 */

setupNock();

const REPO = { owner: "acme", repo: "chat" };
const REQUEST = "/repos/acme/chat/pulls/12/requested_reviewers";
const octokit = () =>
  new ProbotOctokit({
    auth: { token: "ghs_test" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });

function pull(overrides: Partial<PullRequestData> = {}): PullRequestData {
  return {
    number: 12,
    state: "open",
    title: "Drop the legacy column",
    body: null,
    user: { login: "Octocat" },
    labels: [],
    head: { sha: "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678" },
    base: { sha: "0f1e2d3c4b5a69788796a5b4c3d2e1f001234567", ref: "main" },
    requested_reviewers: [],
    requested_teams: [],
    ...overrides,
  };
}

/** GitHub's answer to a review request: the pull request (the fields a client reads). */
const requested = { number: 12, requested_reviewers: [], requested_teams: [] };

describe("requestReviewers", () => {
  it("asks for the wanted users and teams in one call, a team by its slug", async () => {
    const gh = mockGitHub();
    gh.post(
      REQUEST,
      { reviewers: ["dba-lead", "sre"], team_reviewers: ["platform", "security"] },
      requested,
      201,
    );
    const refused = await requestReviewers(octokit(), REPO, pull(), {
      users: ["dba-lead", "sre"],
      teams: ["acme/platform", "security"],
    });
    expect(refused).toBeUndefined();
    expect(gh.count({ method: "POST", path: REQUEST })).toBe(1);
  });

  it("asks for teams alone, and for users alone", async () => {
    const gh = mockGitHub();
    gh.post(REQUEST, { reviewers: [], team_reviewers: ["platform"] }, requested, 201);
    gh.post(REQUEST, { reviewers: ["sre"], team_reviewers: [] }, requested, 201);
    await requestReviewers(octokit(), REPO, pull(), { users: [], teams: ["acme/platform"] });
    await requestReviewers(octokit(), REPO, pull(), { users: ["sre"], teams: [] });
    expect(gh.count({ method: "POST", path: REQUEST })).toBe(2);
  });

  it("never asks the author, whatever the case of the login", async () => {
    const gh = mockGitHub();
    gh.post(REQUEST, { reviewers: ["dba-lead"], team_reviewers: [] }, requested, 201);
    await requestReviewers(octokit(), REPO, pull({ user: { login: "Octocat" } }), {
      users: ["octocat", "dba-lead"],
      teams: [],
    });
    expect(gh.count({ method: "POST", path: REQUEST })).toBe(1);
  });

  it("does not ask again whom GitHub already lists as requested, users and teams, in any case", async () => {
    const gh = mockGitHub();
    gh.post(REQUEST, { reviewers: ["sre"], team_reviewers: ["security"] }, requested, 201);
    await requestReviewers(
      octokit(),
      REPO,
      pull({
        requested_reviewers: [{ login: "DBA-Lead" }, null],
        requested_teams: [{ slug: "Platform" }, null],
      }),
      { users: ["dba-lead", "sre"], teams: ["acme/platform", "acme/security"] },
    );
    expect(gh.count({ method: "POST", path: REQUEST })).toBe(1);
  });

  it("makes no call when everyone wanted is already asked or is the author", async () => {
    const gh = mockGitHub();
    const refused = await requestReviewers(
      octokit(),
      REPO,
      pull({ requested_reviewers: [{ login: "dba-lead" }], requested_teams: [{ slug: "sre" }] }),
      { users: ["Octocat", "dba-lead"], teams: ["acme/sre"] },
    );
    expect(refused).toBeUndefined();
    expect(gh.count()).toBe(0);
  });

  it("says whom GitHub refused (422: no access) instead of throwing", async () => {
    const gh = mockGitHub();
    gh.post(
      REQUEST,
      { reviewers: ["contractor"], team_reviewers: ["vendors"] },
      {
        message: "Reviews may only be requested from collaborators.",
        documentation_url:
          "https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request",
      },
      422,
    );
    const refused = await requestReviewers(octokit(), REPO, pull(), {
      users: ["contractor"],
      teams: ["acme/vendors"],
    });
    expect(refused).toMatch(/^GitHub refused to request @contractor, team vendors \(/);
    expect(refused).toContain("Reviews may only be requested from collaborators.");
  });

  it("throws any other error: a failed request must not pass for a made one", async () => {
    const gh = mockGitHub();
    gh.post(
      REQUEST,
      { reviewers: ["dba-lead"] },
      {
        message: "Not Found",
        documentation_url:
          "https://docs.github.com/rest/pulls/review-requests#request-reviewers-for-a-pull-request",
      },
      404,
    );
    await expect(
      requestReviewers(octokit(), REPO, pull(), { users: ["dba-lead"], teams: [] }),
    ).rejects.toMatchObject({ status: 404 });
  });
});
