import { Probot, ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { Gate } from "../../src/github/gate.js";
import { sweepAll } from "../../src/github/sweep.js";
import { escalationMarker } from "../../src/evaluate/escalation.js";
import { answerGraphql } from "../github-support/graphql-world.js";
import { migrationFile } from "../github-support/pull-files.js";
import {
  mockGitHub,
  setupNock,
  type GitHubMock,
  type RecordedCall,
} from "../github-support/mock-github.js";
import { DEFAULT_PR, prPayload } from "../github-support/webhooks.js";
import { appKeys } from "../github-support/app-server.js";

/**
 * The escalation sweep tells a disagreement's mediator when the decision becomes
 * theirs (seed 000 "Conflict Resolution": "Peer-level conflicts: DRIs negotiate; if
 * no consensus within 2 business days → escalate to shared manager"): the clock runs
 * out between webhook events, so the sweep posts the notice and requests the review.
 * The head arrived Monday 10:00 UTC; the DBA Lead objected Monday 11:00 while the
 * Backend and SRE Leads approved, so the shared manager may decide from Wednesday 11:00.
 */

setupNock();

const PRIVATE_KEY = appKeys().privateKey;
const REPO = "/repos/acme/chat";
const { headSha: HEAD, baseSha: BASE, number: PR } = DEFAULT_PR;
const ARRIVED = "2026-11-23T10:00:00Z"; // a Monday
/** Backend and SRE Leads approve the DROP COLUMN; the DBA Lead requests changes. */
const DISAGREEMENT = [
  {
    id: 5,
    user: { login: "bea" },
    state: "APPROVED",
    commit_id: HEAD,
    submitted_at: "2026-11-23T11:00:00Z",
    body: "",
  },
  {
    id: 6,
    user: { login: "sam" },
    state: "APPROVED",
    commit_id: HEAD,
    submitted_at: "2026-11-23T11:00:00Z",
    body: "",
  },
  {
    id: 7,
    user: { login: "dan" },
    state: "CHANGES_REQUESTED",
    commit_id: HEAD,
    submitted_at: "2026-11-23T11:00:00Z",
    body: "",
  },
];
const POLICY = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  vp-engineering: { users: [vera] }
`;
const pull = () => {
  const pr = prPayload("pull_request", "opened", { author: "octocat" })
    .pull_request as unknown as Record<string, unknown>;
  return { ...pr, requested_reviewers: [], requested_teams: [], changed_files: 1 };
};

function sweeper(now: string) {
  const probot = new Probot({
    appId: 4242,
    privateKey: PRIVATE_KEY,
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
    logLevel: "fatal",
  });
  return { probot, gate: new Gate({ appId: 4242, now: () => new Date(now) }) };
}

function installationWithOnePullRequest(
  gh: GitHubMock,
  comments: unknown[],
  reviewIssues: unknown[] = [],
  runSummary = "",
) {
  gh.get("/app/installations?per_page=100", [
    { id: DEFAULT_PR.installationId, account: { login: "acme" }, app_id: 4242 },
  ]);
  gh.installationToken(DEFAULT_PR.installationId);
  gh.get("/installation/repositories?per_page=100", {
    total_count: 1,
    repositories: [
      { id: 1, name: "chat", full_name: "acme/chat", archived: false, owner: { login: "acme" } },
    ],
  });
  gh.get(`${REPO}/issues?state=open&labels=post-implementation-review&per_page=100`, reviewIssues);
  gh.get(`${REPO}/pulls?state=open&per_page=100`, [pull()]);
  // The default branch's policy (post-implementation reviews, the matrix review) and the matrix document it names.
  defaultBranch(gh);
  gh.get(`${REPO}/contents/.github%2Fgovernance.yml?ref=${BASE}`, POLICY, 200, {
    headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
  });
  gh.get(`${REPO}/pulls/${PR}/files?per_page=100`, [migrationFile()]);
  // The pull request as it is now, its conversation and our check run: one GraphQL query.
  gh.graphql("query PullRequestSnapshot", (call: RecordedCall) =>
    answerGraphql(call.body as { query: string }, {
      pullRequest: (owner, repo, number) =>
        owner === "acme" && repo === "chat" && number === PR
          ? {
              pull: pull(),
              reviews: DISAGREEMENT,
              comments,
              checkRuns: [
                {
                  id: 77,
                  name: "governance",
                  app: { id: 4242 },
                  head_sha: HEAD,
                  status: "completed",
                  conclusion: "failure",
                  started_at: ARRIVED,
                  output: {
                    title: "Level 3 — joint approval: 1 of 3 sign-offs",
                    summary: runSummary,
                  },
                },
              ],
            }
          : undefined,
    }),
  );
}

/** The default branch: its policy, and the ownership matrix the chat-backend preset names (`matrix`: its text; none: 404). */
function defaultBranch(gh: GitHubMock, policy = POLICY, matrix?: string) {
  gh.get(`${REPO}/contents/.github%2Fgovernance.yml`, policy, 200, {
    headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
  });
  if (matrix === undefined) gh.get(`${REPO}/contents/OWNERSHIP.md`, { message: "Not Found" }, 404);
  else
    gh.get(`${REPO}/contents/OWNERSHIP.md`, matrix, 200, {
      headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
    });
}

const APP_LOGIN = "governance-gate[bot]";
const commentBy = (login: string, type: "Bot" | "User") => (id: number, body: string) => ({
  id,
  user: { login, type },
  body,
  created_at: "2026-11-25T10:05:00Z",
  updated_at: "2026-11-25T10:05:00Z",
});
/** A comment of the app's own, its marker on the last line as the app writes it. */
const bot = (id: number, marker: string) =>
  commentBy(APP_LOGIN, "Bot")(id, `⏰ escalated.\n\n${marker}`);

/** The app asks GitHub who it is (the installation token's viewer) before it trusts a bot's marker. */
function appIdentity(gh: GitHubMock) {
  gh.graphql("query AppIdentity", (call: RecordedCall) =>
    answerGraphql(call.body as { query: string }, { pullRequest: () => undefined }),
  );
}

describe("escalation sweep: a disagreement's mediator", () => {
  it("Wednesday 12:00: the shared manager is told the decision is theirs (a comment, a review request), apart from the review SLA's steps", async () => {
    const { probot, gate } = sweeper("2026-11-25T12:00:00Z");
    const gh = mockGitHub();
    // The review SLA's step 1 (dba-lead, Wednesday 10:00) was taken by an earlier sweep.
    const slaStep = bot(299, escalationMarker("prisma/migration-destructive", 1, HEAD));
    installationWithOnePullRequest(gh, [slaStep]);
    appIdentity(gh);
    const marker = escalationMarker("prisma/migration-destructive#mediation", 1, HEAD);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      {
        body: expect.stringContaining(
          "⚖️ The required approvers of `prisma/migration-destructive` disagree, and the time the policy gives them to settle it is up. **vp-engineering** mediates: @vera — please decide with `/governance decide approve <rationale>` or `/governance decide reject <rationale>`.",
        ),
      },
      { id: 300 },
    );
    gh.get(`${REPO}/issues/${PR}/comments?per_page=100`, [slaStep, bot(300, marker)]);
    gh.post(
      `${REPO}/pulls/${PR}/requested_reviewers`,
      { reviewers: ["vera"], team_reviewers: [] },
      { number: PR },
    );
    gh.patch(
      `${REPO}/check-runs/77`,
      { output: { summary: expect.stringContaining("**vp-engineering** may decide from") } },
      { id: 77 },
    );
    expect((await sweepAll(probot, gate)).escalations).toBe(1);
    const posted = gh.calls.find((c) => c.method === "POST" && c.path.endsWith("/comments"))!
      .body as { body: string };
    expect(posted.body.trimEnd().endsWith(marker)).toBe(true);
  });

  it("Tuesday: nothing yet, and once told, nothing again", async () => {
    for (const [now, comments] of [
      ["2026-11-24T16:00:00Z", []],
      [
        "2026-11-25T15:00:00Z",
        [
          bot(299, escalationMarker("prisma/migration-destructive", 1, HEAD)),
          bot(300, escalationMarker("prisma/migration-destructive#mediation", 1, HEAD)),
        ],
      ],
    ] as const) {
      const { probot, gate } = sweeper(now);
      const gh = mockGitHub();
      installationWithOnePullRequest(gh, [...comments]);
      if (comments.length > 0) appIdentity(gh);
      expect((await sweepAll(probot, gate)).escalations).toBe(0);
      expect(gh.count({ method: "POST", kind: "rest" })).toBe(0);
    }
  });
});
