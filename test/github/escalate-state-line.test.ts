import { Probot, ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { readDecisionRecord } from "../../src/audit/decision-record.js";
import { readHeadState } from "../../src/github/check-state.js";
import type { Gate } from "../../src/github/gate.js";
import { createApp } from "../../src/index.js";
import { appKeys } from "../github-support/app-server.js";
import { mockGitHub, setupNock, type RecordedCall } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { CHAT_POLICY, OWNER, REPO_NAME, RepoWorld } from "../github-support/repo-world.js";
import { DEFAULT_PR } from "../github-support/webhooks.js";

/**
 * The escalation sweep re-renders the check with the steps it took. The run
 * belongs to the head commit, and its first line records every open pull
 * request's conclusion there (src/github/check-state.ts). The sweep reads the
 * run, then posts its comments and review requests; an evaluation of another
 * pull request on the commit may write the run meanwhile. Writing the line the
 * sweep read back over it would restore that pull request's old pass, and the
 * next pull request to pass would turn the commit's check green without it.
 *
 * #1 and #2 carry the same DROP COLUMN on one commit, into `main` and
 * `release`. #2 is signed by the three leads; #1 by nobody, and on Wednesday
 * (past chat-backend's 2-business-day SLA) the sweep escalates it while dan
 * withdraws his sign-off on #2.
 */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const ISSUE_ONE = `/repos/${OWNER}/${REPO_NAME}/issues/1/comments`;

/** Holds the first request for `path` until released: the sweep caught after it read the run. */
class Hold {
  readonly caught: Promise<void>;
  private readonly released: Promise<void>;
  private signal!: () => void;
  private letGo!: () => void;
  private seen = 0;

  constructor(private readonly path: string) {
    this.caught = new Promise((resolve) => (this.signal = resolve));
    this.released = new Promise((resolve) => (this.letGo = resolve));
  }

  async pass(method: string, path: string): Promise<void> {
    if (method !== "POST" || path !== this.path || ++this.seen !== 1) return;
    this.signal();
    await this.released;
  }

  release(): void {
    this.letGo();
  }
}

/** The escalation comments posted on #1, as GitHub then lists them (the sweep reads its own back). */
function escalationCommentsOn(world: RepoWorld): string[] {
  const bodies: string[] = [];
  world.gh.post(
    ISSUE_ONE,
    { body: expect.stringContaining("has waited past its review SLA") },
    (call: RecordedCall) => {
      bodies.push((call.body as { body: string }).body);
      return { id: 9000 + bodies.length, body: bodies.at(-1) };
    },
    201,
    { persist: true },
  );
  world.gh.get(
    ISSUE_ONE,
    () =>
      bodies.map((body, i) => ({
        id: 9001 + i,
        user: { login: "governance-gate[bot]", type: "Bot" },
        body,
        created_at: world.now.toISOString(),
        updated_at: world.now.toISOString(),
      })),
    200,
    { persist: true },
  );
  return bodies;
}

/** The app as one process (a replica when `replicated`) on `world`, its requests passing `held`. */
function appOn(world: RepoWorld, replicated: boolean, held: Hold) {
  const Octokit = ProbotOctokit.plugin((octokit) => {
    octokit.hook.before("request", async (request) => {
      const { method, url } = octokit.request.endpoint.parse(request);
      await held.pass(method, new URL(url).pathname);
    });
    return {};
  }).defaults((defaults: Record<string, unknown>) => ({
    ...defaults,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  const probot = new Probot({
    appId: APP_ID,
    privateKey: appKeys().privateKey,
    Octokit,
    logLevel: "fatal",
  });
  let gate!: Gate;
  probot.load(
    createApp({ appId: APP_ID, now: () => world.now, replicated, onGate: (g) => (gate = g) }),
  );
  return {
    receive: async (event: Parameters<Probot["receive"]>[0]) => {
      await probot.receive(event);
      await gate.settled();
    },
    sweepOne: async () =>
      gate.sweep(
        await probot.auth(DEFAULT_PR.installationId),
        probot.log,
        { owner: OWNER, repo: REPO_NAME },
        1,
      ),
  };
}

describe.each([
  { replicated: false, label: "one process" },
  { replicated: true, label: "replicas" },
])("the escalation sweep's write of the check ($label)", ({ replicated }) => {
  it("keeps a failure another pull request on the commit wrote while the sweep was under way", async () => {
    const world = new RepoWorld(mockGitHub(), {
      policy: CHAT_POLICY,
      appId: APP_ID,
      now: new Date("2026-11-23T10:00:00Z"), // a Monday
    });
    const held = new Hold(ISSUE_ONE);
    const app = appOn(world, replicated, held);
    const escalations = escalationCommentsOn(world);
    world.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
    world.openPull({ number: 2, head: HEAD, baseRef: "release", files: [migrationFile(HEAD)] });
    await app.receive(world.event("pull_request", "opened", 1));
    await app.receive(world.event("pull_request", "opened", 2));
    world.now = new Date("2026-11-23T11:00:00Z");
    for (const lead of ["dan", "bea", "sam"]) {
      const review = world.review(2, lead, "APPROVED");
      await app.receive(world.event("pull_request_review", "submitted", 2, { review }));
    }
    expect(readHeadState(world.checkOn(HEAD)!.summary)?.prs).toMatchObject({
      "1": { conclusion: "failure" },
      "2": { conclusion: "success" },
    });

    world.now = new Date("2026-11-25T12:00:00Z"); // Wednesday: #1's first step is due
    const sweep = app.sweepOne();
    await held.caught;
    const cancel = world.comment(2, "dan", "/approve-level3 cancel");
    await app.receive(world.event("issue_comment", "created", 2, { comment: cancel }));
    expect(readHeadState(world.checkOn(HEAD)!.summary)?.prs["2"]?.conclusion).toBe("failure");
    held.release();
    expect(await sweep).toBe(1);

    expect(escalations).toEqual([expect.stringContaining("Escalating to **dba-lead**")]);
    const escalated = world.checkOn(HEAD)!;
    expect(escalated.summary).toContain(
      "escalated to **dba-lead** (step 1 of the escalation path)",
    );
    // The audit's record of the decision on the run stays: escalating decides nothing.
    const reading = readDecisionRecord(escalated.summary);
    expect(reading.status).toBe("ok");
    expect(reading.status === "ok" && reading.record.pullRequest).toBe(2);
    expect(readHeadState(escalated.summary)?.prs).toMatchObject({
      "1": { conclusion: "failure" },
      "2": { conclusion: "failure" },
    });

    // #1 gets its sign-offs: the commit's check still waits for #2's.
    world.now = new Date("2026-11-25T13:00:00Z");
    for (const lead of ["dan", "bea", "sam"]) {
      const review = world.review(1, lead, "APPROVED");
      await app.receive(world.event("pull_request_review", "submitted", 1, { review }));
    }
    const check = world.checkOn(HEAD)!;
    expect(check.conclusion).toBe("failure");
    expect(check.summary).toContain("#2 (into `release`) fails its governance check");
  });
});
