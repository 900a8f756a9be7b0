import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { answerCommand, answerGovernanceCommand } from "../../src/github/apply.js";
import type { Decision } from "../../src/evaluate/decision.js";
import type { Policy } from "../../src/policy/model.js";
import { mockGitHub, setupNock, type GitHubMock } from "../github-support/mock-github.js";

/**
 * The app answers a refused sign-off command or a `/governance` command once: a
 * redelivered event (GitHub retries, a replica handling the same delivery) finds
 * the app's earlier reply by its trailing marker and stays quiet. Only the app's
 * own reply counts: anyone can type the marker, and a forged one must not
 * silence the answer that tells a commenter their sign-off did not count.
 */

setupNock();

const REPO = { owner: "acme", repo: "chat" };
const COMMENTS = "/repos/acme/chat/issues/12/comments";
const APP = "governance-gate[bot]";
const octokit = () =>
  new ProbotOctokit({
    auth: { token: "ghs_test" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });

/** The installation token's `viewer`: the app's own account. */
function appIs(gh: GitHubMock) {
  gh.graphql("AppIdentity", { data: { viewer: { login: APP } } });
}

const reply = (user: string, commentId: number) => ({
  user,
  body: `@mallory this was answered.\n\n<!-- governance-gate:reply-to:${commentId} -->`,
});

const REFUSED = {
  counted: false as const,
  commentId: 950,
  login: "mallory",
  command: "/approve-level3",
  reason: "mallory is the author",
};

// An unknown `/governance` argument is answered without reading the decision or the policy.
const NOT_READ = {} as Decision;
const NO_POLICY = {} as Policy;

describe("answering a command once", () => {
  it("a refused sign-off the app already answered is not answered again", async () => {
    const gh = mockGitHub();
    appIs(gh);
    await answerCommand(octokit(), REPO, 12, REFUSED, [reply(APP, 950)]);
    expect(gh.count({ method: "POST", path: COMMENTS })).toBe(0);
  });

  it("a refused sign-off is answered when the marker was typed by someone else", async () => {
    const gh = mockGitHub();
    appIs(gh);
    gh.post(
      COMMENTS,
      { body: (b: string) => b.includes("did not count: mallory is the author") },
      { id: 952 },
    );
    await answerCommand(octokit(), REPO, 12, REFUSED, [
      reply("other-app[bot]", 950),
      reply("mallory", 950),
    ]);
  });

  it("a `/governance` command the app already answered is not answered again", async () => {
    const gh = mockGitHub();
    appIs(gh);
    await answerGovernanceCommand(
      octokit(),
      REPO,
      12,
      { id: 960, user: "carol" },
      "frobnicate",
      NOT_READ,
      NO_POLICY,
      [reply(APP, 960)],
    );
    expect(gh.count({ method: "POST", path: COMMENTS })).toBe(0);
  });

  it("a `/governance` command whose marker reply is another comment's is answered", async () => {
    const gh = mockGitHub();
    // No reply carries this comment's marker: the app's identity is not even asked.
    gh.post(
      COMMENTS,
      {
        body: (b: string) =>
          b.startsWith("@carol `/governance frobnicate` is not a command I know.") &&
          b.endsWith("<!-- governance-gate:reply-to:960 -->"),
      },
      { id: 961 },
    );
    await answerGovernanceCommand(
      octokit(),
      REPO,
      12,
      { id: 960, user: "carol" },
      "frobnicate",
      NOT_READ,
      NO_POLICY,
      [reply(APP, 959)],
    );
  });
});
