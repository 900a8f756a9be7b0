import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { PolicySource } from "../../src/github/policy-source.js";
import type { GitHub, PullRequestData } from "../../src/github/types.js";
import { formatProblem } from "../../src/policy/problems.js";
import { mockGitHub, setupNock, type GitHubMock } from "../github-support/mock-github.js";
import { modified } from "../helpers/facts.js";

/**
 * Issue 10 items 5 and 7 (app side), and the lint cache of item 10, through the
 * app's policy source over the mocked, OpenAPI-checked GitHub API.
 *
 * - 10.5: `extends` is resolved relative to the file that declares it, in the
 *   repository that holds it: the organisation's fallback policy extends its
 *   sibling in the `.github` repository, never a file of the pull request's.
 * - 10.7: a proposed policy's `extends` reaches only this repository and the
 *   organisation's `.github` repository; a file outside this repository is
 *   named ("cannot read"), never quoted.
 */

setupNock();

const REPO = { owner: "acme", repo: "chat" };
const BASE = "b4se0000000000000000000000000000000000aa";
const HEAD = "he4d0000000000000000000000000000000000bb";
const RAW = { headers: { "content-type": "application/vnd.github.raw; charset=utf-8" } };
const NOT_FOUND = {
  message: "Not Found",
  documentation_url: "https://docs.github.com/rest/repos/contents#get-repository-content",
};

function octokit(): GitHub {
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  return new Octokit({ auth: { token: "ghs_test" } }) as unknown as GitHub;
}

const contentsUrl = (owner: string, repo: string, path: string, ref?: string) =>
  `/repos/${owner}/${repo}/contents/${encodeURIComponent(path)}${ref ? `?ref=${ref}` : ""}`;

function content(
  gh: GitHubMock,
  repo: string,
  path: string,
  ref: string | undefined,
  text: string | undefined,
  options: { optional?: boolean; owner?: string } = {},
) {
  const url = contentsUrl(options.owner ?? "acme", repo, path, ref);
  const mock = { optional: options.optional ?? false };
  if (text === undefined) gh.get(url, NOT_FOUND, 404, mock);
  else gh.get(url, text, 200, { ...RAW, ...mock });
}

const pr = (head = HEAD) =>
  ({
    number: 12,
    state: "open",
    title: "Governance base",
    body: null,
    user: { login: "octocat" },
    labels: [],
    head: { sha: head },
    base: { sha: BASE, ref: "main" },
  }) satisfies PullRequestData;

// The organisation's policy: bindings in a base file next to it in the .github repository.
const ORG_POLICY = "extends: governance-base.yml\nunowned: { action: fail }\n";
const ORG_BASE =
  "extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n  dba-lead: { users: [dan] }\n  tech-architect: { users: [tara] }\n";
// What a contributor to acme/chat could put at the path the fallback used to read.
const PLANTED =
  "extends: chat-backend\nroles:\n  backend-lead: { users: [octocat] }\n  dba-lead: { users: [octocat] }\n  tech-architect: { users: [octocat] }\nunowned: { action: pass }\n";

const BINDINGS =
  "roles:\n  backend-lead: { users: [bea] }\n  dba-lead: { users: [dan] }\n  tech-architect: { users: [tara] }\n";

describe("10.5: extends is read relative to the file that declares it, in its repository", () => {
  it("the organisation's fallback extends its sibling in the .github repository, not the pull request's repository", async () => {
    const gh = mockGitHub();
    content(gh, "chat", ".github/governance.yml", BASE, undefined);
    content(gh, ".github", ".github/governance.yml", undefined, ORG_POLICY);
    content(gh, ".github", ".github/governance-base.yml", undefined, ORG_BASE);
    // Files of acme/chat at the paths a repository-relative reading would take: never read.
    content(gh, "chat", "governance-base.yml", BASE, PLANTED, { optional: true });
    content(gh, "chat", ".github/governance-base.yml", BASE, PLANTED, { optional: true });

    const { result, source } = await new PolicySource().load(octokit(), REPO, BASE);
    expect(result?.problems.map(formatProblem)).toEqual([]);
    expect(source).toBe("acme/.github:.github/governance.yml");
    expect(result?.policy?.sources).toEqual([
      ".github/governance.yml",
      "acme/.github:.github/governance-base.yml",
      "policies/chat-backend.yml",
    ]);
    expect(result?.policy?.roles.get("backend-lead")?.users).toEqual(["bea"]);
    expect(result?.policy?.unowned.action).toBe("fail");
    // The organisation's files are not the repository's: no pull request here can change them.
    expect(result?.policy?.files).toEqual([]);
    expect(
      gh.count({
        path: /\/repos\/acme\/chat\/contents\/(governance-base|\.github%2Fgovernance-base)/,
      }),
    ).toBe(0);
  });

  it("a repository's own policy extends the file next to it, read at the base commit", async () => {
    const gh = mockGitHub();
    content(
      gh,
      "chat",
      ".github/governance.yml",
      BASE,
      `extends: ./governance-base.yml\n${BINDINGS}`,
    );
    content(
      gh,
      "chat",
      ".github/governance-base.yml",
      BASE,
      "extends: chat-backend\nunowned: { action: fail }\n",
    );
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

  it("a path written from the repository's root fails closed and says how to write it", async () => {
    const gh = mockGitHub();
    content(
      gh,
      "chat",
      ".github/governance.yml",
      BASE,
      `extends: .github/governance-base.yml\n${BINDINGS}`,
    );
    content(gh, "chat", ".github/.github/governance-base.yml", BASE, undefined);
    const { result } = await new PolicySource().load(octokit(), REPO, BASE);
    expect(result?.policy).toBeUndefined();
    expect(result?.problems.map(formatProblem)).toEqual([
      '.github/governance.yml:1:10: error: cannot extend ".github/governance-base.yml": acme/chat:.github/.github/governance-base.yml does not exist at b4se000 (extends paths are relative to the file that declares them: from .github/governance.yml write "governance-base.yml") (at extends)',
    ]);
  });

  it("a path climbing out of the repository is refused without a request", async () => {
    const gh = mockGitHub();
    content(
      gh,
      "chat",
      ".github/governance.yml",
      BASE,
      `extends: ../../other/governance.yml\n${BINDINGS}`,
    );
    const { result } = await new PolicySource().load(octokit(), REPO, BASE);
    expect(result?.problems.map((p) => p.message)).toEqual([
      'cannot extend "../../other/governance.yml": "../../other/governance.yml" points outside the repository',
    ]);
    expect(gh.count({ kind: "rest" })).toBe(1);
  });
});

describe("10.7: a proposed policy's extends never shows another repository's files", () => {
  const SECRET =
    "stripe_live_key: sk_live_51Hx0000000000000000000000\nwebhook_signing_secret: whsec_0000000000\n";
  const leaks = (text: string) => /stripe_live_key|sk_live|webhook_signing_secret|whsec/.test(text);

  /** The base policy (no extends) and a pull request proposing `proposed`; the problems of its lint. */
  async function lint(gh: GitHubMock, proposed: string) {
    content(gh, "chat", ".github/governance.yml", BASE, `extends: chat-backend\n${BINDINGS}`);
    const files = [
      modified(".github/governance.yml", `extends: chat-backend\n${BINDINGS}`, proposed),
    ];
    const result = await new PolicySource().lintProposed(octokit(), REPO, pr(), files);
    return result!.problems;
  }

  it("refuses a private repository of the organisation before reading it, naming only the reference", async () => {
    const gh = mockGitHub();
    content(gh, "payments", "config/secrets.yml", undefined, SECRET, { optional: true });
    const problems = await lint(gh, `extends: acme/payments:config/secrets.yml\n${BINDINGS}`);
    expect(problems.map(formatProblem)).toEqual([
      '.github/governance.yml:1:10: error: cannot extend "acme/payments:config/secrets.yml": cannot read acme/payments:config/secrets.yml: a policy extends only presets and files of acme/chat or acme/.github (at extends)',
    ]);
    expect(gh.count({ path: /\/repos\/acme\/payments\// })).toBe(0);
  });

  it("refuses another owner's repository too", async () => {
    const gh = mockGitHub();
    content(gh, "vault", "keys.yml", undefined, SECRET, { optional: true, owner: "globex" });
    const problems = await lint(gh, `extends: globex/vault:keys.yml\n${BINDINGS}`);
    expect(problems.map((p) => p.message)).toEqual([
      'cannot extend "globex/vault:keys.yml": cannot read globex/vault:keys.yml: a policy extends only presets and files of acme/chat or acme/.github',
    ]);
    expect(gh.count({ path: /\/repos\/globex\// })).toBe(0);
  });

  it("reads the organisation's .github repository, but a file there that is no valid policy is only named, like a missing one", async () => {
    const gh = mockGitHub();
    content(gh, ".github", "ops/secrets.yml", undefined, SECRET);
    content(gh, ".github", "ops/missing.yml", undefined, undefined);
    const unreadable = (name: string) =>
      `cannot read ${name} (outside this repository: what it holds is not shown)`;

    const invalid = await lint(gh, `extends: acme/.github:ops/secrets.yml\n${BINDINGS}`);
    expect(invalid.map(formatProblem)).toEqual([
      `.github/governance.yml:1:10: error: cannot extend "acme/.github:ops/secrets.yml": ${unreadable("acme/.github:ops/secrets.yml")} (at extends)`,
    ]);
    expect(leaks(JSON.stringify(invalid))).toBe(false);

    const missing = await lint(gh, `extends: acme/.github:ops/missing.yml\n${BINDINGS}`);
    expect(missing.map((p) => p.message)).toEqual([
      `cannot extend "acme/.github:ops/missing.yml": ${unreadable("acme/.github:ops/missing.yml")}`,
    ]);
  });

  it("a valid organisation file extended by the proposal lints clean; one it extends in turn that is broken is reported at the proposal's extends", async () => {
    const gh = mockGitHub();
    content(gh, ".github", ".github/governance-base.yml", undefined, ORG_BASE);
    expect(await lint(gh, "extends: acme/.github:.github/governance-base.yml\n")).toEqual([]);

    const gh2 = mockGitHub();
    content(
      gh2,
      ".github",
      "ops/layer.yml",
      undefined,
      "extends: secrets.yml\nroles:\n  backend-lead: { users: [bea] }\n",
    );
    content(gh2, ".github", "ops/secrets.yml", undefined, SECRET);
    const problems = await lint(gh2, `extends: acme/.github:ops/layer.yml\n${BINDINGS}`);
    expect(problems.map((p) => p.message)).toEqual([
      'cannot extend "acme/.github:ops/layer.yml": cannot read acme/.github:ops/layer.yml (outside this repository: what it holds is not shown)',
    ]);
    expect(leaks(JSON.stringify(problems))).toBe(false);
  });
});

describe("10.10: a proposed policy is linted once per text", () => {
  it("events on the same head reuse the lint, without reading the files it extends again", async () => {
    const gh = mockGitHub();
    content(
      gh,
      "chat",
      ".github/governance.yml",
      BASE,
      `extends: governance-base.yml\n${BINDINGS}`,
    );
    content(
      gh,
      "chat",
      ".github/governance-base.yml",
      BASE,
      "extends: chat-backend\nunowned: { action: fail }\n",
    );
    // The proposal keeps the policy file and breaks the file it extends; read at the head once.
    content(
      gh,
      "chat",
      ".github/governance-base.yml",
      HEAD,
      "extends: chat-backend\nunowned: { acton: pass }\n",
    );
    const source = new PolicySource();
    const files = [
      modified(
        ".github/governance.yml",
        `extends: governance-base.yml\n${BINDINGS}`,
        `extends: governance-base.yml\n${BINDINGS}# reviewed\n`,
      ),
    ];

    const first = await source.lintProposed(octokit(), REPO, pr(), files);
    expect(first?.problems.map((p) => p.message)).toEqual(['unknown key "acton"']);
    const reads = gh.count({ kind: "rest" });
    const again = await source.lintProposed(octokit(), REPO, pr(), files);
    expect(again).toBe(first);
    expect(gh.count({ kind: "rest" })).toBe(reads);
  });

  it("a proposal that reads nothing else of the pull request is reused at the next head too", async () => {
    const gh = mockGitHub();
    content(gh, "chat", ".github/governance.yml", BASE, `extends: chat-backend\n${BINDINGS}`);
    const source = new PolicySource();
    const files = [
      modified(
        ".github/governance.yml",
        `extends: chat-backend\n${BINDINGS}`,
        `extends: chat-backend\n${BINDINGS}unowned: { acton: pass }\n`,
      ),
    ];
    const first = await source.lintProposed(octokit(), REPO, pr(HEAD), files);
    expect(first?.problems.map((p) => p.message)).toEqual(['unknown key "acton"']);
    expect(
      await source.lintProposed(
        octokit(),
        REPO,
        pr("5ec0d000000000000000000000000000000000cc"),
        files,
      ),
    ).toBe(first);
  });
});
