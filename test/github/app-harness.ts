/**
 * The app through Probot's `receive()` on the nock-mocked GitHub, as in
 * app.test.ts, for the test files that need it beside it (markers, merge
 * queue). The pull request's snapshot query is executed against GitHub's
 * schema over a world the test sets; REST calls are validated against the
 * OpenAPI description.
 */
import { Probot, ProbotOctokit } from "probot";
import { createApp } from "../../src/index.js";
import { answerGraphql } from "../github-support/graphql-world.js";
import type { GitHubMock, RecordedCall } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { DEFAULT_PR, prPayload, webhookEvent } from "../github-support/webhooks.js";
import { appKeys } from "../github-support/app-server.js";

export const APP_ID = 4242;
export const APP_LOGIN = "governance-gate[bot]";
export const REPO = "/repos/acme/chat";
export const { headSha: HEAD, baseSha: BASE, number: PR } = DEFAULT_PR;
export const CHECK_STARTED = "2026-11-23T10:00:00Z";
export const NOW = new Date("2026-11-23T12:00:00Z");
export const OPEN_TITLE = "Level 3 — joint approval: 0 of 3 sign-offs";
export const POLICY = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  backend-team: { users: [bob] }
  tech-architect: { users: [tara] }
  security-lead: { users: [sid] }
  devops-lead: { users: [dev] }
  incident-commander: { users: [ivy] }
`;

const PRIVATE_KEY = appKeys().privateKey;

export function newProbot(): Probot {
  const probot = new Probot({
    appId: APP_ID,
    privateKey: PRIVATE_KEY,
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
    logLevel: "fatal",
  });
  probot.load(createApp({ appId: APP_ID, now: () => NOW }));
  return probot;
}

/** A payload for acme/chat#12 by octocat with nobody requested yet. */
export function payload<E extends "pull_request" | "issue_comment">(
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

export function pullRequestJson(head = HEAD) {
  return payload("pull_request", "opened", { headSha: head }).pull_request as Record<
    string,
    unknown
  >;
}

/** What GitHub holds for acme/chat#12, as the snapshot query (and the blob query) see it. */
export interface World {
  pull: unknown;
  reviews: unknown[];
  comments: unknown[];
  runs: unknown[];
  blobs: Record<string, string>;
}

/** Answers every GraphQL query the app makes for the pull request from `world` (set its fields before delivering). */
export function graphqlWorld(
  gh: GitHubMock,
  world: World,
  operations: string[] = ["query PullRequestSnapshot"],
) {
  const answer = (call: RecordedCall) =>
    answerGraphql(call.body as { query: string }, {
      pullRequest: (owner, repo, number) =>
        owner === "acme" && repo === "chat" && number === PR
          ? {
              pull: world.pull,
              reviews: world.reviews,
              comments: world.comments,
              checkRuns: world.runs,
            }
          : undefined,
      blob: (owner, repo, expression) =>
        owner === "acme" && repo === "chat" && expression in world.blobs
          ? { text: world.blobs[expression]!, isBinary: false }
          : undefined,
    });
  for (const operation of operations) gh.graphql(operation, answer);
}

/** GitHub's answer to "who am I" for the installation token: the App's bot account. */
export function appIdentity(gh: GitHubMock) {
  gh.graphql("query AppIdentity", (call: RecordedCall) =>
    answerGraphql(call.body as { query: string }, { pullRequest: () => undefined }),
  );
}

export function policyAt(gh: GitHubMock, sha: string, text = POLICY) {
  gh.get(`${REPO}/contents/.github%2Fgovernance.yml?ref=${sha}`, text, 200, {
    headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
  });
}

export function files(gh: GitHubMock, list: unknown[] = [migrationFile()]) {
  gh.get(`${REPO}/pulls/${PR}/files?per_page=100`, list);
}

export function review(user: string, state: string, commit = HEAD, at = "2026-11-23T11:00:00Z") {
  return {
    id: Math.floor(Math.random() * 1e6),
    user: { login: user, id: 1, type: "User" },
    body: "",
    state,
    commit_id: commit,
    submitted_at: at,
  };
}

export function comment(user: string, body: string, id: number, at = "2026-11-23T11:00:00Z") {
  return {
    id,
    user: { login: user, id: 2, type: user.endsWith("[bot]") ? "Bot" : "User" },
    body,
    created_at: at,
    updated_at: at,
  };
}

export function existingRun(sha: string, conclusion: string, title: string) {
  return {
    id: 77,
    head_sha: sha,
    name: "governance",
    app: { id: APP_ID },
    status: "completed",
    conclusion,
    started_at: CHECK_STARTED,
    output: { title, summary: "" },
  };
}

/** An issue_comment event on the pull request, its comment carrying `id`. */
export function commentEvent(actor: string, body: string, id: number) {
  const p = payload("issue_comment", "created", { actor, commentBody: body });
  (p.comment as { id: number }).id = id;
  return p;
}

export async function deliver(
  probot: Probot,
  event: "pull_request" | "issue_comment" | "merge_group",
  p: Record<string, unknown>,
) {
  await probot.receive(webhookEvent(event, p as never));
}
