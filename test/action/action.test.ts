import { execFileSync, spawn } from "node:child_process";
import { createPublicKey } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WebhookDefinition } from "@octokit/webhooks-examples";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub } from "../e2e/fake-github.js";
import { APP_ID, AUTHOR, migrationSeed, POLICY, PR_NUMBER, sha, TITLE } from "../e2e/scenario.js";
import { appKeys } from "../github-support/app-server.js";
import { ROOT } from "../cli/built-package.js";

/**
 * The GitHub Action as a runner runs it: the single-file bundle (built here from
 * the current sources, as `npm run build:action` builds dist/action.js), a new
 * Node process with the runner's environment (GITHUB_EVENT_NAME, the event's
 * JSON at GITHUB_EVENT_PATH, GITHUB_API_URL, the `token` and `app-id` inputs as
 * INPUT_*), talking over HTTP to the e2e tests' fake GitHub. The token is one
 * the fake issued, as GitHub issues GITHUB_TOKEN; the check runs it creates
 * belong to the fake's App, so `app-id` names it (GitHub Actions' 15368 on
 * github.com).
 */

const HEAD = sha("action head: drop User.avatarUrl");
const BASE = sha("action base: main");
const keys = appKeys(APP_ID);
let dir: string;
let bundle: string;

beforeAll(() => {
  // The action's repository as a runner downloads it for \`uses:\`: no node_modules, the presets
  // beside package.json (found from the package root, as everywhere).
  dir = mkdtempSync(join(tmpdir(), "gg-action-"));
  for (const file of ["package.json", "action.yml"]) cpSync(join(ROOT, file), join(dir, file));
  symlinkSync(join(ROOT, "policies"), join(dir, "policies"));
  execFileSync(
    process.execPath,
    [join(ROOT, "esbuild.config.mjs"), "--action", "--outdir", join(dir, "dist")],
    { cwd: ROOT, stdio: "pipe" },
  );
  bundle = join(dir, "dist", "action.js");
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bundle on one event; resolves with its exit code and output (async: the fake answers in this process). */
function runAction(
  github: FakeGitHub,
  event: string,
  payload: object,
  inputs: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const eventPath = join(dir, `event-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(eventPath, JSON.stringify(payload));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_API_URL: `http://${github.host}/api/v3`,
    GITHUB_RUN_ID: "4711",
    GITHUB_JOB: "governance",
    INPUT_TOKEN: github.issueToken(),
    "INPUT_APP-ID": String(APP_ID),
    "INPUT_LOG-LEVEL": "warn",
    ...inputs,
  };
  return new Promise((resolve) => {
    // cwd: a directory without node_modules, as on a runner.
    const child = spawn(process.execPath, [bundle], {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

// --- payloads, as GitHub sends them to a workflow (no `installation`) -------------

const definitions = createRequire(import.meta.url)(
  "@octokit/webhooks-examples",
) as WebhookDefinition[];
function example(event: string, action: string): Record<string, unknown> {
  const found = definitions
    .find((d) => d.name === event)
    ?.examples.find((e) => (e as { action?: string }).action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}.${action}`);
  const { installation: _installation, ...payload } = structuredClone(found) as Record<
    string,
    unknown
  >;
  return payload;
}
function opened(github: FakeGitHub): Record<string, unknown> {
  const payload = example("pull_request", "opened");
  return {
    ...payload,
    action: "opened",
    number: PR_NUMBER,
    repository: { ...(payload.repository as object), ...github.repositoryView() },
    pull_request: { ...(payload.pull_request as object), ...github.pullRequestView() },
    sender: github.user(AUTHOR),
  };
}
function commented(
  github: FakeGitHub,
  comment: Record<string, unknown>,
  login: string,
): Record<string, unknown> {
  const payload = example("issue_comment", "created");
  const pull = github.pullRequestView() as {
    number: number;
    title: string;
    state: string;
    html_url?: string;
  };
  return {
    ...payload,
    action: "created",
    repository: { ...(payload.repository as object), ...github.repositoryView() },
    issue: {
      ...(payload.issue as object),
      number: pull.number,
      title: pull.title,
      state: "open",
      pull_request: { url: `https://api.github.com/repos/acme/chat/pulls/${pull.number}` },
      user: github.user(AUTHOR),
    },
    comment,
    sender: github.user(login),
  };
}

const checkOnHead = (github: FakeGitHub) =>
  github.checkRuns.filter((r) => r.name === "governance" && r.head_sha === HEAD);

describe("the Action on a pull request's life", () => {
  let github: FakeGitHub;
  beforeAll(async () => {
    github = await FakeGitHub.start(
      migrationSeed({ publicKey: createPublicKey(keys.publicKeyPem), head: HEAD, base: BASE }),
    );
  });
  afterAll(async () => github?.close());

  it("pull_request opened: the governance check fails at 0 of 3 and the leads are requested, with the workflow's token", async () => {
    const run = await runAction(github, "pull_request", opened(github));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(checkOnHead(github)).toMatchObject([
      { status: "completed", conclusion: "failure", output: { title: TITLE.open } },
    ]);
    expect(checkOnHead(github)[0]!.output.summary).toMatch(/dba-lead \+ backend-lead \+ sre-lead/);
    expect(
      github.requests.filter(
        (r) => r.route === "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
      ),
    ).toHaveLength(1);
    // The snapshot looked for our run among the check suites of the App named by app-id.
    expect(github.requests.find((r) => r.operation === "PullRequestSnapshot")?.body).toMatchObject({
      variables: { suites: { appId: APP_ID } },
    });
    expect(github.authFailures).toEqual([]);
    expect(github.requests.filter((r) => r.status >= 400)).toEqual([]);
  });

  it("reviews and an issue_comment command: the same check run turns green at 3 of 3, and the command gets its 👍", async () => {
    github.addReview("dan", "APPROVED", HEAD);
    github.addReview("bea", "APPROVED", HEAD);
    const comment = github.addComment("sam", "/approve-level3\n\nSRE: rollout plan reviewed.");
    const run = await runAction(github, "issue_comment", commented(github, comment, "sam"));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(checkOnHead(github)).toMatchObject([
      { conclusion: "success", output: { title: TITLE.done } },
    ]);
    expect(
      github.requests.filter(
        (r) => r.route === "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
      ),
    ).toHaveLength(1);
    expect(github.requests.filter((r) => r.status >= 400)).toEqual([]);
  });

  it("any other event is nothing to do: exit 0, no call", async () => {
    const before = github.requests.length;
    const run = await runAction(github, "push", { ref: "refs/heads/main" });
    expect(run).toEqual({
      code: 0,
      stdout:
        'governance-gate: nothing to do on "push" (it runs on pull_request, pull_request_target, pull_request_review, issue_comment)\n',
      stderr: "",
    });
    expect(github.requests.length).toBe(before);
  });
});

describe("teams the token cannot read (GITHUB_TOKEN has no members permission)", () => {
  const TEAMS_POLICY = POLICY.replace(
    "sre-lead:     { users: [sam] }",
    "sre-lead:     { teams: [sres] }",
  );
  let github: FakeGitHub;
  beforeAll(async () => {
    // The fake knows no team: as GitHub answers a token that may not read the organisation's teams.
    github = await FakeGitHub.start(
      migrationSeed({
        publicKey: createPublicKey(keys.publicKeyPem),
        head: HEAD,
        base: BASE,
        policy: TEAMS_POLICY,
      }),
    );
  });
  afterAll(async () => github?.close());

  it("fail closed: the team's members cannot sign, and the check names the team (run on pull_request_target)", async () => {
    expect(TEAMS_POLICY).toContain("teams: [sres]");
    github.addReview("dan", "APPROVED", HEAD);
    github.addReview("bea", "APPROVED", HEAD);
    github.addReview("sam", "APPROVED", HEAD);
    // pull_request_target: the base branch's workflow, the payload of pull_request.
    const run = await runAction(github, "pull_request_target", opened(github));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [check] = checkOnHead(github);
    expect(check).toMatchObject({ conclusion: "failure" });
    expect(check!.output.summary).toContain("sres");
  });
});

describe("without what a workflow provides", () => {
  it("no token: exit 1 with an error annotation, before any call", async () => {
    const github = await FakeGitHub.start(
      migrationSeed({ publicKey: createPublicKey(keys.publicKeyPem), head: HEAD, base: BASE }),
    );
    try {
      const run = await runAction(github, "pull_request", opened(github), { INPUT_TOKEN: "" });
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^::error::governance-gate: no token/);
      expect(github.requests).toEqual([]);
    } finally {
      await github.close();
    }
  });
});

describe("dist/action.js", () => {
  it("is the bundle of the current sources (after changing src/, run `npm run build:action` and commit dist/action.js)", () => {
    const path = join(ROOT, "dist", "action.js");
    expect(
      existsSync(path),
      "dist/action.js is missing: run `npm run build:action` and commit it (the rest of dist/ is ignored)",
    ).toBe(true);
    const committed = readFileSync(path, "utf8");
    expect(
      committed === readFileSync(bundle, "utf8"),
      "dist/action.js is stale: run `npm run build:action`",
    ).toBe(true);
  });

  it("has beside it the TypeScript compiler chunk the build writes (dist/action-typescript.cjs, loaded on the first contract file)", () => {
    const path = join(ROOT, "dist", "action-typescript.cjs");
    expect(
      existsSync(path),
      "dist/action-typescript.cjs is missing: run `npm run build:action` and commit it with dist/action.js",
    ).toBe(true);
    expect(
      readFileSync(path, "utf8") ===
        readFileSync(join(dir, "dist", "action-typescript.cjs"), "utf8"),
      "dist/action-typescript.cjs is stale (typescript was updated, or the build changed): run `npm run build:action`",
    ).toBe(true);
  });
});
