/**
 * The reliability suite's world: the real app server (`src/server.ts` in a child
 * process, as in test/e2e) against the fake GitHub of test/e2e/fake-github.ts,
 * which can inject faults and change under the app. Also: webhook payloads as
 * GitHub would send them at the moment of each event, a settle step that knows
 * when every delivery has been handled, an oracle (one clean evaluation of the
 * fake's current state with the app's own modules, in this process), and the
 * counters the suite reports at the end (test/reliability/global-setup.ts).
 */
import { createPublicKey, randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ProbotOctokit } from "probot";
import { inject } from "vitest";
import { FactGatherer } from "../../src/github/facts.js";
import { PolicySource } from "../../src/github/policy-source.js";
import { readSnapshot, readTeams } from "../../src/github/snapshot.js";
import type { GitHub } from "../../src/github/types.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { renderTitle } from "../../src/render/summary.js";
import {
  FakeGitHub,
  type FakeCheckRun,
  type FakePullFile,
  type FakeReview,
} from "../e2e/fake-github.js";
import {
  APP_ID,
  AUTHOR,
  COLLABORATORS,
  migrationChange as scenarioChange,
  migrationSeed,
  OWNER,
  POLICY as SCENARIO_POLICY,
  PR_NUMBER,
  PULL_TITLE,
  REPO,
  sha,
  webhookSource,
} from "../e2e/scenario.js";
import {
  appKeys,
  deliverWebhook,
  startAppServer,
  type AppServer as AppProcess,
} from "../github-support/app-server.js";
import { examplePayload } from "../github-support/webhooks.js";

export {
  APP_ID,
  AUTHOR,
  INSTALLATION_ID,
  MIGRATION,
  OWNER,
  PR_NUMBER,
  REPO,
  SCHEMA,
  sha,
  TITLE,
} from "../e2e/scenario.js";
export { ROOT } from "../github-support/app-server.js";

/** The scenario's policy plus the roles chat-backend escalates to (tech-architect, cto), so an escalation here reaches someone. */
export const POLICY = `${SCENARIO_POLICY}  tech-architect: { users: [tara] }
  cto: { users: [carmen] }
`;

/** Files and blobs of the migration pull request at `head` over `base`, under this suite's policy. */
export function migrationChange(
  head: string,
  base: string,
): { files: FakePullFile[]; blobs: Record<string, string> } {
  return scenarioChange(head, base, POLICY);
}

// --- counters ------------------------------------------------------------------

export interface Counts {
  faultsInjected: number;
  eventsDelivered: number;
  fuzzCases: number;
  /** Fault kinds, for the summary. */
  faultKinds: Record<string, number>;
}

/** This test file's counters, written where global-setup.ts sums them at the end. */
export type Counters = Counts & { save(): void; addFaults(github: FakeGitHub): void };

export function counters(file: string): Counters {
  const counts: Counts = { faultsInjected: 0, eventsDelivered: 0, fuzzCases: 0, faultKinds: {} };
  return Object.assign(counts, {
    addFaults(github: FakeGitHub) {
      counts.faultsInjected += github.injected.length;
      for (const f of github.injected)
        counts.faultKinds[f.detail.replace(/\d+ ms/, "N ms")] =
          (counts.faultKinds[f.detail.replace(/\d+ ms/, "N ms")] ?? 0) + 1;
    },
    save() {
      const dir = inject("reliabilityCountsDir");
      const { faultsInjected, eventsDelivered, fuzzCases, faultKinds } = counts;
      writeFileSync(
        join(dir, `${file}.json`),
        JSON.stringify({ faultsInjected, eventsDelivered, fuzzCases, faultKinds }),
      );
    },
  });
}

// --- the world -----------------------------------------------------------------

/** One App key pair for the whole file (RSA generation is slow); each server gets its own webhook secret. */
const keys = appKeys(APP_ID);

export interface LogLine {
  level: number;
  msg: unknown;
  /** The delivery id: Probot binds it as `id`, the app's delivery logger (src/ops/logging.ts) as `delivery`. */
  id?: string;
  delivery?: string;
  pr?: number;
  conclusion?: string;
  time?: number;
}

export class AppServer {
  /** HTTP status each delivery was answered with (202: Probot's 9 s timeout hit, the handler goes on). */
  readonly answered = new Map<string, number>();
  private constructor(
    private readonly appProcess: AppProcess,
    private readonly printed: { output: string },
    private readonly secret: string,
  ) {}

  get child(): AppProcess["child"] {
    return this.appProcess.child;
  }

  get port(): number {
    return this.appProcess.port;
  }

  /** Everything the server printed so far. */
  get output(): string {
    return this.printed.output;
  }

  /** `nodeArgs`: flags for the server's node (e.g. the Deployment's heap ceiling, `--max-old-space-size=512`). */
  static async start(
    github: FakeGitHub,
    options: { nodeArgs?: string[] } = {},
  ): Promise<AppServer> {
    // Booting a server (tsx compiling src/) is the suite's CPU peak: a few at a time across all test files.
    const release = await bootSlot();
    try {
      return await AppServer.boot(github, options);
    } finally {
      release();
    }
  }

  private static async boot(
    github: FakeGitHub,
    options: { nodeArgs?: string[] },
  ): Promise<AppServer> {
    const printed = { output: "" };
    const webhookSecret = randomBytes(24).toString("hex");
    const started = await startAppServer({
      keys: { ...keys, webhookSecret },
      githubHost: github.host,
      // RELIABILITY_SERVER_ENTRY: run the suite against another entry point (e.g. a patched copy, to try a fix).
      entry: process.env.RELIABILITY_SERVER_ENTRY,
      nodeArgs: options.nodeArgs,
      // Several servers share one fake GitHub in the replica tests, as in a deployment with REPLICAS=2.
      env: { REPLICAS: "2" },
      // info: "governance evaluated" / "evaluation failed" carry the delivery id, which is how settle() knows a delivery was handled.
      logLevel: "info",
      onOutput: (text) => (printed.output += text),
      readyTimeoutMs: 60_000,
      stopGraceMs: 3_000,
    });
    return new AppServer(started, printed, webhookSecret);
  }

  /** A signed delivery, as GitHub sends it; resolves with the server's answer. */
  async deliver(
    event: string,
    payload: object,
    deliveryId = randomUUID(),
  ): Promise<{ id: string; status: number }> {
    const response = await deliverWebhook({
      port: this.port,
      keys: { appId: APP_ID, webhookSecret: this.secret },
      event,
      payload,
      deliveryId,
      userAgent: "GitHub-Hookshot/reliability",
    });
    await response.text();
    this.answered.set(deliveryId, response.status);
    return { id: deliveryId, status: response.status };
  }

  /** The server's JSON log lines (production format); anything else it printed as level 60. */
  log(): LogLine[] {
    return this.output
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => {
        try {
          const entry = JSON.parse(line) as LogLine;
          return {
            ...entry,
            id: entry.delivery ?? entry.id,
            level: typeof entry.level === "number" ? entry.level : 60,
          };
        } catch {
          return { level: 60, msg: line };
        }
      });
  }

  /** Deliveries whose evaluation finished (passed, failed, or failed closed), in the order they finished. */
  evaluated(): { id: string; outcome: "evaluated" | "failed" }[] {
    return this.log()
      .filter((l) => l.id && (l.msg === "governance evaluated" || l.msg === "evaluation failed"))
      .map((l) => ({
        id: l.id!,
        outcome: l.msg === "governance evaluated" ? "evaluated" : "failed",
      }));
  }

  /** Handler errors Probot logged (an evaluation whose fail-closed write also failed ends here). */
  handlerErrors(): LogLine[] {
    return this.log().filter((l) => l.level >= 50 && l.msg !== "evaluation failed");
  }

  async stop(): Promise<void> {
    await this.appProcess.stop();
  }
}

export interface World {
  github: FakeGitHub;
  server: AppServer;
  events: Events;
  /** Starts a fresh head for the next scenario (see FakeGitHub.nextHead). */
  nextHead(name: string): { head: string; base: string };
  close(): Promise<void>;
}

export async function startWorld(
  name: string,
  options: { nodeArgs?: string[] } = {},
): Promise<World> {
  const head = sha(`${name}: head 0`);
  const base = sha(`${name}: base 0`);
  const github = await FakeGitHub.start(
    migrationSeed({
      publicKey: createPublicKey(keys.publicKeyPem),
      head,
      base,
      policy: POLICY,
      collaborators: [...COLLABORATORS, "tara", "carmen"],
    }),
  );
  let server: AppServer;
  try {
    server = await AppServer.start(github, options);
  } catch (error) {
    await github.close();
    throw error;
  }
  let n = 0;
  return {
    github,
    server,
    events: new Events(github),
    nextHead(label: string) {
      n++;
      const next = {
        head: sha(`${name}: ${label}: head ${n}`),
        base: sha(`${name}: ${label}: base ${n}`),
      };
      github.nextHead({
        headSha: next.head,
        baseSha: next.base,
        ...migrationChange(next.head, next.base),
      });
      github.seed.pull.title = PULL_TITLE;
      return next;
    },
    async close() {
      await server.stop();
      await github.close();
    },
  };
}

// --- webhook payloads ------------------------------------------------------------

type Obj = Record<string, unknown>;

/**
 * Payloads as GitHub sends them at the moment of the event: the pull request in
 * each is the fake's view *now* (labels, title, requested reviewers), so an
 * event built early and delivered late carries stale data, as a late delivery does.
 */
export class Events {
  constructor(private readonly github: FakeGitHub) {}

  private common(example: Obj): Obj {
    return {
      repository: { ...(example.repository as Obj), ...this.github.repositoryView() },
      ...webhookSource(),
    };
  }

  private pull(example: Obj): Obj {
    return { ...(example.pull_request as Obj), ...this.github.pullRequestView() };
  }

  pullRequest(
    action:
      | "opened"
      | "reopened"
      | "synchronize"
      | "labeled"
      | "unlabeled"
      | "edited"
      | "ready_for_review",
    extra: Obj = {},
  ): { name: string; payload: Obj } {
    const example = examplePayload("pull_request", action as "opened") as unknown as Obj;
    const payload: Obj = {
      ...example,
      action,
      number: PR_NUMBER,
      ...this.common(example),
      pull_request: this.pull(example),
      sender: this.github.user(AUTHOR),
      ...extra,
    };
    return { name: "pull_request", payload };
  }

  labeled(label: string, by = AUTHOR): { name: string; payload: Obj } {
    const event = this.pullRequest("labeled");
    event.payload.label = {
      id: 1,
      node_id: "LA_1",
      name: label,
      color: "ededed",
      default: false,
      description: null,
    };
    event.payload.sender = this.github.user(by);
    return event;
  }

  unlabeled(label: string, by = AUTHOR): { name: string; payload: Obj } {
    const event = this.pullRequest("unlabeled");
    event.payload.label = {
      id: 1,
      node_id: "LA_1",
      name: label,
      color: "ededed",
      default: false,
      description: null,
    };
    event.payload.sender = this.github.user(by);
    return event;
  }

  titleEdited(from: string): { name: string; payload: Obj } {
    return this.pullRequest("edited", { changes: { title: { from } } });
  }

  review(
    review: FakeReview,
    action: "submitted" | "dismissed" | "edited" = "submitted",
  ): { name: string; payload: Obj } {
    const example = examplePayload("pull_request_review", action as "submitted") as unknown as Obj;
    const payload: Obj = {
      ...example,
      action,
      ...this.common(example),
      pull_request: this.pull(example),
      review: {
        ...(example.review as Obj),
        id: review.id,
        user: this.github.user(review.login),
        state: review.state.toLowerCase(),
        commit_id: review.commitId,
        submitted_at: review.submittedAt,
        body: review.body || null,
      },
      sender: this.github.user(review.login),
    };
    return { name: "pull_request_review", payload };
  }

  comment(
    comment: Obj,
    action: "created" | "edited" | "deleted" = "created",
  ): { name: string; payload: Obj } {
    const example = examplePayload("issue_comment", action as "created") as unknown as Obj;
    const pr = this.github.pullRequestView();
    const user = comment.user as Obj;
    const payload: Obj = {
      ...example,
      action,
      ...this.common(example),
      issue: {
        ...(example.issue as Obj),
        number: PR_NUMBER,
        title: pr.title,
        user: pr.user,
        labels: pr.labels,
        state: "open",
        body: pr.body,
        pull_request: {
          url: pr.url,
          html_url: pr.html_url,
          diff_url: pr.diff_url,
          patch_url: pr.patch_url,
          merged_at: null,
        },
      },
      comment: { ...(example.comment as Obj), ...comment },
      sender: user,
    };
    if (action === "edited") payload.changes = { body: { from: "before" } };
    return { name: "issue_comment", payload };
  }

  checkRunRerequested(): { name: string; payload: Obj } {
    const example = examplePayload("check_run", "rerequested") as unknown as Obj;
    const run = this.github.checkRuns
      .filter((r) => r.head_sha === this.github.seed.pull.headSha)
      .at(-1);
    const { headSha, baseSha, headRef } = this.github.seed.pull;
    const payload: Obj = {
      ...example,
      action: "rerequested",
      ...this.common(example),
      check_run: {
        ...(example.check_run as Obj),
        ...(run ?? {}),
        name: "governance",
        head_sha: headSha,
        pull_requests: [
          {
            url: "",
            id: 1,
            number: PR_NUMBER,
            head: { ref: headRef, sha: headSha, repo: { id: 424242, url: "", name: REPO } },
            base: { ref: "main", sha: baseSha, repo: { id: 424242, url: "", name: REPO } },
          },
        ],
      },
      sender: this.github.user(AUTHOR),
    };
    return { name: "check_run", payload };
  }
}

// --- settling and the oracle ------------------------------------------------------

/**
 * Waits until every delivery in `ids` has been handled — answered 200 or an
 * error (Probot answers after its handlers finish), or, when answered 202 (its
 * 9 s webhook timeout: the handler goes on), its evaluation logged an outcome or
 * Probot logged the handler's error — and then the fake saw no request for `quietMs`.
 */
export async function settle(
  world: World,
  ids: string[],
  options: { timeoutMs?: number; quietMs?: number } = {},
): Promise<void> {
  const { server, github } = world;
  const quietMs = options.quietMs ?? 400;
  await waitFor(
    `${ids.length} deliveries to be handled`,
    () => {
      const evaluated = server.evaluated();
      const done = new Set([
        ...evaluated.map((e) => e.id),
        ...server.handlerErrors().map((l) => l.id ?? ""),
      ]);
      const handled = (id: string) => {
        const status = server.answered.get(id);
        return (status !== undefined && status !== 202) || done.has(id);
      };
      if (!ids.every(handled)) return undefined;
      // "evaluation failed" is logged before the fail-closed write, which Probot's write throttle may hold for up to a second.
      const failed = evaluated.some((e) => e.outcome === "failed" && ids.includes(e.id));
      return github.inflight === 0 &&
        Date.now() - github.lastActivity >= (failed ? Math.max(quietMs, 1500) : quietMs)
        ? true
        : undefined;
    },
    options.timeoutMs ?? 60_000,
    () =>
      `handled: ${JSON.stringify(server.evaluated())}\nserver output (tail):\n${server.output.slice(-4000)}`,
  );
}

export interface Verdict {
  conclusion: "success" | "failure";
  title: string;
}

/**
 * One clean evaluation of the fake's current state, with the app's own modules,
 * fresh caches and a fresh read of the pull request, in this process; what the
 * check should say once everything has settled.
 */
export async function oracle(github: FakeGitHub): Promise<Verdict> {
  const octokit = new ProbotOctokit({
    auth: { token: github.issueToken({ faultFree: true }) },
    baseUrl: `http://${github.host}/api/v3`,
    retry: { enabled: false },
    throttle: { enabled: false },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  }) as unknown as GitHub;
  const repo = { owner: OWNER, repo: REPO };
  const snapshot = await readSnapshot(octokit, repo, PR_NUMBER);
  const { pr } = snapshot;
  const policies = new PolicySource();
  const { result } = await policies.load(octokit, repo, pr.base.sha);
  if (!result) return { conclusion: "failure", title: "No governance policy" };
  if (!result.policy)
    return {
      conclusion: "failure",
      title: `Invalid governance policy: ${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}`,
    };
  const run = latestRun(github, pr.head.sha);
  const facts = await new FactGatherer().gather(
    octokit,
    repo,
    {
      ...snapshot,
      teamMembers: await readTeams(
        octokit,
        repo,
        [...result.policy.roles.values()].flatMap((r) => r.teams),
      ),
    },
    { headPushedAt: run?.started_at ?? new Date().toISOString() },
  );
  facts.proposedPolicy = await policies.lintProposed(octokit, repo, pr, facts.files);
  const decision = evaluate(result.policy, facts, new Date());
  return { conclusion: decision.conclusion, title: renderTitle(decision, result.policy) };
}

/** The run GitHub shows for a commit: the latest `governance` run created on it. */
export function latestRun(github: FakeGitHub, head: string): FakeCheckRun | undefined {
  return github.checkRuns.filter((r) => r.head_sha === head && r.name === "governance").at(-1);
}

/** Every check-run write on `head`'s runs, in order, as `{ conclusion, title }`. */
export function writesOn(
  github: FakeGitHub,
  head: string,
): (Verdict & { method: string; id: number })[] {
  const ids = new Set(github.checkRuns.filter((r) => r.head_sha === head).map((r) => r.id));
  return github.checkRunWrites
    .filter((w) => ids.has(w.id))
    .map((w) => {
      const body = (w.body ?? {}) as { conclusion?: string; output?: { title?: string } };
      return {
        method: w.method,
        id: w.id,
        conclusion: body.conclusion as Verdict["conclusion"],
        title: body.output?.title ?? "",
      };
    });
}

export function verdictOf(run: FakeCheckRun | undefined): Verdict | undefined {
  return run
    ? { conclusion: run.conclusion as Verdict["conclusion"], title: run.output.title ?? "" }
    : undefined;
}

// --- plumbing ----------------------------------------------------------------------

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
  explain?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${explain ? `\n${explain()}` : ""}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { seededRandom as prng } from "../helpers/random.js";

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const BOOT_SLOTS = 3;

/** A cross-process semaphore (atomic mkdir in the suite's shared directory): resolves with its release. */
async function bootSlot(): Promise<() => void> {
  const dir = inject("reliabilityCountsDir");
  for (;;) {
    for (let i = 0; i < BOOT_SLOTS; i++) {
      const lock = join(dir, `boot-${i}.lock`);
      try {
        mkdirSync(lock);
        return () => rmSync(lock, { recursive: true, force: true });
      } catch {
        // taken
      }
    }
    await sleep(100);
  }
}
