/**
 * End to end: the real server (`node --import tsx src/server.ts`, as `npm start`
 * runs it) in production mode, talking to a fake GitHub over HTTP, receiving
 * signed webhooks over HTTP. Nothing in the app is mocked or injected: Probot
 * authenticates as the App with the generated key, exchanges its JWT for an
 * installation token, and drives the `governance` check run through a
 * destructive migration from "0 of 3 sign-offs" to "3 of 3 ✓".
 */
import { createPublicKey } from "node:crypto";
import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appKeys,
  deliverWebhook,
  startAppServer,
  type AppServer,
} from "../github-support/app-server.js";
import { FakeGitHub, type FakeCheckRun } from "./fake-github.js";
import {
  APP_ID,
  AUTHOR,
  INSTALLATION_ID,
  migrationSeed,
  OWNER,
  PR_NUMBER,
  REPO,
  SCHEMA,
  sha,
  TITLE,
  webhookSource,
} from "./scenario.js";

const HEAD = sha("head: drop User.avatarUrl");
const BASE = sha("base: main");

// --- the world --------------------------------------------------------------

const keys = appKeys(APP_ID);

let github: FakeGitHub;
let server: AppServer | undefined;
let serverOutput = "";

beforeAll(async () => {
  github = await FakeGitHub.start(
    migrationSeed({ publicKey: createPublicKey(keys.publicKeyPem), head: HEAD, base: BASE }),
  );
  server = await startAppServer({
    keys,
    githubHost: github.host,
    logLevel: "warn",
    onOutput: (text) => (serverOutput += text),
    readyTimeoutMs: 15_000,
    stopGraceMs: 3_000,
  });
}, 20_000);

afterAll(async () => {
  await server?.stop();
  await github?.close();
});

// --- the scenario -------------------------------------------------------------

describe("the app server against a fake GitHub", () => {
  it("refuses a delivery with a wrong signature, without calling GitHub", async () => {
    const response = await deliver("pull_request", openedPayload(), {
      secret: "not-the-webhook-secret",
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("signature does not match");
    await stillTrueFor(300, () => github.requests.length === 0);
    expect(github.requests).toEqual([]);
  });

  it("pull_request.opened: level 3 check run failing at 0 of 3, reviewers requested", async () => {
    const response = await deliver("pull_request", openedPayload());
    expect(response.status).toBe(200);

    const run = await waitFor("a failing governance check run on the head commit", () =>
      github.checkRuns.find(
        (r) => r.name === "governance" && r.head_sha === HEAD && r.conclusion === "failure",
      ),
    );
    expect(run).toMatchObject({
      status: "completed",
      conclusion: "failure",
      output: { title: TITLE.open },
    });
    expect(run.output.summary).toContain("prisma/migration-destructive");
    expect(run.output.summary).toMatch(/dba-lead \+ backend-lead \+ sre-lead/);

    // The App authenticated for real: one JWT (RS256, our key, iss = APP_ID) exchanged for a
    // token, and every other call carried that token.
    expect(github.authFailures).toEqual([]);
    expect(github.tokenExchanges).toEqual([
      { installationId: INSTALLATION_ID, iss: APP_ID, issuedToken: expect.stringMatching(/^ghs_/) },
    ]);
    expect(
      github.requests
        .filter((r) => r.route !== "POST /app/installations/{installation_id}/access_tokens")
        .every((r) => r.auth === "installation-token"),
    ).toBe(true);

    // The policy came from the base commit, in the raw media type.
    const policyRead = github.requests.find(
      (r) => r.route === "GET /repos/{owner}/{repo}/contents/{path}",
    );
    expect(policyRead).toMatchObject({
      path: `/api/v3/repos/${OWNER}/${REPO}/contents/.github%2Fgovernance.yml`,
      query: { ref: BASE },
      status: 200,
    });
    expect(policyRead?.accept).toMatch(/application\/vnd\.github(\.v3)?\.raw/);

    // Only the schema needs whole-file content (the SQL detector reads the patch): both sides come in
    // the pull request's snapshot, the one GraphQL query of this event.
    expect(github.graphqlExpressions).toEqual([`${BASE}:${SCHEMA}`, `${HEAD}:${SCHEMA}`]);
    expect(
      github.requests.filter((r) => r.route === "POST /graphql").map((r) => r.operation),
    ).toEqual(["PullRequestSnapshot"]);

    // The check was looked up by name and App before it was created: in the pull request's
    // snapshot (one GraphQL query), so no REST lookup was needed.
    const snapshots = github.requests.filter((r) => r.operation === "PullRequestSnapshot");
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]?.body).toMatchObject({
      variables: {
        owner: OWNER,
        name: REPO,
        number: PR_NUMBER,
        check: "governance",
        suites: { appId: APP_ID },
      },
    });
    expect(github.requests.indexOf(snapshots[0]!)).toBeLessThan(
      github.requests.findIndex((r) => r.route === "POST /repos/{owner}/{repo}/check-runs"),
    );
    expect(github.requests.map((r) => r.route)).not.toContain(
      "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
    );

    const requested = github.reviewerRequests.flatMap((r) => r.reviewers);
    expect(requested).toEqual(expect.arrayContaining(["bea", "dan", "sam"]));
    expect(requested).not.toContain(AUTHOR);
    expect(github.checkRunWrites.map((w) => w.method)).toEqual(["POST"]);
  });

  it("pull_request_review.submitted after three approvals: the same run turns success at 3 of 3", async () => {
    const [created] = github.checkRuns as [FakeCheckRun];
    const before = github.requests.length;
    github.addReview("dan", "APPROVED", HEAD, "DBA: fine, column unused since 2026-09.");
    github.addReview("bea", "APPROVED", HEAD);
    const last = github.addReview("sam", "APPROVED", HEAD);

    const response = await deliver(
      "pull_request_review",
      reviewPayload(last.id, "sam", last.submittedAt),
    );
    expect(response.status).toBe(200);

    await waitFor("the governance check run to pass", () =>
      created.conclusion === "success" ? true : undefined,
    );
    expect(github.checkRuns).toHaveLength(1);
    expect(created).toMatchObject({
      status: "completed",
      conclusion: "success",
      output: { title: TITLE.done },
    });
    expect(github.checkRunWrites.map((w) => `${w.method} ${w.id}`)).toEqual([
      `POST ${created.id}`,
      `PATCH ${created.id}`,
    ]);

    // The second event reused the token, the policy, the files and the known check run; it read the
    // pull request and its conversation again, in one GraphQL snapshot (not REST reviews/comments).
    const routes = github.requests.slice(before).map((r) => r.route);
    expect(
      github.requests.slice(before).flatMap((r) => (r.operation ? [r.operation] : [])),
    ).toEqual(["PullRequestSnapshot"]);
    expect(routes).not.toContain("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews");
    expect(routes).not.toContain("GET /repos/{owner}/{repo}/issues/{issue_number}/comments");
    expect(routes).not.toContain("POST /app/installations/{installation_id}/access_tokens");
    expect(routes).not.toContain("GET /repos/{owner}/{repo}/contents/{path}");
    expect(routes).not.toContain("POST /repos/{owner}/{repo}/check-runs");
    expect(github.tokenExchanges).toHaveLength(1);
  });

  it("called nothing GitHub does not have, and nothing failed", () => {
    expect(github.unexpected).toEqual([]);
    expect(github.authFailures).toEqual([]);
    expect(github.requests.filter((r) => r.status >= 400)).toEqual([]);
    // Probot logs the refused delivery (level 50) in the first step; anything else at warn or above is a failure.
    const problems = serverLog().filter(
      (l) => l.level >= 40 && !String(l.msg).includes("signature does not match"),
    );
    expect(problems.map((l) => l.msg)).toEqual([]);
    const refusals = serverLog().filter((l) => String(l.msg).includes("signature does not match"));
    expect(refusals.length).toBeGreaterThan(0);
    // The refusal is logged, the unverified body is not: anyone can post to the webhook URL.
    expect(serverOutput).toContain("[unverified payload omitted]");
    expect(serverOutput).not.toContain(
      String((openedPayload().pull_request as { title: string }).title),
    );
  });
});

// --- webhooks -----------------------------------------------------------------

const definitions = createRequire(import.meta.url)(
  "@octokit/webhooks-examples",
) as WebhookDefinition[];

function example<E extends "pull_request" | "pull_request_review">(
  event: E,
  action: string,
): WebhookDefinition<E>["examples"][number] {
  const definition = definitions.find((d): d is WebhookDefinition<E> => d.name === event);
  const found = definition?.examples.find((e) => (e as { action?: string }).action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}.${action}`);
  return structuredClone(found);
}

/** The example's repository and pull request, turned into ours (as the fake GitHub would serve them). */
function common(payload: { pull_request: object; repository: object }): Record<string, unknown> {
  return {
    repository: { ...payload.repository, ...github.repositoryView() },
    pull_request: { ...payload.pull_request, ...github.pullRequestView() },
    ...webhookSource(),
  };
}

function openedPayload(): Record<string, unknown> {
  const payload = example("pull_request", "opened");
  return {
    ...payload,
    action: "opened",
    number: PR_NUMBER,
    ...common(payload),
    sender: github.user(AUTHOR),
  };
}

function reviewPayload(
  reviewId: number,
  reviewer: string,
  submittedAt: string,
): Record<string, unknown> {
  const payload = example("pull_request_review", "submitted");
  return {
    ...payload,
    action: "submitted",
    ...common(payload),
    review: {
      ...payload.review,
      id: reviewId,
      user: github.user(reviewer),
      state: "approved",
      commit_id: HEAD,
      submitted_at: submittedAt,
      body: null,
    },
    sender: github.user(reviewer),
  };
}

async function deliver(
  event: string,
  payload: object,
  options: { secret?: string } = {},
): Promise<Response> {
  const webhookSecret = options.secret ?? keys.webhookSecret;
  return deliverWebhook({
    port: server!.port,
    keys: { appId: APP_ID, webhookSecret },
    event,
    payload,
    userAgent: "GitHub-Hookshot/e2e",
  });
}

// --- plumbing -----------------------------------------------------------------

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const seen = github?.requests.map((r) => `${r.method} ${r.path} → ${r.status}`).join("\n  ");
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}\nfake GitHub saw:\n  ${seen}\nserver output:\n${serverOutput}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls for `ms` that `condition` keeps holding (for "nothing happens" assertions). */
async function stillTrueFor(ms: number, condition: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The server's JSON log lines (production format); anything else it printed as `{ level: 60, msg }`. */
function serverLog(): { level: number; msg: unknown }[] {
  return serverOutput
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
        return { level: typeof entry.level === "number" ? entry.level : 60, msg: entry.msg };
      } catch {
        return { level: 60, msg: line };
      }
    });
}
