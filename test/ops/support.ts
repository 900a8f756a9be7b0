/**
 * Shared by the operations tests: the app on Probot's real HTTP server (an
 * ephemeral port), and the mocked GitHub of a destructive migration opened on
 * acme/chat#12 (the same scenario as test/github/app.test.ts).
 */
import { createServer } from "node:net";
// pino is Probot's logger (a dependency of probot, not of ours): tests build their own to capture or silence it.
import { pino } from "pino";
import { type ApplicationFunction, type Logger, Probot, ProbotOctokit, Server } from "probot";
import { createApp } from "../../src/index.js";
import { answerGraphql } from "../github-support/graphql-world.js";
import { migrationFile } from "../github-support/pull-files.js";
import type { GitHubMock, RecordedCall } from "../github-support/mock-github.js";
import { DEFAULT_PR, prPayload } from "../github-support/webhooks.js";
import { appKeys } from "../github-support/app-server.js";

export const PRIVATE_KEY = appKeys().privateKey;
export const APP_ID = 4242;
export const WEBHOOK_SECRET = "ops-test-secret";
export const NOW = new Date("2026-11-23T12:00:00Z");
/** Retries and throttling off (the function form: the object form leaves throttling on). */
export const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));

const REPO = "/repos/acme/chat";
const { headSha: HEAD, baseSha: BASE, number: PR } = DEFAULT_PR;
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

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  url: string;
  /** The Probot instance the app was loaded into (for `receive`). */
  probot: Probot;
  stop(): Promise<void>;
}

/** `createApp()` (or `app`) on Probot's Server, as `run()` would set it up, on 127.0.0.1 and a free port. */
export async function startServer(
  options: { app?: ApplicationFunction; log?: Logger } = {},
): Promise<RunningServer> {
  const port = await freePort();
  const server = new Server({
    host: "127.0.0.1",
    port,
    log: options.log ?? pino({ level: "silent" }),
    Probot: Probot.defaults({
      appId: APP_ID,
      privateKey: PRIVATE_KEY,
      secret: WEBHOOK_SECRET,
      Octokit: TestOctokit,
      logLevel: "fatal",
    }),
  });
  let probot: Probot | undefined;
  const app = options.app ?? createApp({ appId: APP_ID, now: () => NOW });
  await server.load(async (loaded, appOptions) => {
    probot = loaded;
    await app(loaded, appOptions);
  });
  await server.start();
  return { url: `http://127.0.0.1:${port}`, probot: probot!, stop: () => server.stop() };
}

/** The payload of acme/chat#12 opened, nobody requested yet. */
export function openedPayload(): Record<string, unknown> {
  const p = prPayload("pull_request", "opened", { author: "octocat" }) as Record<string, unknown>;
  Object.assign(p.pull_request as Record<string, unknown>, {
    requested_reviewers: [],
    requested_teams: [],
    changed_files: 1,
    state: "open",
  });
  return p;
}

/** Every call the app makes for the opened pull request: 1 token exchange, 1 GraphQL snapshot + 4 REST calls; the check fails (0 of 3 sign-offs). */
export function mockOpenedPullRequest(gh: GitHubMock): void {
  gh.installationToken(DEFAULT_PR.installationId);
  gh.graphql("query PullRequestSnapshot", (call: RecordedCall) =>
    answerGraphql(call.body as { query: string }, {
      pullRequest: (owner, repo, number) =>
        owner === "acme" && repo === "chat" && number === PR
          ? { pull: openedPayload().pull_request }
          : undefined,
    }),
  );
  gh.get(`${REPO}/contents/.github%2Fgovernance.yml?ref=${BASE}`, POLICY, 200, {
    headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
  });
  gh.get(`${REPO}/pulls/${PR}/files?per_page=100`, [migrationFile()]);
  gh.post(
    `${REPO}/check-runs`,
    {
      name: "governance",
      head_sha: HEAD,
      status: "completed",
      conclusion: "failure",
      output: { title: "Level 3 — joint approval: 0 of 3 sign-offs" },
    },
    { id: 77, head_sha: HEAD, started_at: "2026-11-23T10:00:00Z" },
  );
  gh.post(
    `${REPO}/pulls/${PR}/requested_reviewers`,
    { reviewers: ["bea", "dan", "sam"], team_reviewers: [] },
    { number: PR },
  );
}

/** The value of one sample in a Prometheus text exposition (labels matched exactly, in any order); 0 when absent. */
export function sample(
  exposition: string,
  name: string,
  labels: Record<string, string> = {},
): number {
  for (const line of exposition.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      found[pair[1]!] = pair[2]!;
    const wanted = Object.entries(labels);
    if (Object.keys(found).length === wanted.length && wanted.every(([k, v]) => found[k] === v))
      return Number(match[3]);
  }
  return 0;
}
