import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { readSnapshot } from "../../src/github/snapshot.js";
import type { GitHub } from "../../src/github/types.js";
import { answerGraphql } from "../github-support/graphql-world.js";
import { mockGitHub, setupNock, type RecordedCall } from "../github-support/mock-github.js";
import { DEFAULT_PR, prPayload } from "../github-support/webhooks.js";

/**
 * Contributors are not independent approvers, and a commit's authors include
 * every `Co-authored-by` trailer. Those are read whole: a co-author past the
 * part read could approve as if independent, so a commit naming more authors
 * than the gate reads fails the evaluation instead.
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

/** Pull request #PR whose one commit, its head, names `coAuthors` besides its author. */
function serve(coAuthors: string[]) {
  const gh = mockGitHub();
  const pull = {
    ...prPayload("pull_request", "opened", { number: PR, author: "octocat" }).pull_request,
    requested_reviewers: [],
    requested_teams: [],
  };
  const commits = [
    {
      sha: HEAD,
      author: { login: "octocat" },
      committer: { login: "octocat" },
      co_authors: coAuthors.map((login) => ({ login })),
      parents: [{ sha: DEFAULT_PR.baseSha }],
    },
  ];
  gh.graphql(
    () => true,
    (call: RecordedCall) =>
      answerGraphql(call.body as { query: string }, {
        pullRequest: (owner, repo, number) =>
          owner === REPO.owner && repo === REPO.repo && number === PR
            ? { pull, commits }
            : undefined,
      }),
    { persist: true },
  );
  return gh;
}

const logins = (count: number) => Array.from({ length: count }, (_, i) => `pair${i + 1}`);

describe("a commit's co-authors", () => {
  it("are all contributors, the thirtieth too", async () => {
    serve([...logins(29), "Bea"]);
    const snapshot = await readSnapshot(octokit(), REPO, PR);
    expect(snapshot.contributors).toContain("bea");
    expect(snapshot.contributors).toHaveLength(31);
  });

  it("fail the evaluation, saying why and what to do, past the number the gate reads", async () => {
    serve(logins(100));
    await expect(readSnapshot(octokit(), REPO, PR)).rejects.toThrow(
      `commit ${HEAD.slice(0, 7)} of this pull request names more than 100 authors (Co-authored-by), more than the gate reads, so who contributed to the change is unknown and no approval can be shown to be independent. Fix: rewrite the commit with fewer Co-authored-by trailers and push`,
    );
  });
});
