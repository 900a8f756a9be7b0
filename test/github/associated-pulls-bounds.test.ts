import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { readSnapshot } from "../../src/github/snapshot.js";
import type { GitHub } from "../../src/github/types.js";
import { answerGraphql } from "../github-support/graphql-world.js";
import { mockGitHub, setupNock, type RecordedCall } from "../github-support/mock-github.js";
import { DEFAULT_PR, prPayload } from "../github-support/webhooks.js";

/**
 * The pull requests GitHub associates with a head commit are read 100 a page,
 * up to 1,100 (the snapshot's page and ten more), closed ones included since
 * GitHub lists them: exactly 1,100 are read whole, one more fails the
 * evaluation, and a page that says there is more without saying where fails
 * it too, rather than being taken for the end of the list.
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

type Answer = ReturnType<typeof answerGraphql>;

/** GitHub holding #PR, whose head is also that of `others`; `edit` may alter an answer. */
function serve(
  others: { number: number; state?: "open" | "closed" }[],
  edit: (answer: Answer, query: string) => Answer = (answer) => answer,
) {
  const gh = mockGitHub();
  const self = pull(PR);
  const sameHead = [self, ...others.map((o) => pull(o.number, o.state))];
  gh.graphql(
    () => true,
    (call: RecordedCall) => {
      const body = call.body as { query: string };
      const answer = answerGraphql(body, {
        pullRequest: (owner, repo, number) =>
          owner === REPO.owner && repo === REPO.repo && number === PR
            ? { pull: self, sameHead }
            : undefined,
      });
      return edit(answer, body.query);
    },
    { persist: true },
  );
  return gh;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe("the pull requests sharing a head commit, at the bounds", () => {
  it("exactly 1,100 (this one and 1,099 others, closed ones among them) are read whole in 11 queries", async () => {
    const others = [
      ...range(2000, 1000).map((number) => ({ number })),
      ...range(5000, 98).map((number) => ({ number, state: "closed" as const })),
      { number: 9999 },
    ];
    const gh = serve(others);
    const snap = await readSnapshot(octokit(), REPO, PR);
    expect(snap.siblings).toEqual([...range(2000, 1000), 9999]);
    expect(gh.count({ kind: "graphql" })).toBe(11);
  });

  it("100 (one full page) cost the snapshot query alone", async () => {
    const gh = serve(range(2000, 99).map((number) => ({ number })));
    const snap = await readSnapshot(octokit(), REPO, PR);
    expect(snap.siblings).toEqual(range(2000, 99));
    expect(gh.count({ kind: "graphql" })).toBe(1);
  });

  it("a page that says there are more but gives no cursor fails the evaluation, asking nothing malformed", async () => {
    const gh = serve(
      range(2000, 150).map((number) => ({ number })),
      (answer, query) => {
        if (!query.startsWith("query PullRequestSnapshot")) return answer;
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- GraphQL JSON
        const commit = (answer.data as any).repository.pullRequest.commits.nodes[0].commit;
        commit.associatedPullRequests.pageInfo.endCursor = null;
        return answer;
      },
    );
    await expect(readSnapshot(octokit(), REPO, PR)).rejects.toThrow(
      `GitHub said more pull requests share head commit ${HEAD.slice(0, 7)} than it listed, but not where the rest start`,
    );
    expect(gh.count({ kind: "graphql" })).toBe(1);
  });
});
