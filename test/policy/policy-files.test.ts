import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { PolicySource } from "../../src/github/policy-source.js";
import type { GitHub, PullRequestData } from "../../src/github/types.js";
import { formatProblem } from "../../src/policy/problems.js";
import { mockGitHub, setupNock, type GitHubMock } from "../github-support/mock-github.js";
import { NOW, approval, modified, prFacts } from "../helpers/facts.js";

/**
 * Issue 9 item 5, through the app's policy source over the (mocked, OpenAPI-
 * checked) GitHub API: the files of the repository a policy is built from are
 * known, a pull request changing only the file the policy extends is an
 * amendment, and the policy it proposes is linted with the pull request's
 * versions of those files.
 */

setupNock();

const REPO = { owner: "acme", repo: "chat" };
const BASE = "b4se0000000000000000000000000000000000aa";
const HEAD = "he4d0000000000000000000000000000000000bb";
const RAW = { headers: { "content-type": "application/vnd.github.raw; charset=utf-8" } };

// Relative to the file that declares it: .github/governance-base.yml.
const ROOT = `extends: governance-base.yml
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  tech-architect: { users: [tara] }
`;
const BASE_FILE = "extends: chat-backend\nunowned: { action: fail }\n";
// The pull request's version: the organisation-wide settings gone, with a typo that breaks the policy.
const GUTTED = "extends: chat-backend\nunowned: { acton: pass }\n";

function octokit(): GitHub {
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  return new Octokit({ auth: { token: "ghs_test" } }) as unknown as GitHub;
}

function content(
  gh: GitHubMock,
  repo: string,
  path: string,
  ref: string | undefined,
  text: string | undefined,
) {
  const url = `/repos/acme/${repo}/contents/${encodeURIComponent(path)}${ref ? `?ref=${ref}` : ""}`;
  if (text === undefined)
    gh.get(
      url,
      {
        message: "Not Found",
        documentation_url: "https://docs.github.com/rest/repos/contents#get-repository-content",
      },
      404,
    );
  else gh.get(url, text, 200, RAW);
}

const pr = {
  number: 12,
  state: "open",
  title: "Tidy governance base",
  body: null,
  user: { login: "octocat" },
  labels: [],
  head: { sha: HEAD },
  base: { sha: BASE, ref: "main" },
} satisfies PullRequestData;

describe("the files a repository's policy is built from", () => {
  it("are the policy file and the repository files it extends, never a preset", async () => {
    const gh = mockGitHub();
    content(gh, "chat", ".github/governance.yml", BASE, ROOT);
    content(gh, "chat", ".github/governance-base.yml", BASE, BASE_FILE);
    const { result } = await new PolicySource().load(octokit(), REPO, BASE);
    expect(result?.policy?.sources).toEqual([
      ".github/governance.yml",
      "acme/chat:.github/governance-base.yml",
      "policies/chat-backend.yml",
    ]);
    expect(result?.policy?.files).toEqual([
      ".github/governance.yml",
      ".github/governance-base.yml",
    ]);
  });

  it("exclude the organisation's fallback policy, which no pull request here can change", async () => {
    const gh = mockGitHub();
    content(gh, "chat", ".github/governance.yml", BASE, undefined);
    content(
      gh,
      ".github",
      ".github/governance.yml",
      undefined,
      "extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n",
    );
    const { result } = await new PolicySource().load(octokit(), REPO, BASE);
    expect(result?.policy?.files).toEqual([]);
  });

  it("a pull request changing only the extended file is linted as the policy it proposes, and needs the amendment sign-off", async () => {
    const gh = mockGitHub();
    content(gh, "chat", ".github/governance.yml", BASE, ROOT);
    content(gh, "chat", ".github/governance-base.yml", BASE, BASE_FILE);
    content(gh, "chat", ".github/governance.yml", HEAD, ROOT);
    content(gh, "chat", ".github/governance-base.yml", HEAD, GUTTED);
    const source = new PolicySource();
    const policy = (await source.load(octokit(), REPO, BASE)).result!.policy!;
    const files = [modified(".github/governance-base.yml", BASE_FILE, GUTTED)];

    const proposed = await source.lintProposed(octokit(), REPO, pr, files);
    expect(proposed?.problems.map(formatProblem)).toEqual([
      'acme/chat:.github/governance-base.yml:2:12: error: unknown key "acton" (at unowned.acton)',
    ]);

    const facts = { ...prFacts(files), proposedPolicy: proposed };
    const d = evaluate(policy, facts, NOW);
    expect(d.requirements.map((r) => [r.id, r.level])).toEqual([["governance/base", 3]]);
    expect(d.problems.filter((p) => p.severity === "error").map((p) => p.message)).toEqual([
      'the proposed .github/governance.yml: acme/chat:.github/governance-base.yml:2:12: error: unknown key "acton" (at unowned.acton)',
    ]);
    // Signed by the amendment's approvers, the broken proposal still cannot merge.
    expect(
      evaluate(
        policy,
        { ...facts, reviews: [approval("tara"), approval("bea"), approval("sam")] },
        NOW,
      ).conclusion,
    ).toBe("failure");
  });

  it("a pull request touching no policy file costs no read", async () => {
    const gh = mockGitHub();
    content(gh, "chat", ".github/governance.yml", BASE, ROOT);
    content(gh, "chat", ".github/governance-base.yml", BASE, BASE_FILE);
    const source = new PolicySource();
    await source.load(octokit(), REPO, BASE);
    expect(
      await source.lintProposed(octokit(), REPO, pr, [modified("src/api/users.ts", "a\n", "b\n")]),
    ).toBeUndefined();
    expect(gh.count({ kind: "rest" })).toBe(2);
  });
});
