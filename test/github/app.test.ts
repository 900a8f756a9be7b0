import { createRequire } from "node:module";
import { Probot, ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/index.js";
import { answerGraphql } from "../github-support/graphql-world.js";
import {
  mockGitHub,
  setupNock,
  type GitHubMock,
  type RecordedCall,
} from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { DEFAULT_PR, prPayload, webhookEvent } from "../github-support/webhooks.js";
import { appKeys } from "../github-support/app-server.js";

/**
 * The app through Probot's `receive()`, with real webhook payloads and every
 * GitHub call mocked, validated against GitHub's API description and counted.
 */

setupNock();

const PRIVATE_KEY = appKeys().privateKey;
const APP_ID = 4242;
const REPO = "/repos/acme/chat";
const { headSha: HEAD, baseSha: BASE, number: PR } = DEFAULT_PR;
const NEW_HEAD = "5e6f708192a3b4c5d6e7f8091a2b3c4d1a2b3c4d";
const CHECK_STARTED = "2026-11-23T10:00:00Z";
const NOW = new Date("2026-11-23T12:00:00Z");

const POLICY = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  backend-team: { users: [bob] }
  tech-architect: { users: [tara] }
  security-lead: { users: [sid] }
  devops-lead: { users: [dev] }
`;

const MIGRATION_FILE = migrationFile();

function newProbot(chat?: (text: string) => Promise<void>, replicated = false): Probot {
  const probot = new Probot({
    appId: APP_ID,
    privateKey: PRIVATE_KEY,
    // The function form: the object form leaves throttling on in tests.
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
    logLevel: "fatal",
  });
  probot.load(createApp({ appId: APP_ID, now: () => NOW, chat, replicated }));
  return probot;
}

/** A payload for acme/chat#12 with nobody requested yet (real examples carry their own requests). */
function payload<E extends "pull_request" | "pull_request_review" | "issue_comment">(
  event: E,
  action: string,
  overrides: Parameters<typeof prPayload>[2] = {},
) {
  const p = prPayload(event, action as never, { author: "octocat", ...overrides }) as Record<
    string,
    unknown
  >;
  const pr = p.pull_request as Record<string, unknown> | undefined;
  if (pr)
    Object.assign(pr, {
      requested_reviewers: [],
      requested_teams: [],
      changed_files: 1,
      state: overrides.state ?? "open",
    });
  return p;
}

/** The mock the current step of a test registers on (see `mock()`). */
let current: GitHubMock | undefined;
function mock(): GitHubMock {
  current = mockGitHub();
  return current;
}

/**
 * What GitHub holds for acme/chat#12 as the pull request's snapshot query sees
 * it (src/github/snapshot.ts): set by `conversation`, `checkRuns`, `teams` and
 * `pullIs`, answered by executing the app's real query against GitHub's schema.
 */
interface World {
  pull?: unknown;
  reviews: unknown[];
  comments: unknown[];
  runs: unknown[];
  teams: Record<string, string[]>;
  /** File contents by `commit:path`. */
  blobs: Record<string, string>;
}
const worlds = new WeakMap<GitHubMock, World>();
function world(gh: GitHubMock): World {
  let w = worlds.get(gh);
  if (!w) worlds.set(gh, (w = { reviews: [], comments: [], runs: [], teams: {}, blobs: {} }));
  return w;
}
function answer(gh: GitHubMock, fallbackPull: unknown) {
  return (call: RecordedCall) => {
    const w = world(gh);
    return answerGraphql(call.body as { query: string }, {
      pullRequest: (owner, repo, number) =>
        owner === "acme" && repo === "chat" && number === PR
          ? {
              pull: w.pull ?? fallbackPull,
              reviews: w.reviews,
              comments: w.comments,
              checkRuns: w.runs,
            }
          : undefined,
      teamMembers: (org, slug) => (org === "acme" ? w.teams[slug] : undefined),
      blob: (owner, repo, expression) =>
        owner === "acme" && repo === "chat" && expression in w.blobs
          ? { text: w.blobs[expression]!, isBinary: false }
          : undefined,
    });
  };
}
/** The one query that reads the pull request, its conversation, its policy's teams and our check run. */
function snapshot(gh: GitHubMock, pull: unknown = pullRequestJson()) {
  gh.graphql("query PullRequestSnapshot", answer(gh, pull));
}
/** Members of teams the snapshot did not ask for (the first event after a policy names them). */
function teamQuery(gh: GitHubMock) {
  gh.graphql("query TeamMembers", answer(gh, undefined));
}

const EVALUATED = new Set([
  "opened",
  "reopened",
  "synchronize",
  "labeled",
  "unlabeled",
  "ready_for_review",
  "edited",
  "submitted",
  "dismissed",
  "created",
  "closed",
]);

/**
 * Delivers a webhook. Events the gate evaluates make it read the pull request
 * again (a late delivery carries an old copy), so that read is expected here,
 * answering with the pull request as the payload shows it unless `pullIs` said otherwise.
 */
async function deliver(
  probot: Probot,
  event: "pull_request" | "pull_request_review" | "issue_comment",
  p: Record<string, unknown>,
) {
  const pr = (p.pull_request ?? pullRequestJson()) as { state?: string; merged?: boolean };
  if (
    (pr.state === "open" || pr.merged) &&
    EVALUATED.has(String(p.action)) &&
    !(p.action === "edited" && event === "pull_request" && !p.changes)
  ) {
    snapshot(current!, pr);
  }
  await probot.receive(webhookEvent(event, p as never));
}

/** An issue_comment event on the pull request, its comment carrying `id`. */
function commentEvent(action: "created" | "edited", actor: string, body: string, id: number) {
  const p = payload("issue_comment", action, { actor, commentBody: body });
  (p.comment as { id: number }).id = id;
  return p;
}

function pullRequestJson(head = HEAD, base = BASE) {
  return payload("pull_request", "opened", { headSha: head, baseSha: base }).pull_request;
}

// --- mocks of the calls the app makes --------------------------------------

function policyAt(gh: GitHubMock, sha: string, text = POLICY) {
  gh.get(`${REPO}/contents/.github%2Fgovernance.yml?ref=${sha}`, text, 200, {
    headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
  });
}
function files(gh: GitHubMock, list: unknown[] = [MIGRATION_FILE]) {
  gh.get(`${REPO}/pulls/${PR}/files?per_page=100`, list);
}
function conversation(gh: GitHubMock, reviews: unknown[] = [], comments: unknown[] = []) {
  Object.assign(world(gh), { reviews, comments });
}
/** Our check runs on the head commit, as the snapshot shows them. */
function checkRuns(gh: GitHubMock, runs: unknown[] = []) {
  world(gh).runs = runs;
}
function teams(gh: GitHubMock, slug: string, members: string[]) {
  world(gh).teams[slug] = members;
}
/** The REST lookup of a commit's check run: for commits no snapshot covers (a merge group's, or after a failure). */
function lookupCheckRuns(gh: GitHubMock, sha: string, runs: unknown[] = []) {
  gh.get(
    `${REPO}/commits/${sha}/check-runs?check_name=governance&filter=all&per_page=100&app_id=${APP_ID}`,
    { total_count: runs.length, check_runs: runs },
  );
}
function createsCheck(gh: GitHubMock, sha: string, conclusion: string, title: string, id = 77) {
  gh.post(
    `${REPO}/check-runs`,
    { name: "governance", head_sha: sha, status: "completed", conclusion, output: { title } },
    { id, head_sha: sha, started_at: CHECK_STARTED },
  );
}
function updatesCheck(gh: GitHubMock, conclusion: string, title: string, id = 77) {
  gh.patch(
    `${REPO}/check-runs/${id}`,
    { status: "completed", conclusion, output: { title } },
    { id },
  );
}
function requestsReviewers(gh: GitHubMock, reviewers: string[], teams: string[] = []) {
  gh.post(
    `${REPO}/pulls/${PR}/requested_reviewers`,
    { reviewers, team_reviewers: teams },
    { number: PR },
  );
}
// The same review keeps its id from one event to the next, as on GitHub (the decision record cites it).
function review(
  user: string,
  state: string,
  commit = HEAD,
  at = "2026-11-23T11:00:00Z",
  id = [...`${user}/${state}/${commit}/${at}`].reduce(
    (h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_000,
    7,
  ),
) {
  return {
    id,
    user: { login: user, id: 1, type: "User" },
    body: "",
    state,
    commit_id: commit,
    submitted_at: at,
    html_url: "",
    pull_request_url: "",
    author_association: "MEMBER",
    _links: {},
  };
}
function comment(
  user: string,
  body: string,
  id: number,
  at = "2026-11-23T11:00:00Z",
  updated = at,
) {
  return {
    id,
    user: { login: user, id: 2, type: "User" },
    body,
    created_at: at,
    updated_at: updated,
    html_url: "",
    issue_url: "",
    author_association: "MEMBER",
  };
}
function existingRun(sha: string, conclusion: string, title: string, summary: string) {
  return {
    id: 77,
    head_sha: sha,
    name: "governance",
    app: { id: APP_ID },
    status: "completed",
    conclusion,
    started_at: CHECK_STARTED,
    output: { title, summary, text: null, annotations_count: 0 },
  };
}

const OPEN_TITLE = "Level 3 — joint approval: 0 of 3 sign-offs";

describe("a pull request from open to passing", () => {
  it("fails on open and requests the approvers, within the call budget", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh);
    checkRuns(gh);
    createsCheck(gh, HEAD, "failure", OPEN_TITLE);
    requestsReviewers(gh, ["bea", "dan", "sam"]);
    await deliver(probot, "pull_request", payload("pull_request", "opened"));
    // policy read + files + create + reviewers, and one GraphQL snapshot (the pull request as it
    // is now, its conversation, our check run on the head): 5 calls; with a cached policy, 4.
    expect(gh.count({ kind: "rest" })).toBe(4);
    expect(gh.count({ kind: "graphql" })).toBe(1);
  });

  it("counts sign-offs review by review and command by command, then passes", async () => {
    const probot = newProbot();
    const open = mock();
    open.installationToken(DEFAULT_PR.installationId);
    policyAt(open, BASE);
    files(open);
    checkRuns(open);
    createsCheck(open, HEAD, "failure", OPEN_TITLE);
    requestsReviewers(open, ["bea", "dan", "sam"]);
    await deliver(probot, "pull_request", payload("pull_request", "opened"));

    const reviewed = mock();
    conversation(reviewed, [review("dan", "APPROVED"), review("bea", "APPROVED")]);
    updatesCheck(reviewed, "failure", "Level 3 — joint approval: 2 of 3 sign-offs");
    await deliver(
      probot,
      "pull_request_review",
      payload("pull_request_review", "submitted", { actor: "bea", reviewState: "approved" }),
    );
    // The snapshot and the check's update: nothing else.
    expect(reviewed.count({ kind: "graphql" })).toBe(1);
    expect(reviewed.count({ kind: "rest" })).toBe(1);

    const commanded = mock();
    conversation(
      commanded,
      [review("dan", "APPROVED"), review("bea", "APPROVED")],
      [comment("sam", "Rollback plan checked.\n/approve-level3", 501)],
    );
    updatesCheck(commanded, "success", "Level 3 — joint approval: 3 of 3 sign-offs ✓");
    commanded.post(
      `${REPO}/issues/comments/501/reactions`,
      { content: "+1" },
      { id: 1, content: "+1" },
    );
    const sam = commentEvent("created", "sam", "Rollback plan checked.\n/approve-level3", 501);
    await deliver(probot, "issue_comment", sam);
    expect(commanded.count({ kind: "graphql" })).toBe(1);
    expect(commanded.count({ kind: "rest" })).toBe(2);
  });

  it("fails again after a push: approvals of the earlier commit no longer count", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    gh.get(`${REPO}/pulls/${PR}/files?per_page=100`, [{ ...migrationFile(NEW_HEAD), sha: "4a" }]);
    conversation(gh, [
      review("dan", "APPROVED"),
      review("bea", "APPROVED"),
      review("sam", "APPROVED"),
    ]);
    checkRuns(gh);
    createsCheck(gh, NEW_HEAD, "failure", OPEN_TITLE, 78);
    requestsReviewers(gh, ["bea", "dan", "sam"]);
    await deliver(
      probot,
      "pull_request",
      payload("pull_request", "synchronize", { headSha: NEW_HEAD, beforeSha: HEAD }),
    );
  });
});

describe("security properties", () => {
  function evaluatedOnce(gh: GitHubMock) {
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh);
    checkRuns(gh, [existingRun(HEAD, "failure", OPEN_TITLE, "")]);
  }

  /** A command in a new comment that must not count: the check stays failing and a reply says why. */
  async function refusedCommand(c: {
    event: ReturnType<typeof commentEvent>;
    conversation: [unknown[], unknown[]];
    title: string;
    reviewers: string[];
    reply: string;
  }) {
    const probot = newProbot();
    const gh = mock();
    evaluatedOnce(gh);
    conversation(gh, ...c.conversation);
    updatesCheck(gh, "failure", c.title);
    requestsReviewers(gh, c.reviewers);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining(c.reply) },
      { id: 9999 },
    );
    await deliver(probot, "issue_comment", c.event);
  }

  it("ignores the author's own sign-off command and says why", async () => {
    await refusedCommand({
      event: commentEvent("created", "octocat", "/approve-level3", 601),
      conversation: [
        [review("dan", "APPROVED"), review("sam", "APPROVED")],
        [comment("octocat", "/approve-level3", 601)],
      ],
      title: "Level 3 — joint approval: 2 of 3 sign-offs",
      reviewers: ["bea"],
      reply:
        "@octocat `/approve-level3` did not count: the pull request's author cannot sign off their own change.",
    });
  });

  it("ignores an edited command and says so", async () => {
    await refusedCommand({
      event: commentEvent("edited", "sam", "/approve-level3", 701),
      conversation: [
        [review("dan", "APPROVED"), review("bea", "APPROVED")],
        [comment("sam", "/approve-level3", 701, "2026-11-23T11:00:00Z", "2026-11-23T11:05:00Z")],
      ],
      title: "Level 3 — joint approval: 2 of 3 sign-offs",
      reviewers: ["sam"],
      reply: "edited comments do not count",
    });
  });

  it("refuses a command from someone who holds no required role", async () => {
    await refusedCommand({
      event: commentEvent("created", "mallory", "/approve-level3", 801),
      conversation: [[], [comment("mallory", "/approve-level3", 801)]],
      title: OPEN_TITLE,
      reviewers: ["bea", "dan", "sam"],
      reply:
        "@mallory is not a member of a role this pull request needs (backend-lead, dba-lead, sre-lead)",
    });
  });

  it("judges a pull request that edits the policy by the base branch's policy", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    // Only the base commit's policy is mocked: reading the head's would be an unmatched request.
    policyAt(gh, BASE);
    files(gh, [
      {
        ...MIGRATION_FILE,
        filename: ".github/governance.yml",
        status: "modified",
        patch:
          "@@ -1,2 +1,3 @@\n extends: chat-backend\n+levels: { 3: { commandOnly: false } }\n roles:",
      },
    ]);
    // A YAML file: the manifest detectors read it whole (and find no Kubernetes objects).
    world(gh).blobs = {
      [`${BASE}:.github/governance.yml`]: POLICY,
      [`${HEAD}:.github/governance.yml`]: POLICY.replace(
        "roles:",
        "levels: { 3: { commandOnly: false } }\nroles:",
      ),
    };
    checkRuns(gh);
    createsCheck(gh, HEAD, "failure", "Level 3 — joint approval: 0 of 3 sign-offs");
    requestsReviewers(gh, ["bea", "dan", "tara"]);
    await deliver(probot, "pull_request", payload("pull_request", "opened"));
    const created = gh.calls.find((c) => c.method === "POST" && c.path.endsWith("/check-runs"));
    expect(JSON.stringify(created?.body)).toContain("governance/base");
    // Both sides of the YAML file came with the snapshot: one GraphQL query in all.
    expect(gh.count({ kind: "graphql" })).toBe(1);
  });

  it("lints the policy a pull request proposes: a broken policy cannot merge", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh, [
      {
        ...MIGRATION_FILE,
        filename: ".github/governance.yml",
        status: "modified",
        patch: "@@ -1,2 +1,2 @@\n extends: chat-backend\n-roles:\n+roels:",
      },
    ]);
    world(gh).blobs = {
      [`${BASE}:.github/governance.yml`]: POLICY,
      [`${HEAD}:.github/governance.yml`]: POLICY.replace("roles:", "roels:"),
    };
    checkRuns(gh);
    gh.post(
      `${REPO}/check-runs`,
      {
        conclusion: "failure",
        output: {
          summary: expect.stringContaining(
            'the proposed .github/governance.yml: .github/governance.yml:2:1: error: unknown key "roels" (at roels) — **fix:** fix the policy in this pull request',
          ),
        },
      },
      { id: 83, started_at: CHECK_STARTED },
    );
    requestsReviewers(gh, ["bea", "dan", "tara"]);
    await deliver(probot, "pull_request", payload("pull_request", "opened"));
  });

  it("re-reads the policy at the new base when the pull request is retargeted", async () => {
    const probot = newProbot();
    const NEW_BASE = "7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(
      gh,
      NEW_BASE,
      POLICY.replace("sre-lead: { users: [sam] }", "sre-lead: { users: [sue] }"),
    );
    gh.get(`${REPO}/pulls/${PR}/files?per_page=100`, [MIGRATION_FILE]);
    conversation(gh);
    checkRuns(gh, [existingRun(HEAD, "failure", OPEN_TITLE, "")]);
    gh.patch(
      `${REPO}/check-runs/77`,
      {
        conclusion: "failure",
        output: {
          summary: expect.stringContaining(
            "Reviewers requested for what is missing: @bea, @dan, @sue.",
          ),
        },
      },
      { id: 77 },
    );
    requestsReviewers(gh, ["bea", "dan", "sue"]);
    const retargeted = payload("pull_request", "edited", {
      baseSha: NEW_BASE,
      baseRef: "release/2.4",
    });
    retargeted.changes = { base: { ref: { from: "main" }, sha: { from: BASE } } };
    await deliver(probot, "pull_request", retargeted);
  });
});

describe("idempotency and failing closed", () => {
  it("changes nothing when the same delivery arrives twice", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh);
    checkRuns(gh);
    createsCheck(gh, HEAD, "failure", OPEN_TITLE);
    requestsReviewers(gh, ["bea", "dan", "sam"]);
    const opened = payload("pull_request", "opened");
    await deliver(probot, "pull_request", opened);
    const writes = () => gh.calls.filter((c) => c.method !== "GET" && c.kind === "rest").length;
    const before = writes();
    // A check run exists now, so a late "opened" reads the conversation too.
    conversation(gh);
    await deliver(probot, "pull_request", structuredClone(opened));
    // The second delivery only re-reads the pull request: nothing is written.
    expect(writes()).toBe(before);
  });

  it("another replica receiving the duplicate finds the same check and does not rewrite it", async () => {
    const first = newProbot();
    const a = mock();
    a.installationToken(DEFAULT_PR.installationId);
    policyAt(a, BASE);
    files(a);
    checkRuns(a);
    createsCheck(a, HEAD, "failure", OPEN_TITLE);
    requestsReviewers(a, ["bea", "dan", "sam"]);
    await deliver(first, "pull_request", payload("pull_request", "opened"));
    const created = a.calls.find((c) => c.method === "POST" && c.path.endsWith("/check-runs"))!
      .body as { output: { title: string; summary: string } };

    const second = newProbot();
    const b = mock();
    b.installationToken(DEFAULT_PR.installationId);
    policyAt(b, BASE);
    files(b);
    checkRuns(b, [existingRun(HEAD, "failure", created.output.title, created.output.summary)]);
    conversation(b);
    requestsReviewers(b, ["bea", "dan", "sam"]);
    await deliver(second, "pull_request", payload("pull_request", "opened"));
    expect(b.count({ method: "PATCH" })).toBe(0);
    expect(b.count({ method: "POST", path: `${REPO}/check-runs` })).toBe(0);
  });

  it("fails the check with file:line:col when the base branch's policy is invalid", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE, "extends: chat-backend\nroles:\n  backend-lead: { user: [bea] }\n");
    checkRuns(gh);
    gh.post(
      `${REPO}/check-runs`,
      {
        conclusion: "failure",
        output: {
          title: "Invalid governance policy: 1 problem",
          summary: expect.stringContaining(
            '.github/governance.yml:3:19: error: unknown key "user" (at roles.backend-lead.user)',
          ),
        },
      },
      { id: 79, started_at: CHECK_STARTED },
    );
    await deliver(probot, "pull_request", payload("pull_request", "opened"));
  });

  it("fails the check, never passes it, when GitHub keeps failing", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    gh.get(`${REPO}/pulls/${PR}/files?per_page=100`, { message: "Server Error" }, 502);
    // A new head's files are listed first (so the snapshot can carry their contents): the failure
    // comes before anything else is read, and the fail-closed write looks the run up itself.
    lookupCheckRuns(gh, HEAD);
    gh.post(
      `${REPO}/check-runs`,
      {
        conclusion: "failure",
        output: {
          title: "Governance could not be evaluated",
          summary: expect.stringContaining("re-run the `governance` check"),
        },
      },
      { id: 80, started_at: CHECK_STARTED },
    );
    await probot.receive(webhookEvent("pull_request", payload("pull_request", "opened") as never));
  });

  it("says how to add a policy when the repository has none", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    gh.get(`${REPO}/contents/.github%2Fgovernance.yml?ref=${BASE}`, { message: "Not Found" }, 404);
    gh.get(`/repos/acme/.github/contents/.github%2Fgovernance.yml`, { message: "Not Found" }, 404);
    checkRuns(gh);
    gh.post(
      `${REPO}/check-runs`,
      {
        conclusion: "failure",
        output: {
          title: "No governance policy",
          summary: expect.stringContaining("extends: chat-backend"),
        },
      },
      { id: 81, started_at: CHECK_STARTED },
    );
    await deliver(probot, "pull_request", payload("pull_request", "opened"));
  });

  it("ignores comments by bots, its own replies included", async () => {
    const probot = newProbot();
    const gh = mock();
    const bot = payload("issue_comment", "created", {
      actor: "governance-gate[bot]",
      commentBody: "/approve-level3",
    });
    (bot.comment as { user: { type: string } }).user.type = "Bot";
    (bot.sender as { type: string }).type = "Bot";
    await probot.receive(webhookEvent("issue_comment", bot as never));
    expect(gh.count()).toBe(0);
  });
});

describe("more events", () => {
  it("re-evaluates when the governance check is re-run", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh);
    conversation(gh, [
      review("dan", "APPROVED"),
      review("bea", "APPROVED"),
      review("sam", "APPROVED"),
    ]);
    checkRuns(gh, [existingRun(HEAD, "failure", "Governance could not be evaluated", "")]);
    updatesCheck(gh, "success", "Level 3 — joint approval: 3 of 3 sign-offs ✓");
    snapshot(gh);
    const rerun = prPayload("check_run", "rerequested", { checkName: "governance" });
    await probot.receive(webhookEvent("check_run", rerun));
  });

  it("ignores re-runs of other checks", async () => {
    const probot = newProbot();
    const gh = mock();
    await probot.receive(
      webhookEvent("check_run", prPayload("check_run", "rerequested", { checkName: "lint" })),
    );
    expect(gh.count()).toBe(0);
  });

  it("re-evaluates open pull requests when the default branch changes the policy", async () => {
    const probot = newProbot();
    const NEW_BASE = "c0ffee0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    gh.get(`${REPO}/pulls?state=open&base=main&per_page=100`, [pullRequestJson(HEAD, NEW_BASE)]);
    snapshot(gh, pullRequestJson(HEAD, NEW_BASE));
    policyAt(
      gh,
      NEW_BASE,
      POLICY.replace("dba-lead: { users: [dan] }", "dba-lead: { users: [dana] }"),
    );
    files(gh);
    conversation(gh, [
      review("dan", "APPROVED"),
      review("bea", "APPROVED"),
      review("sam", "APPROVED"),
    ]);
    checkRuns(gh, [
      existingRun(HEAD, "success", "Level 3 — joint approval: 3 of 3 sign-offs ✓", ""),
    ]);
    updatesCheck(gh, "failure", "Level 3 — joint approval: 2 of 3 sign-offs");
    requestsReviewers(gh, ["dana"]);
    const push = prPayload("push", undefined as never, {
      headRef: "main",
      headSha: NEW_BASE,
      baseRef: "main",
    }) as Record<string, unknown>;
    (push.commits as { added: string[]; modified: string[]; removed: string[] }[]).forEach(
      (c, i) => {
        c.added = [];
        c.removed = [];
        c.modified = i === 0 ? [".github/governance.yml"] : ["README.md"];
      },
    );
    await probot.receive(webhookEvent("push", push as never));
  });

  it("re-evaluates open pull requests when the default branch changes a file the policy extends", async () => {
    const probot = newProbot();
    const OLD_BASE = "0badc0de1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";
    const NEW_BASE = "c0ffee0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";
    const ROOT = "extends: governance-base.yml\n";
    const baseFileAt = (sha: string, text: string) =>
      gh.get(`${REPO}/contents/.github%2Fgovernance-base.yml?ref=${sha}`, text, 200, {
        headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
      });
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    // The policy before the push says which files it is built from.
    policyAt(gh, OLD_BASE, ROOT);
    baseFileAt(OLD_BASE, POLICY);
    gh.get(`${REPO}/pulls?state=open&base=main&per_page=100`, [pullRequestJson(HEAD, NEW_BASE)]);
    snapshot(gh, pullRequestJson(HEAD, NEW_BASE));
    policyAt(gh, NEW_BASE, ROOT);
    baseFileAt(
      NEW_BASE,
      POLICY.replace("dba-lead: { users: [dan] }", "dba-lead: { users: [dana] }"),
    );
    files(gh);
    conversation(gh, [
      review("dan", "APPROVED"),
      review("bea", "APPROVED"),
      review("sam", "APPROVED"),
    ]);
    checkRuns(gh, [
      existingRun(HEAD, "success", "Level 3 — joint approval: 3 of 3 sign-offs ✓", ""),
    ]);
    updatesCheck(gh, "failure", "Level 3 — joint approval: 2 of 3 sign-offs");
    requestsReviewers(gh, ["dana"]);
    const push = prPayload("push", undefined as never, {
      headRef: "main",
      headSha: NEW_BASE,
      baseRef: "main",
    }) as Record<string, unknown>;
    push.before = OLD_BASE;
    (push.commits as { added: string[]; modified: string[]; removed: string[] }[]).forEach(
      (c, i) => {
        c.added = [];
        c.removed = [];
        c.modified = i === 0 ? [".github/governance-base.yml"] : ["README.md"];
      },
    );
    await probot.receive(webhookEvent("push", push as never));
  });

  it("fails closed on a pull request of more than 3,000 files", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    checkRuns(gh);
    gh.post(
      `${REPO}/check-runs`,
      {
        conclusion: "failure",
        output: {
          summary: expect.stringContaining("changes 3200 files; GitHub lists at most 3000"),
        },
      },
      { id: 82, started_at: CHECK_STARTED },
    );
    const huge = payload("pull_request", "opened");
    (huge.pull_request as { changed_files: number }).changed_files = 3200;
    await deliver(probot, "pull_request", huge);
  });

  it("reads team membership once per team and lets a team member sign", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    // breaking-change declares api-breaking for the migration too (issue 11 §1): seed 000 line 47, Tech Architect + Product Owner.
    policyAt(
      gh,
      BASE,
      POLICY.replace(
        "sre-lead: { users: [sam] }",
        "sre-lead: { teams: [sre-leads] }\n  product-owner: { users: [priya] }",
      ),
    );
    files(gh);
    teams(gh, "sre-leads", ["sam", "sue"]);
    // First event of this process: the snapshot did not know the policy's teams yet, so one query reads them.
    teamQuery(gh);
    const signed = [
      review("dan", "APPROVED"),
      review("bea", "APPROVED"),
      review("sue", "APPROVED"),
      review("tara", "APPROVED"),
      review("priya", "APPROVED"),
    ];
    conversation(gh, signed);
    checkRuns(gh, [existingRun(HEAD, "failure", OPEN_TITLE, "")]);
    updatesCheck(gh, "success", "Level 3 — joint approval: 5 of 5 sign-offs ✓");
    await deliver(
      probot,
      "pull_request",
      payload("pull_request", "labeled", { label: "breaking-change", labels: ["breaking-change"] }),
    );
    expect(
      gh.calls.filter((c) => (JSON.stringify(c.body) ?? "").includes("sre-leads")).length,
    ).toBe(1);

    // The next event asks for the team in the snapshot itself: no separate team query.
    const again = mock();
    teams(again, "sre-leads", ["sam", "sue"]);
    conversation(again, signed);
    checkRuns(again, [
      existingRun(HEAD, "success", "Level 3 — joint approval: 5 of 5 sign-offs ✓", ""),
    ]);
    await deliver(
      probot,
      "pull_request_review",
      payload("pull_request_review", "submitted", {
        actor: "sue",
        reviewState: "approved",
        labels: ["breaking-change"],
      }),
    );
    expect(again.count()).toBe(1);
  });

  it("does not evaluate for a label no rule reads", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    await probot.receive(
      webhookEvent(
        "pull_request",
        payload("pull_request", "labeled", {
          label: "good first issue",
          labels: ["good first issue"],
        }) as never,
      ),
    );
    expect(gh.count({ kind: "rest" })).toBe(1);
  });
});

describe("/governance explain", () => {
  it("replies with the full explanation: level, areas, who must sign and why, what is missing", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh);
    checkRuns(gh, [existingRun(HEAD, "failure", OPEN_TITLE, "")]);
    conversation(gh, [], [comment("carol", "What does this need?\n/governance explain", 950)]);
    updatesCheck(gh, "failure", OPEN_TITLE);
    requestsReviewers(gh, ["bea", "dan", "sam"]);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      {
        body: (body: string) =>
          body.startsWith("@carol here is how governance applies to this pull request.") &&
          body.includes("#### Level 3 — joint approval: 0 of 3 sign-offs") &&
          body.includes(
            "| ❌ | `prisma/migration-destructive` | 3 | dba-lead + backend-lead + sre-lead | — | dba-lead; backend-lead; sre-lead |",
          ) &&
          body.includes('DROP COLUMN "avatarUrl" on table "User"') &&
          body.endsWith("<!-- governance-gate:reply-to:950 -->"),
      },
      { id: 951 },
    );
    const asked = commentEvent(
      "created",
      "carol",
      "What does this need?\n/governance explain",
      950,
    );
    await deliver(probot, "issue_comment", asked);
  });
});

describe("when a pull request merges", () => {
  const MERGE_POLICY = `${POLICY}  sre-team: { teams: [sre] }\n  incident-commander: { users: [ivy] }\n`;
  function merged() {
    const p = payload("pull_request", "closed");
    Object.assign(p.pull_request as object, {
      merged: true,
      merged_at: "2026-11-23T13:00:00Z",
      state: "closed",
      html_url: "https://github.com/acme/chat/pull/12",
    });
    return p;
  }
  function mergedFacts(gh: GitHubMock, comments: unknown[]) {
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE, MERGE_POLICY);
    files(gh);
    checkRuns(gh, [existingRun(HEAD, "success", "Emergency override", "")]);
    teams(gh, "sre", ["stan"]);
    teamQuery(gh);
    conversation(gh, [review("dan", "APPROVED")], comments);
  }

  it("opens the post-implementation review for an emergency, assigns the bypassed approvers and tells the informed roles once", async () => {
    const chat: string[] = [];
    const probot = newProbot(async (text) => {
      chat.push(text);
    });
    const gh = mock();
    mergedFacts(gh, [comment("ivy", "/emergency avatar uploads corrupt rows, INC-231", 901)]);
    gh.post(
      `${REPO}/issues`,
      {
        title:
          "Post-implementation review: #12 " +
          (payload("pull_request", "closed").pull_request as { title: string }).title,
        body: expect.stringContaining(
          "- Review due: **2026-11-24T13:00:00.000Z** (within 24 h of the merge)",
        ),
        assignees: ["bea", "sam"],
      },
      { number: 31 },
    );
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      {
        body: expect.stringContaining(
          "post-implementation review #31 is due 2026-11-24T13:00:00.000Z",
        ),
      },
      { id: 902 },
    );
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      {
        body: expect.stringContaining(
          "Informed as the governance policy asks (sre-team): @acme/sre",
        ),
      },
      { id: 903 },
    );
    await deliver(probot, "pull_request", merged());
    const issue = gh.calls.find((c) => c.path === `${REPO}/issues`)!.body as { body: string };
    expect(issue.body).toContain("- `prisma/migration-destructive`: backend-lead + sre-lead");
    expect(issue.body).toContain("- Declared by: @ivy");
    expect(chat).toEqual([
      expect.stringContaining(
        "level 3, areas: prisma. 🚨 emergency override by ivy: avatar uploads corrupt rows, INC-231",
      ),
    ]);
  });

  it("posts nothing again when the merge event is delivered twice", async () => {
    const chat: string[] = [];
    const probot = newProbot(async (text) => {
      chat.push(text);
    });
    const gh = mock();
    mergedFacts(gh, [
      comment("ivy", "/emergency avatar uploads corrupt rows", 901),
      comment(
        "governance-gate[bot]",
        "post-implementation review #31\n\n<!-- governance-gate:post-implementation-review -->",
        902,
      ),
      comment("governance-gate[bot]", "Informed\n\n<!-- governance-gate:informed -->", 903),
    ]);
    // Markers count only in the app's own comments: it asks GitHub who it is (the token's viewer).
    gh.graphql("query AppIdentity", answer(gh, undefined));
    await deliver(probot, "pull_request", merged());
    expect(gh.count({ method: "POST", kind: "rest" })).toBe(0); // reads only: the snapshot and the policy's team
    expect(chat).toEqual([]);
  });
});

describe("merge queue", () => {
  async function queued(reviews: unknown[], expectation: { conclusion: string; title: string }) {
    const probot = newProbot();
    const GROUP_HEAD = "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d";
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh);
    conversation(gh, reviews);
    checkRuns(gh, [existingRun(HEAD, "success", "", "")]);
    lookupCheckRuns(gh, GROUP_HEAD);
    snapshot(gh);
    gh.post(
      `${REPO}/check-runs`,
      {
        name: "governance",
        head_sha: GROUP_HEAD,
        conclusion: expectation.conclusion,
        output: { title: expectation.title },
      },
      { id: 90, started_at: CHECK_STARTED },
    );
    // Through require, not import(): the examples are one 10 MB JSON file, which vite's
    // module transform takes seconds to turn into a module on a loaded machine.
    const real = createRequire(import.meta.url)("@octokit/webhooks-examples") as {
      name: string;
      examples: Record<string, unknown>[];
    }[];
    const group = structuredClone(
      real.find((e) => e.name === "merge_group")!.examples[0]!,
    ) as Record<string, unknown>;
    Object.assign(group.merge_group as object, {
      head_sha: GROUP_HEAD,
      head_ref: `refs/heads/gh-readonly-queue/main/pr-${PR}-${HEAD}`,
    });
    Object.assign(group, {
      repository: (payload("pull_request", "opened") as { repository: unknown }).repository,
      installation: {
        id: DEFAULT_PR.installationId,
        node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==",
      },
    });
    await probot.receive(webhookEvent("merge_group", group as never));
  }

  it("passes the queue's commit only when the queued pull request passes", async () => {
    await queued(
      [review("dan", "APPROVED"), review("bea", "APPROVED"), review("sam", "APPROVED")],
      { conclusion: "success", title: "Merge queue: 1 of 1 pull request pass governance" },
    );
  });

  it("fails the queue's commit when the queued pull request does not pass", async () => {
    await queued([review("dan", "APPROVED")], {
      conclusion: "failure",
      title: "Merge queue: 0 of 1 pull request pass governance",
    });
  });
});

describe("tickets", () => {
  it("fails without a ticket key where the area needs one, and passes once an edit adds it", async () => {
    const probot = newProbot();
    const policy =
      "extends: platform-engineering\nroles:\n  platform-engineering: { users: [pia] }\n";
    const jenkinsfile = {
      ...MIGRATION_FILE,
      filename: "Jenkinsfile",
      status: "modified",
      patch:
        "@@ -10,3 +10,4 @@\n     stage('Test') {\n-      steps { sh 'npm test' }\n+      steps { sh 'npm ci && npm test' }\n     }",
    };
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE, policy);
    files(gh, [jenkinsfile]);
    checkRuns(gh);
    createsCheck(gh, HEAD, "failure", "Level 2 — consultation required: 0 of 1 sign-off");
    requestsReviewers(gh, ["pia"]);
    await deliver(
      probot,
      "pull_request",
      payload("pull_request", "opened", { title: "Run npm ci in Jenkins" }),
    );

    const edited = mock();
    conversation(edited, [review("pia", "APPROVED")]);
    updatesCheck(
      edited,
      "failure",
      "Level 2 — consultation required: 1 of 1 sign-off, ticket reference missing",
    );
    await deliver(
      probot,
      "pull_request_review",
      payload("pull_request_review", "submitted", {
        actor: "pia",
        reviewState: "approved",
        title: "Run npm ci in Jenkins",
      }),
    );

    const fixed = mock();
    conversation(fixed, [review("pia", "APPROVED")]);
    updatesCheck(fixed, "success", "Level 2 — consultation required: 1 of 1 sign-off ✓");
    const retitled = payload("pull_request", "edited", {
      title: "LFXV2-302 Run npm ci in Jenkins",
    });
    retitled.changes = { title: { from: "Run npm ci in Jenkins" } };
    await deliver(probot, "pull_request", retitled);
  });
});

describe("/emergency through the app", () => {
  const EMERGENCY_POLICY = `${POLICY}  incident-commander: { users: [ivy] }\n`;

  it("passes the check with an audit trail and acknowledges the command", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE, EMERGENCY_POLICY);
    files(gh);
    checkRuns(gh, [existingRun(HEAD, "failure", OPEN_TITLE, "")]);
    conversation(
      gh,
      [review("dan", "APPROVED")],
      [comment("ivy", "/emergency avatar uploads corrupt rows, INC-231", 990)],
    );
    gh.patch(
      `${REPO}/check-runs/77`,
      {
        conclusion: "success",
        output: {
          title: "Emergency override by @ivy: avatar uploads corrupt rows, INC-231",
          summary: expect.stringContaining(
            "- `prisma/migration-destructive`: missing backend-lead + sre-lead",
          ),
        },
      },
      { id: 77 },
    );
    requestsReviewers(gh, ["bea", "sam"]);
    gh.post(`${REPO}/issues/comments/990/reactions`, { content: "+1" }, { id: 1, content: "+1" });
    const declared = commentEvent(
      "created",
      "ivy",
      "/emergency avatar uploads corrupt rows, INC-231",
      990,
    );
    await deliver(probot, "issue_comment", declared);
  });

  it("refuses it from someone not authorised, with a reply, and bypasses nothing", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE, EMERGENCY_POLICY);
    files(gh);
    checkRuns(gh, [existingRun(HEAD, "failure", OPEN_TITLE, "")]);
    conversation(gh, [], [comment("mallory", "/emergency trust me", 991)]);
    updatesCheck(gh, "failure", OPEN_TITLE);
    requestsReviewers(gh, ["bea", "dan", "sam"]);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      {
        body: expect.stringContaining(
          "@mallory `/emergency trust me` did not count: @mallory is not a member of a role allowed to declare an emergency",
        ),
      },
      { id: 992 },
    );
    const declared = commentEvent("created", "mallory", "/emergency trust me", 991);
    await deliver(probot, "issue_comment", declared);
  });
});

describe("late deliveries", () => {
  it("decides on the pull request as it is now, not on a late event's old copy", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    // GitHub has the `architecture` label by now; the late review event's payload does not.
    const now = {
      ...(pullRequestJson() as object),
      labels: [
        {
          id: 1,
          name: "architecture",
          color: "ededed",
          default: false,
          description: null,
          node_id: "LA_1",
          url: "",
        },
      ],
    };
    snapshot(gh, now);
    policyAt(gh, BASE, `${POLICY}  cto: { users: [carl] }\n`);
    files(gh);
    conversation(gh, [
      review("dan", "APPROVED"),
      review("bea", "APPROVED"),
      review("sam", "APPROVED"),
    ]);
    checkRuns(gh, [
      existingRun(HEAD, "success", "Level 3 — joint approval: 3 of 3 sign-offs ✓", ""),
    ]);
    gh.patch(
      `${REPO}/check-runs/77`,
      {
        conclusion: "failure",
        output: { title: "Level 4 — executive approval: 4 of 5 sign-offs" },
      },
      { id: 77 },
    );
    requestsReviewers(gh, ["carl"]);
    const late = payload("pull_request_review", "submitted", {
      actor: "sam",
      reviewState: "approved",
      labels: [],
    });
    await probot.receive(webhookEvent("pull_request_review", late as never));
  });
});

describe("several replicas (REPLICAS > 1)", () => {
  it("uses the check run each snapshot shows instead of one remembered from an earlier event", async () => {
    const probot = newProbot(undefined, true);
    const open = mock();
    open.installationToken(DEFAULT_PR.installationId);
    policyAt(open, BASE);
    files(open);
    checkRuns(open);
    // Read again just before writing: another replica may have written the run since the snapshot.
    lookupCheckRuns(open, HEAD);
    createsCheck(open, HEAD, "failure", OPEN_TITLE);
    requestsReviewers(open, ["bea", "dan", "sam"]);
    await deliver(probot, "pull_request", payload("pull_request", "opened"));

    // Another replica created a newer run (id 78) for the same head: this one must update that one.
    const reviewed = mock();
    const newer = { ...existingRun(HEAD, "failure", OPEN_TITLE, ""), id: 78 };
    checkRuns(reviewed, [newer]);
    lookupCheckRuns(reviewed, HEAD, [newer]);
    conversation(reviewed, [review("dan", "APPROVED")]);
    updatesCheck(reviewed, "failure", "Level 3 — joint approval: 1 of 3 sign-offs", 78);
    await deliver(
      probot,
      "pull_request_review",
      payload("pull_request_review", "submitted", { actor: "dan", reviewState: "approved" }),
    );
    // The snapshot carries the run; one lookup reads it again just before the write.
    expect(reviewed.count({ kind: "graphql" })).toBe(1);
    expect(reviewed.count({ kind: "rest" })).toBe(2);
  });
});

describe("two replicas that each created a run for one head", () => {
  it("updates the newest run and dates the head by the oldest, so a command between the two still counts", async () => {
    const probot = newProbot(undefined, true);
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh);
    // Replica A saw the head at 10:00 and replica B, racing, at 10:05; sam signed at 10:02.
    const runs = [
      existingRun(HEAD, "failure", OPEN_TITLE, ""),
      {
        ...existingRun(HEAD, "failure", OPEN_TITLE, ""),
        id: 78,
        started_at: "2026-11-23T10:05:00Z",
      },
    ];
    checkRuns(gh, runs);
    lookupCheckRuns(gh, HEAD, runs);
    conversation(
      gh,
      [review("dan", "APPROVED"), review("bea", "APPROVED")],
      [comment("sam", "/approve-level3", 701, "2026-11-23T10:02:00Z")],
    );
    updatesCheck(gh, "success", "Level 3 — joint approval: 3 of 3 sign-offs ✓", 78);
    gh.post(`${REPO}/issues/comments/701/reactions`, { content: "+1" }, { id: 1, content: "+1" });
    await deliver(probot, "issue_comment", commentEvent("created", "sam", "/approve-level3", 701));
  });
});

describe("pull requests from forks", () => {
  it("looks our check run up over REST: the snapshot cannot vouch for a run on a fork's commit", async () => {
    const probot = newProbot();
    const gh = mock();
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE);
    files(gh);
    lookupCheckRuns(gh, HEAD, [existingRun(HEAD, "failure", OPEN_TITLE, "")]);
    conversation(gh, [review("dan", "APPROVED")]);
    updatesCheck(gh, "failure", "Level 3 — joint approval: 1 of 3 sign-offs");
    requestsReviewers(gh, ["bea", "sam"]);
    const p = payload("pull_request_review", "submitted", {
      actor: "dan",
      reviewState: "approved",
    });
    const pr = p.pull_request as { head: { repo: { full_name: string } } };
    pr.head.repo = { ...pr.head.repo, full_name: "mallory/chat" };
    await deliver(probot, "pull_request_review", p);
    expect(gh.count({ path: `${REPO}/commits/${HEAD}/check-runs` })).toBe(1);
  });
});
