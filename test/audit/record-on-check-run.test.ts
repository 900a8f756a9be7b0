import { expect, it } from "vitest";
import { ProbotOctokit } from "probot";
import {
  buildPolicyFailureRecord,
  CHECK_FIELD_LIMIT,
  readDecisionRecord,
  withDecisionRecord,
} from "../../src/audit/decision-record.js";
import { CheckRuns } from "../../src/github/apply.js";
import { readHeadState, withHeadState } from "../../src/github/check-state.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, RepoWorld } from "../github-support/repo-world.js";
import { DEFAULT_PR } from "../github-support/webhooks.js";

/** The app writes the decision record on every `governance` check run, through the real event path. */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

it("the check run carries the record of the decision: the policy read, the level, who signed by which review or comment and when, what was refused", async () => {
  const world = new RepoWorld(mockGitHub(), {
    policy: CHAT_POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  const receive = appOn(world);
  world.openPull({ number: 1, head: HEAD, files: [migrationFile(HEAD)] });
  await receive(world.event("pull_request", "opened", 1));

  world.now = new Date("2026-11-23T10:20:00Z");
  const review = world.review(1, "dan", "APPROVED");
  await receive(world.event("pull_request_review", "submitted", 1, { review }));
  world.now = new Date("2026-11-23T10:40:00Z");
  const command = world.comment(1, "bea", "/approve-level3");
  await receive(world.event("issue_comment", "created", 1, { comment: command }));
  world.now = new Date("2026-11-23T10:50:00Z");
  const refused = world.comment(1, "octocat", "/approve-level3");
  await receive(world.event("issue_comment", "created", 1, { comment: refused }));

  const run = world.checkOn(HEAD)!;
  expect(run.title).toBe("Level 3 — joint approval: 2 of 3 sign-offs");
  // The reviewer reads the summary; the record is its hidden last line.
  expect(run.summary.split("\n").at(-1)).toMatch(/^<!-- governance-gate:decision /);
  const reading = readDecisionRecord(run.summary);
  expect(reading).toMatchObject({
    status: "ok",
    record: {
      recordVersion: 1,
      pullRequest: 1,
      head: HEAD,
      base: { ref: "main", sha: DEFAULT_PR.baseSha },
      conclusion: "failure",
      outcome: "decided",
      level: 3,
      policy: {
        source: expect.stringContaining(".github/governance.yml"),
        commit: DEFAULT_PR.baseSha,
        lint: { errors: 0 },
      },
      signoffs: [
        {
          role: "dba-lead",
          login: "dan",
          via: "review",
          reviewId: review.id,
          at: "2026-11-23T10:20:00.000Z",
        },
        {
          role: "backend-lead",
          login: "bea",
          via: "command",
          commentId: command.id,
          at: "2026-11-23T10:40:00.000Z",
        },
      ],
      refused: [
        {
          login: "octocat",
          commentId: refused.id,
          reason: "the pull request's author cannot sign off their own change",
        },
      ],
    },
  });
});

it("a base policy that fails lint leaves a record saying nothing was decided", async () => {
  const world = new RepoWorld(mockGitHub(), {
    policy: CHAT_POLICY.replace("dba-lead: { users: [dan] }", "dba-lead: { user: [dan] }"),
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  const receive = appOn(world);
  world.openPull({ number: 2, head: HEAD, files: [migrationFile(HEAD)] });
  await receive(world.event("pull_request", "opened", 2));

  const run = world.checkOn(HEAD)!;
  expect(run.conclusion).toBe("failure");
  const record = recordOn(run.summary);
  expect(record).toMatchObject({
    pullRequest: 2,
    head: HEAD,
    outcome: "policy-invalid",
    conclusion: "failure",
    areas: [],
    signoffs: [],
  });
  expect(record.policy.lint.errors).toBeGreaterThan(0);
});

function recordOn(summary: string) {
  const reading = readDecisionRecord(summary);
  if (reading.status !== "ok") throw new Error(`no decision record on the run (${reading.status})`);
  return reading.record;
}

it("a summary over GitHub's 65,535 characters is cut to fit before it is sent, keeping the state line and the record readable", async () => {
  const gh = mockGitHub();
  let sent = "";
  gh.post(
    "/repos/acme/chat/check-runs",
    (body: { output: { summary: string } }) => ((sent = body.output.summary), true),
    { id: 9, started_at: "2026-11-23T10:00:00Z" },
  );
  const octokit = new ProbotOctokit({
    auth: { token: "ghs_test" },
    retry: { enabled: false },
    throttle: { enabled: false },
  });
  const record = buildPolicyFailureRecord({
    pullRequest: 4,
    head: HEAD,
    base: { ref: "main", sha: DEFAULT_PR.baseSha },
    policySource: ".github/governance.yml",
    policyProblems: [],
  });
  const summary = withHeadState(
    withDecisionRecord(`${"A long explanation. ".repeat(3300)}`, record),
    { prs: { "4": { conclusion: "failure" } } },
  );
  expect(summary.length).toBeGreaterThan(CHECK_FIELD_LIMIT);

  await new CheckRuns(APP_ID).write(
    octokit,
    { owner: "acme", repo: "chat" },
    HEAD,
    { conclusion: "failure", title: "t", summary },
    null,
  );
  expect(sent.length).toBeLessThanOrEqual(CHECK_FIELD_LIMIT);
  expect(readHeadState(sent)?.prs["4"]?.conclusion).toBe("failure");
  expect(recordOn(sent)).toEqual(record);
});
