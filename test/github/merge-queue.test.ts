import { describe, expect, it } from "vitest";
import { queuedPullRequest } from "../../src/github/merged.js";
import { mockGitHub, setupNock, type GitHubMock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { DEFAULT_PR, examplePayload } from "../github-support/webhooks.js";
import {
  APP_ID,
  BASE,
  CHECK_STARTED,
  HEAD,
  POLICY,
  PR,
  REPO,
  deliver,
  existingRun,
  files,
  graphqlWorld,
  newProbot,
  payload,
  policyAt,
  pullRequestJson,
  review,
} from "./app-harness.js";

/**
 * A merge queue's commit gets its own `governance` check (merge_group
 * checks_requested). It must be exactly as strict as the queued pull request's
 * own check, and fail for anything it cannot decide.
 */

setupNock();

const GROUP_HEAD = "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d";
const NEW_HEAD = "5e6f708192a3b4c5d6e7f8091a2b3c4d1a2b3c4d";

function mergeGroup(headRef: string) {
  const group = examplePayload("merge_group", "checks_requested") as unknown as Record<
    string,
    unknown
  >;
  Object.assign(group.merge_group as object, { head_sha: GROUP_HEAD, head_ref: headRef });
  Object.assign(group, {
    repository: (payload("pull_request", "opened") as { repository: unknown }).repository,
    installation: {
      id: DEFAULT_PR.installationId,
      node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==",
    },
  });
  return group;
}

/** The group's check, as the app creates it on the queue's commit (looked up over REST first: no snapshot covers it). */
function groupCheck(gh: GitHubMock, conclusion: "success" | "failure", title: string) {
  gh.get(
    `${REPO}/commits/${GROUP_HEAD}/check-runs?check_name=governance&filter=all&per_page=100&app_id=${APP_ID}`,
    { total_count: 0, check_runs: [] },
  );
  gh.post(
    `${REPO}/check-runs`,
    { name: "governance", head_sha: GROUP_HEAD, conclusion, output: { title } },
    { id: 90, started_at: CHECK_STARTED },
  );
}

function createdSummary(gh: GitHubMock): string {
  return (
    gh.calls.find((c) => c.method === "POST" && c.path === `${REPO}/check-runs`)!.body as {
      output: { summary: string };
    }
  ).output.summary;
}

describe("merge queue", () => {
  // A pull request that amends the policy: the governance area's approvers have all signed.
  const amendment = (proposed: string) => ({
    file: {
      ...migrationFile(),
      filename: ".github/governance.yml",
      status: "modified",
      patch: "@@ -1,2 +1,2 @@\n extends: chat-backend\n roles:",
    },
    blobs: {
      [`${BASE}:.github/governance.yml`]: POLICY,
      [`${HEAD}:.github/governance.yml`]: proposed,
    },
    reviews: [review("bea", "APPROVED"), review("dev", "APPROVED"), review("tara", "APPROVED")],
  });

  async function queueAmendment(
    proposed: string,
    conclusion: "success" | "failure",
    title: string,
  ) {
    const probot = newProbot();
    const gh = mockGitHub();
    const { file, blobs, reviews } = amendment(proposed);
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh, [file]);
    // The merge group reads the pull request (one query) and the policy file's two sides (one more).
    graphqlWorld(
      gh,
      {
        pull: pullRequestJson(),
        reviews,
        comments: [],
        runs: [existingRun(HEAD, "success", "")],
        blobs,
      },
      ["query PullRequestSnapshot", "query Blobs"],
    );
    groupCheck(gh, conclusion, title);
    await deliver(
      probot,
      "merge_group",
      mergeGroup(`refs/heads/gh-readonly-queue/main/pr-${PR}-${HEAD}`),
    );
    return gh;
  }

  it("lints the policy the queued pull request proposes: a broken policy fails the group as it fails the pull request", async () => {
    const gh = await queueAmendment(
      POLICY.replace("roles:", "roels:"),
      "failure",
      "Merge queue: 0 of 1 pull request pass governance",
    );
    // The pull request's own check fails for the same reason (app.test.ts "lints the policy a pull request proposes").
    expect(createdSummary(gh)).toMatch(
      new RegExp(`^- ❌ #${PR} .*: Level 3 — joint approval: 1 problem to fix$`, "m"),
    );
  });

  it("passes a queued amendment whose proposed policy is valid and signed", async () => {
    await queueAmendment(
      `${POLICY}  legal: { users: [lea] }\n`,
      "success",
      "Merge queue: 1 of 1 pull request pass governance",
    );
  });

  it("fails when the pull request's head is no longer the commit that was queued", async () => {
    const probot = newProbot();
    const gh = mockGitHub();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh, [migrationFile(NEW_HEAD)]);
    const signed = [
      review("dan", "APPROVED", NEW_HEAD),
      review("bea", "APPROVED", NEW_HEAD),
      review("sam", "APPROVED", NEW_HEAD),
    ];
    graphqlWorld(gh, {
      pull: pullRequestJson(NEW_HEAD),
      reviews: signed,
      comments: [],
      runs: [existingRun(NEW_HEAD, "success", "")],
      blobs: {},
    });
    groupCheck(gh, "failure", "Merge queue: 0 of 1 pull request pass governance");
    await deliver(
      probot,
      "merge_group",
      mergeGroup(`refs/heads/gh-readonly-queue/main/pr-${PR}-${HEAD}`),
    );
    expect(createdSummary(gh)).toContain(
      `#${PR} was queued at ${HEAD.slice(0, 7)}, but its head is now ${NEW_HEAD.slice(0, 7)}`,
    );
  });

  it("fails a group whose ref names no pull request it can read", async () => {
    const probot = newProbot();
    const gh = mockGitHub();
    gh.installationToken(DEFAULT_PR.installationId);
    groupCheck(gh, "failure", "Merge queue: no pull request found in the group");
    await deliver(
      probot,
      "merge_group",
      mergeGroup(`refs/heads/gh-readonly-queue/main/pr-${PR}-not-a-sha`),
    );
  });

  it("reads the queued pull request and head from the ref's last segment only", () => {
    expect(queuedPullRequest(`refs/heads/gh-readonly-queue/main/pr-12-${HEAD}`)).toEqual({
      number: 12,
      headSha: HEAD,
    });
    expect(
      queuedPullRequest(`refs/heads/gh-readonly-queue/release/pr-7-x/pr-12-${HEAD.toUpperCase()}`),
    ).toEqual({ number: 12, headSha: HEAD });
    expect(queuedPullRequest("refs/heads/gh-readonly-queue/release/pr-7-fix")).toBeUndefined();
  });
});
