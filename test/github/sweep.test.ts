import { Probot, ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { Gate } from "../../src/github/gate.js";
import { sweepAll } from "../../src/github/sweep.js";
import { nextReviewIn } from "../../src/github/matrix-review.js";
import { escalationMarker } from "../../src/evaluate/escalation.js";
import { readHeadState, withHeadState } from "../../src/github/check-state.js";
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
 * The escalation sweep over every installation, with an injected clock:
 * the pull request's head arrived Monday 10:00 UTC; the chat-backend SLA is
 * 2 business days (Mon–Fri 09:00–17:00 UTC), so the first step is due Wednesday 10:00.
 */

setupNock();

const PRIVATE_KEY = appKeys().privateKey;
const REPO = "/repos/acme/chat";
const { headSha: HEAD, baseSha: BASE, number: PR } = DEFAULT_PR;
const ARRIVED = "2026-11-23T10:00:00Z"; // a Monday
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
              reviews: [
                {
                  id: 5,
                  user: { login: "dan" },
                  state: "APPROVED",
                  commit_id: HEAD,
                  submitted_at: "2026-11-23T11:00:00Z",
                  body: "",
                },
              ],
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

describe("escalation sweep", () => {
  it("does nothing before the SLA has passed (Tuesday)", async () => {
    const { probot, gate } = sweeper("2026-11-24T16:00:00Z");
    const gh = mockGitHub();
    installationWithOnePullRequest(gh, []);
    const report = await sweepAll(probot, gate);
    expect(report).toEqual({
      installations: 1,
      repositories: 1,
      pullRequests: 1,
      escalations: 0,
      matrixReviews: 0,
      errors: 0,
    });
  });

  it("escalates one step after 2 business days: a comment mentioning the next role, a review request, and the check shows it", async () => {
    const { probot, gate } = sweeper("2026-11-25T12:00:00Z");
    const gh = mockGitHub();
    installationWithOnePullRequest(gh, []);
    const marker = escalationMarker("prisma/migration-destructive", 1, HEAD);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      {
        body: expect.stringContaining(
          `Escalating to **dba-lead** (step 1 of the prisma escalation path): @dan`,
        ),
      },
      { id: 300 },
    );
    gh.get(`${REPO}/issues/${PR}/comments?per_page=100`, [bot(300, marker)]);
    appIdentity(gh);
    gh.post(
      `${REPO}/pulls/${PR}/requested_reviewers`,
      { reviewers: ["dan"], team_reviewers: [] },
      { number: PR },
    );
    gh.patch(
      `${REPO}/check-runs/77`,
      {
        output: {
          summary: expect.stringContaining(
            "⏰ `prisma/migration-destructive`: escalated to **dba-lead** (step 1 of the escalation path) because the review SLA passed.",
          ),
        },
      },
      { id: 77 },
    );
    const report = await sweepAll(probot, gate);
    expect(report.escalations).toBe(1);
    const posted = gh.calls.find((c) => c.method === "POST" && c.path.endsWith("/comments"))!
      .body as { body: string };
    expect(posted.body).toContain(marker);
  });

  it("keeps what the app remembers about the head (the state line of its check run) when it re-renders the check", async () => {
    const { probot, gate } = sweeper("2026-11-25T12:00:00Z");
    const gh = mockGitHub();
    const state = {
      prs: { [String(PR)]: { conclusion: "failure" as const, arrivedAt: ARRIVED, base: "main" } },
    };
    installationWithOnePullRequest(
      gh,
      [],
      [],
      withHeadState("Level 3 — joint approval: 1 of 3 sign-offs", state),
    );
    const marker = escalationMarker("prisma/migration-destructive", 1, HEAD);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining(marker) },
      { id: 300 },
    );
    gh.get(`${REPO}/issues/${PR}/comments?per_page=100`, [bot(300, marker)]);
    appIdentity(gh);
    gh.post(
      `${REPO}/pulls/${PR}/requested_reviewers`,
      { reviewers: ["dan"], team_reviewers: [] },
      { number: PR },
    );
    gh.patch(
      `${REPO}/check-runs/77`,
      { output: { summary: expect.stringContaining("escalated to **dba-lead**") } },
      { id: 77 },
    );
    expect((await sweepAll(probot, gate)).escalations).toBe(1);
    const written = (
      gh.calls.find((c) => c.method === "PATCH")!.body as { output: { summary: string } }
    ).output.summary;
    expect(readHeadState(written)).toEqual(state);
  });

  it("is idempotent: a second run finds its marker and escalates nothing more until the next SLA period", async () => {
    const { probot, gate } = sweeper("2026-11-25T15:00:00Z");
    const gh = mockGitHub();
    installationWithOnePullRequest(gh, [
      bot(300, escalationMarker("prisma/migration-destructive", 1, HEAD)),
    ]);
    appIdentity(gh);
    const report = await sweepAll(probot, gate);
    expect(report.escalations).toBe(0);
    expect(gh.count({ method: "POST", kind: "rest" })).toBe(0);
  });

  it("takes the next step after two more business days (skipping the weekend)", async () => {
    const { probot, gate } = sweeper("2026-11-27T10:30:00Z"); // Friday: 4 business days since Monday 10:00
    const gh = mockGitHub();
    installationWithOnePullRequest(gh, [
      bot(300, escalationMarker("prisma/migration-destructive", 1, HEAD)),
    ]);
    appIdentity(gh);
    const marker = escalationMarker("prisma/migration-destructive", 2, HEAD);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      {
        body: expect.stringContaining(
          "Escalating to **vp-engineering** (step 2 of the prisma escalation path): @vera",
        ),
      },
      { id: 301 },
    );
    gh.get(`${REPO}/issues/${PR}/comments?per_page=100`, [
      bot(300, escalationMarker("prisma/migration-destructive", 1, HEAD)),
      bot(301, marker),
    ]);
    gh.post(
      `${REPO}/pulls/${PR}/requested_reviewers`,
      { reviewers: ["vera"], team_reviewers: [] },
      { number: PR },
    );
    gh.patch(
      `${REPO}/check-runs/77`,
      { output: { summary: expect.stringContaining("escalated to **vp-engineering** (step 2") } },
      { id: 77 },
    );
    expect((await sweepAll(probot, gate)).escalations).toBe(1);
  });

  /** Sweep at step 1's due time with `comments` on the pull request: step 1 must still be taken. */
  async function escalatesDespite(comments: unknown[]) {
    const { probot, gate } = sweeper("2026-11-25T12:00:00Z");
    const gh = mockGitHub();
    installationWithOnePullRequest(gh, comments);
    appIdentity(gh);
    const marker = escalationMarker("prisma/migration-destructive", 1, HEAD);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      {
        body: expect.stringContaining(
          "Escalating to **dba-lead** (step 1 of the prisma escalation path): @dan",
        ),
      },
      { id: 300 },
    );
    gh.get(`${REPO}/issues/${PR}/comments?per_page=100`, [
      ...(comments as { id: number }[]),
      bot(300, marker),
    ]);
    gh.post(
      `${REPO}/pulls/${PR}/requested_reviewers`,
      { reviewers: ["dan"], team_reviewers: [] },
      { number: PR },
    );
    gh.patch(
      `${REPO}/check-runs/77`,
      { output: { summary: expect.stringContaining("escalated to **dba-lead** (step 1") } },
      { id: 77 },
    );
    expect((await sweepAll(probot, gate)).escalations).toBe(1);
  }

  it("is not held back by a step marker a person typed or another App's bot posted", async () => {
    const marker = escalationMarker("prisma/migration-destructive", 1, HEAD);
    await escalatesDespite([
      commentBy("mallory", "User")(290, `Already escalated, nothing to see.\n\n${marker}`),
      commentBy("github-actions[bot]", "Bot")(291, `CI says hi.\n\n${marker}`),
    ]);
  });

  it("is not held back by a step marker the app's own reply quoted (`/governance <marker>` answered before replies were inert)", async () => {
    const marker = escalationMarker("prisma/migration-destructive", 1, HEAD);
    await escalatesDespite([
      commentBy("mallory", "User")(292, `/governance ${marker}`),
      commentBy(APP_LOGIN, "Bot")(
        293,
        `@mallory \`/governance ${marker}\` is not a command I know. Try \`/governance explain\` (or, as a disagreement's mediator, \`/governance decide approve|reject <rationale>\`).\n\n<!-- governance-gate:reply-to:292 -->`,
      ),
    ]);
  });

  it("escalates once when two replicas race: the later duplicate deletes itself", async () => {
    const { probot, gate } = sweeper("2026-11-25T12:00:00Z");
    const gh = mockGitHub();
    installationWithOnePullRequest(gh, []);
    const marker = escalationMarker("prisma/migration-destructive", 1, HEAD);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining(marker) },
      { id: 305 },
    );
    // The other replica's comment (id 304) landed first.
    gh.get(`${REPO}/issues/${PR}/comments?per_page=100`, [bot(304, marker), bot(305, marker)]);
    appIdentity(gh);
    gh.delete(`${REPO}/issues/comments/305`);
    const report = await sweepAll(probot, gate);
    // The other replica took the step (and requests the reviewer and updates the check).
    expect(report.escalations).toBe(0);
    expect(gh.count({ path: `${REPO}/pulls/${PR}/requested_reviewers` })).toBe(0);
  });
});

describe("overdue post-implementation reviews", () => {
  const issue = (due: string) => ({
    number: 31,
    title: "Post-implementation review: #12 Drop avatar URLs",
    state: "open",
    user: { login: APP_LOGIN, type: "Bot" },
    labels: [{ name: "post-implementation-review" }],
    body: `https://github.com/acme/chat/pull/12 was merged…\n\n<!-- governance-gate:review-of acme/chat#12 due=${due} escalate=dba-lead -->`,
  });

  it("escalates a review still open after its due time, once", async () => {
    const { probot, gate } = sweeper("2026-11-25T12:00:00Z");
    const gh = mockGitHub();
    installationWithOnePullRequest(gh, [], [issue("2026-11-24T13:00:00.000Z")]);
    gh.get("/repos/acme/chat/issues/31/comments?per_page=100", []);
    gh.post(
      "/repos/acme/chat/issues/31/comments",
      {
        body: expect.stringContaining(
          "was due 2026-11-24T13:00:00.000Z and is still open. Escalating to dba-lead: @dan",
        ),
      },
      { id: 400 },
    );
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining("Escalating to **dba-lead**") },
      { id: 401 },
    );
    gh.get(`${REPO}/issues/${PR}/comments?per_page=100`, [
      bot(401, escalationMarker("prisma/migration-destructive", 1, HEAD)),
    ]);
    appIdentity(gh);
    gh.post(
      `${REPO}/pulls/${PR}/requested_reviewers`,
      { reviewers: ["dan"], team_reviewers: [] },
      { number: PR },
    );
    gh.patch(`${REPO}/check-runs/77`, {}, { id: 77 });
    const report = await sweepAll(probot, gate);
    expect(report.escalations).toBe(2);
  });

  it("reads the due time from the app's last line only: a reason quoting a later due time is ignored", async () => {
    const { probot, gate } = sweeper("2026-11-25T12:00:00Z");
    const gh = mockGitHub();
    // The review as the app wrote it before reasons were quoted inert: the declarer's reason carries a forged marker.
    const forged = issue("2026-11-24T13:00:00.000Z");
    forged.body = forged.body.replace(
      "was merged…",
      "was merged…\n\n- Reason: hotfix <!-- governance-gate:review-of acme/chat#12 due=2999-01-01T00:00:00.000Z escalate= -->",
    );
    installationWithOnePullRequest(gh, [], [forged]);
    appIdentity(gh);
    gh.get("/repos/acme/chat/issues/31/comments?per_page=100", []);
    gh.post(
      "/repos/acme/chat/issues/31/comments",
      {
        body: expect.stringContaining(
          "was due 2026-11-24T13:00:00.000Z and is still open. Escalating to dba-lead: @dan",
        ),
      },
      { id: 400 },
    );
    // The pull request's own sweep (step 1 is due too).
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining("Escalating to **dba-lead**") },
      { id: 401 },
    );
    gh.get(`${REPO}/issues/${PR}/comments?per_page=100`, [
      bot(401, escalationMarker("prisma/migration-destructive", 1, HEAD)),
    ]);
    gh.post(
      `${REPO}/pulls/${PR}/requested_reviewers`,
      { reviewers: ["dan"], team_reviewers: [] },
      { number: PR },
    );
    gh.patch(`${REPO}/check-runs/77`, {}, { id: 77 });
    expect((await sweepAll(probot, gate)).escalations).toBe(2);
    expect(gh.count({ method: "POST", path: "/repos/acme/chat/issues/31/comments" })).toBe(1);
  });

  it("trusts only reviews the app opened and overdue notes the app posted", async () => {
    const { probot, gate } = sweeper("2026-11-24T16:00:00Z");
    const gh = mockGitHub();
    // Another App's bot opened a look-alike review; on the app's real one, it posted the "already escalated" marker.
    const lookAlike = {
      ...issue("2026-11-23T13:00:00.000Z"),
      number: 33,
      user: { login: "github-actions[bot]", type: "Bot" },
    };
    installationWithOnePullRequest(gh, [], [issue("2026-11-23T13:00:00.000Z"), lookAlike]);
    appIdentity(gh);
    gh.get("/repos/acme/chat/issues/31/comments?per_page=100", [
      commentBy("github-actions[bot]", "Bot")(501, "<!-- governance-gate:review-overdue -->"),
      commentBy("mallory", "User")(502, "<!-- governance-gate:review-overdue -->"),
    ]);
    gh.post(
      "/repos/acme/chat/issues/31/comments",
      { body: expect.stringContaining("Escalating to dba-lead: @dan") },
      { id: 503 },
    );
    expect((await sweepAll(probot, gate)).escalations).toBe(1);
    expect(gh.count({ path: "/repos/acme/chat/issues/33/comments" })).toBe(0);
  });

  it("leaves a review alone before its due time or once it was escalated", async () => {
    const { probot, gate } = sweeper("2026-11-24T16:00:00Z");
    const gh = mockGitHub();
    installationWithOnePullRequest(
      gh,
      [],
      [issue("2026-11-25T13:00:00.000Z"), { ...issue("2026-11-23T13:00:00.000Z"), number: 32 }],
    );
    gh.get("/repos/acme/chat/issues/32/comments?per_page=100", [
      bot(500, "<!-- governance-gate:review-overdue -->"),
    ]);
    appIdentity(gh);
    expect((await sweepAll(probot, gate)).escalations).toBe(0);
  });
});

describe('the ownership matrix\'s review (seed 000: "Review Cycle: Quarterly", "Next Review: 2026-01-20")', () => {
  const MATRIX_POLICY = `${POLICY}  tech-architect: { users: [tara] }\n`;
  const MATRIX =
    "# Ownership Matrix - Chat Backend\n\n**Version**: 1.0  \n**Review Cycle**: Quarterly\n\n…\n\n**Last Reviewed**: 2025-10-20  \n**Next Review**: 2026-01-20  \n**Version**: 1.0\n";
  const MARKER = "<!-- governance-gate:matrix-review due=2026-01-20 -->";
  const LIST = `${REPO}/issues?state=all&labels=governance-review&per_page=100`;
  const reviewIssue = (number: number, login = APP_LOGIN, state = "open") => ({
    number,
    state,
    title: "Ownership matrix review due 2026-01-20",
    user: { login, type: login.endsWith("[bot]") ? "Bot" : "User" },
    labels: [{ name: "governance-review" }],
    body: `Review it.\n\n${MARKER}`,
  });

  /** One repository without open pull requests; its matrix says the next review is 2026-01-20. */
  function repository(gh: GitHubMock) {
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
    gh.get(`${REPO}/issues?state=open&labels=post-implementation-review&per_page=100`, []);
    defaultBranch(gh, MATRIX_POLICY, MATRIX);
    gh.get(`${REPO}/pulls?state=open&per_page=100`, []);
  }

  it("opens one issue on the date, assigned to the matrix's owners (the Tech Architect) and labelled", async () => {
    const { probot, gate } = sweeper("2026-01-20T08:00:00Z");
    const gh = mockGitHub();
    repository(gh);
    gh.get(LIST, []);
    gh.post(
      `${REPO}/issues`,
      {
        title: "Ownership matrix review due 2026-01-20",
        assignees: ["tara"],
        labels: ["governance-review"],
        body: expect.stringContaining(
          "The ownership matrix (`OWNERSHIP.md`) is due for review: its next review date is **2026-01-20**.",
        ),
      },
      { number: 41 },
    );
    gh.get(LIST, [reviewIssue(41)]);
    appIdentity(gh);
    const report = await sweepAll(probot, gate);
    expect(report).toMatchObject({ matrixReviews: 1, errors: 0 });
    const body = (
      gh.calls.find((c) => c.method === "POST" && c.path === `${REPO}/issues`)!.body as {
        body: string;
      }
    ).body;
    expect(body.trimEnd().endsWith(MARKER)).toBe(true);
    expect(body).toContain("@tara: please review who owns what");
  });

  it("opens nothing the day before", async () => {
    const { probot, gate } = sweeper("2026-01-19T23:59:00Z");
    const gh = mockGitHub();
    repository(gh);
    expect((await sweepAll(probot, gate)).matrixReviews).toBe(0);
    expect(gh.count({ method: "POST", kind: "rest" })).toBe(0);
  });

  it("never opens a second one for the same date, even once the first is closed", async () => {
    const { probot, gate } = sweeper("2026-02-03T10:00:00Z");
    const gh = mockGitHub();
    repository(gh);
    gh.get(LIST, [reviewIssue(41, APP_LOGIN, "closed")]);
    appIdentity(gh);
    expect((await sweepAll(probot, gate)).matrixReviews).toBe(0);
    expect(gh.count({ method: "POST", kind: "rest" })).toBe(0);
  });

  it("is not held back by a look-alike issue a person opened", async () => {
    const { probot, gate } = sweeper("2026-01-20T08:00:00Z");
    const gh = mockGitHub();
    repository(gh);
    gh.get(LIST, [reviewIssue(40, "mallory")]);
    gh.post(`${REPO}/issues`, { title: "Ownership matrix review due 2026-01-20" }, { number: 41 });
    gh.get(LIST, [reviewIssue(40, "mallory"), reviewIssue(41)]);
    appIdentity(gh);
    expect((await sweepAll(probot, gate)).matrixReviews).toBe(1);
  });

  it("when two replicas race, the later issue closes itself", async () => {
    const { probot, gate } = sweeper("2026-01-20T08:00:00Z");
    const gh = mockGitHub();
    repository(gh);
    gh.get(LIST, []);
    gh.post(`${REPO}/issues`, { title: "Ownership matrix review due 2026-01-20" }, { number: 42 });
    gh.get(LIST, [reviewIssue(41), reviewIssue(42)]);
    appIdentity(gh);
    gh.patch(`${REPO}/issues/42`, { state: "closed", state_reason: "not_planned" }, { number: 42 });
    expect((await sweepAll(probot, gate)).matrixReviews).toBe(0);
  });
});

it("reads the next review date as matrices write it: bold, plain, or in a table", () => {
  expect(nextReviewIn("**Last Reviewed**: 2025-10-20  \n**Next Review**: 2026-01-20  \n")).toBe(
    "2026-01-20",
  );
  expect(nextReviewIn("Next review: 2026-04-20")).toBe("2026-04-20");
  expect(nextReviewIn("| Next Review | 2026-07-20 |")).toBe("2026-07-20");
  expect(nextReviewIn("We said the next review: 2026-13-40 would do.")).toBeUndefined();
  expect(nextReviewIn("**Last Reviewed**: 2025-10-20")).toBeUndefined();
});
