import { Probot, ProbotOctokit } from "probot";
import { expect } from "vitest";
import type { Gate } from "../../src/github/gate.js";
import { createApp } from "../../src/index.js";
import { appKeys } from "../github-support/app-server.js";
import type { RecordedCall } from "../github-support/mock-github.js";
import { OWNER, REPO_NAME, type RepoWorld } from "../github-support/repo-world.js";
import { DEFAULT_PR } from "../github-support/webhooks.js";

/** The escalation sweep's stories on a `RepoWorld`: the app with its sweep, and the escalation comments it posts. */

export const APP_ID = 4242;

/** The escalation comments the app posts on #1, as GitHub then lists them (registered before the pull request's own mocks). */
export function escalationCommentsOn(world: RepoWorld): string[] {
  const bodies: string[] = [];
  const issue = `/repos/${OWNER}/${REPO_NAME}/issues/1/comments`;
  world.gh.post(
    issue,
    { body: expect.stringContaining("has waited past its review SLA") },
    (call: RecordedCall) => {
      bodies.push((call.body as { body: string }).body);
      return { id: 9000 + bodies.length, body: bodies.at(-1) };
    },
    201,
    { persist: true, optional: true },
  );
  world.gh.get(
    issue,
    () =>
      bodies.map((body, i) => ({
        id: 9001 + i,
        user: { login: "governance-gate[bot]", type: "Bot" },
        body,
        created_at: world.now.toISOString(),
        updated_at: world.now.toISOString(),
      })),
    200,
    { persist: true, optional: true },
  );
  return bodies;
}

/** The app as one process on `world`, with the escalation sweep of pull request #1. */
export function sweepingApp(world: RepoWorld) {
  const probot = new Probot({
    appId: APP_ID,
    privateKey: appKeys().privateKey,
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
    logLevel: "fatal",
  });
  let gate!: Gate;
  probot.load(createApp({ appId: APP_ID, now: () => world.now, onGate: (g) => (gate = g) }));
  return {
    receive: async (event: Parameters<Probot["receive"]>[0]) => {
      await probot.receive(event);
      await gate.settled();
    },
    sweep: async () =>
      gate.sweep(
        await probot.auth(DEFAULT_PR.installationId),
        probot.log,
        { owner: OWNER, repo: REPO_NAME },
        1,
      ),
  };
}
