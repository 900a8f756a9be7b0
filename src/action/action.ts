import { readFileSync } from "node:fs";
import { Probot } from "probot";
import type { Gate } from "../github/gate.js";
import { GateOctokit } from "../github/octokit.js";
import { createApp } from "../index.js";

/**
 * Governance Gate as a GitHub Action, for organisations that cannot host an
 * App: one workflow run per event, the same app function the server runs
 * (src/index.ts), handed the run's event as Probot would hand it a webhook, with
 * the workflow's token instead of an App installation's. It writes the same
 * `governance` check run and summary, requests reviewers and answers commands.
 *
 * What differs from the App, and why (see the README's "GitHub Action"):
 * - GITHUB_TOKEN cannot read organisation team membership. A team the token
 *   cannot read is unknown, as in the App: its members cannot sign and the check
 *   names the team (fail closed). Pass an installation token of a GitHub App
 *   with members: read (`token`, and that App's id as `app-id`) to use teams.
 * - The check run belongs to the App behind the token: GitHub Actions (id 15368
 *   on github.com) with GITHUB_TOKEN. The gate trusts only that App's
 *   `governance` runs, and so does branch protection when that App is the
 *   required check's source: every workflow of the repository writes as it.
 */

/** GitHub Actions' App on github.com: check runs created with GITHUB_TOKEN belong to it. */
export const GITHUB_ACTIONS_APP_ID = 15368;

/** The workflow events the gate runs on, by the webhook name the app handles. */
const EVENTS: Record<string, string> = {
  pull_request: "pull_request",
  // The base branch's workflow, with a token that can write checks on forks' pull requests too.
  pull_request_target: "pull_request",
  pull_request_review: "pull_request_review",
  issue_comment: "issue_comment",
};

export interface ActionIo {
  info: (text: string) => void;
  error: (text: string) => void;
}

/** An action input as the runner passes it (`INPUT_<NAME>`); empty is not given. */
function input(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[`INPUT_${name.toUpperCase()}`]?.trim();
  return value ? value : undefined;
}

/** Runs the gate on the workflow run's event; the exit code is the step's (the verdict is the check run's). */
export async function runAction(env: NodeJS.ProcessEnv, io: ActionIo): Promise<number> {
  const event = env.GITHUB_EVENT_NAME ?? "";
  const name = Object.hasOwn(EVENTS, event) ? EVENTS[event] : undefined;
  if (name === undefined) {
    io.info(
      `governance-gate: nothing to do on "${event}" (it runs on ${Object.keys(EVENTS).join(", ")})`,
    );
    return 0;
  }
  const token = input(env, "token") ?? env.GITHUB_TOKEN;
  if (!token) {
    io.error(
      "governance-gate: no token: give the action `token: ${{ github.token }}` (the default) or an App installation token",
    );
    return 1;
  }
  const appIdInput = input(env, "app-id");
  const appId = appIdInput === undefined ? GITHUB_ACTIONS_APP_ID : Number(appIdInput);
  if (!Number.isSafeInteger(appId) || appId <= 0) {
    io.error(`governance-gate: app-id "${appIdInput}" is not an App id (a positive integer)`);
    return 1;
  }
  if (!env.GITHUB_EVENT_PATH) {
    io.error("governance-gate: GITHUB_EVENT_PATH is not set: run it as a step of a workflow");
    return 1;
  }
  const payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, "utf8")) as object;

  let gate: Gate | undefined;
  const probot = new Probot({
    githubToken: token,
    Octokit: GateOctokit,
    baseUrl: env.GITHUB_API_URL,
    logLevel: (input(env, "log-level") ?? "info") as "info",
  });
  await probot.load(createApp({ appId, onGate: (g) => (gate = g) }));
  try {
    // Same id on a re-run of the job, as a redelivery keeps its delivery id.
    await probot.receive({
      id: `${env.GITHUB_RUN_ID ?? "local"}-${env.GITHUB_JOB ?? "gate"}`,
      name,
      payload,
    } as Parameters<Probot["receive"]>[0]);
    await gate?.settled();
  } catch (error) {
    const causes: unknown[] = error instanceof AggregateError ? error.errors : [error];
    for (const cause of causes) io.error(`governance-gate: ${(cause as Error).message}`);
    return 1;
  }
  return 0;
}
