import { Probot, ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { readHeadState } from "../../src/github/check-state.js";
import { createApp } from "../../src/index.js";
import { appKeys } from "../github-support/app-server.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { CHAT_POLICY, README_FILE, RepoWorld } from "../github-support/repo-world.js";

/**
 * The `governance` run on a commit carries every open pull request's
 * conclusion on its state line (src/github/check-state.ts), and GitHub cannot
 * update a check run conditionally: a write replaces the whole line. An
 * evaluation that read the line before another one wrote it must not write
 * its stale copy back over it. Here #2 (README, level 1) is being evaluated
 * while #1 (a DROP COLUMN, level 3) loses a sign-off: if #2's write carried
 * #1's old pass back, the one run every pull request on the commit reads
 * would turn green while #1 lacks its sign-offs.
 */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

/**
 * Holds the `nth` request that `matches` (method and path as sent) until
 * released: an evaluation caught mid-way.
 */
class Hold {
  readonly caught: Promise<void>;
  private readonly released: Promise<void>;
  private signal!: () => void;
  private letGo!: () => void;
  private seen = 0;

  constructor(
    private readonly matches: (method: string, path: string) => boolean,
    private readonly nth = 1,
  ) {
    this.caught = new Promise((resolve) => (this.signal = resolve));
    this.released = new Promise((resolve) => (this.letGo = resolve));
  }

  async pass(method: string, path: string): Promise<void> {
    if (!this.matches(method, path) || ++this.seen !== this.nth) return;
    this.signal();
    await this.released;
  }

  release(): void {
    this.letGo();
  }
}

/** #2's files: its evaluation's next request after it read the run, when its files are not cached. */
const filesOfTwo = () => new Hold((method, path) => path === "/repos/acme/chat/pulls/2/files");
const RUNS_ON_HEAD = `/repos/acme/chat/commits/${HEAD}/check-runs`;

type Receive = (
  event: Parameters<Probot["receive"]>[0],
  options?: { settle?: boolean },
) => Promise<void>;

/**
 * One app process on `world` (a replica when `replicated`), its requests
 * passing `held` when given. `receive` resolves once the event is handled and,
 * unless `settle: false`, every evaluation it queued is done.
 */
function processOn(world: RepoWorld, options: { replicated: boolean; held?: Hold[] }): Receive {
  const Octokit = ProbotOctokit.plugin((octokit) => {
    octokit.hook.before("request", async (request) => {
      const { method, url } = octokit.request.endpoint.parse(request);
      for (const held of options.held ?? []) await held.pass(method, new URL(url).pathname);
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
  let settled = async () => {};
  probot.load(
    createApp({
      appId: APP_ID,
      now: () => world.now,
      replicated: options.replicated,
      onGate: (gate) => (settled = () => gate.settled()),
    }),
  );
  return async (event, { settle = true } = {}) => {
    await probot.receive(event);
    if (settle) await settled();
  };
}

/** #1 (DROP COLUMN into main) signed by all three leads and #2 (README into scratch), both on HEAD: the run passes. */
async function bothPassing() {
  const world = new RepoWorld(mockGitHub(), {
    policy: CHAT_POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  world.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
  world.openPull({ number: 2, head: HEAD, baseRef: "scratch", files: [README_FILE] });
  const earlier = processOn(world, { replicated: true });
  await earlier(world.event("pull_request", "opened", 1));
  await earlier(world.event("pull_request", "opened", 2));
  world.now = new Date("2026-11-23T11:00:00Z");
  for (const lead of ["dan", "bea", "sam"]) {
    const review = world.review(1, lead, "APPROVED");
    await earlier(world.event("pull_request_review", "submitted", 1, { review }));
  }
  expect(world.checkOn(HEAD)?.conclusion).toBe("success");
  world.now = new Date("2026-11-23T12:00:00Z");
  return world;
}

/**
 * #2 is evaluated (a comment on it) and caught just after it read the run
 * (its files are its next request); meanwhile dan withdraws his sign-off on #1
 * and that is judged to the end; then #2's evaluation goes on.
 */
async function withdrawWhileTheOtherIsEvaluated(
  world: RepoWorld,
  onTwo: Receive,
  onOne: Receive,
  caught: Hold,
) {
  const remark = world.comment(2, "bob", "Reads well.");
  const two = onTwo(world.event("issue_comment", "created", 2, { comment: remark }));
  await caught.caught;
  const cancel = world.comment(1, "dan", "/approve-level3 cancel");
  // In one process, settling would wait for #2's evaluation, which is held.
  await onOne(world.event("issue_comment", "created", 1, { comment: cancel }), { settle: false });
  expect(world.checkOn(HEAD)?.conclusion).toBe("failure");
  caught.release();
  await two;
}

function expectOneHeldByTheOther(world: RepoWorld) {
  const check = world.checkOn(HEAD)!;
  expect(check.conclusion).toBe("failure");
  expect(check.summary).toContain("#1 (into `main`) fails its governance check");
  expect(readHeadState(check.summary)?.prs).toMatchObject({
    "1": { conclusion: "failure", base: "main" },
    "2": { conclusion: "success", base: "scratch" },
  });
  // One run on the commit: a second one would hide the first from branch protection.
  expect(world.runs.filter((r) => r.head_sha === HEAD)).toHaveLength(1);
}

describe("two evaluations racing on a commit's state line", () => {
  it("two replicas: the later write does not carry back a pass the earlier one withdrew", async () => {
    const world = await bothPassing();
    const held = filesOfTwo();
    const replicaB = processOn(world, { replicated: true, held: [held] });
    const replicaA = processOn(world, { replicated: true });
    await withdrawWhileTheOtherIsEvaluated(world, replicaB, replicaA, held);
    expectOneHeldByTheOther(world);
  });

  it("one process, two deliveries at once: the later write does not carry back a withdrawn pass", async () => {
    const world = await bothPassing();
    const held = filesOfTwo();
    const app = processOn(world, { replicated: false, held: [held] });
    await withdrawWhileTheOtherIsEvaluated(world, app, app, held);
    expectOneHeldByTheOther(world);
  });

  it("two replicas on a head GitHub does not associate: neither pull request's first entry is lost", async () => {
    const world = new RepoWorld(mockGitHub(), {
      policy: CHAT_POLICY,
      appId: APP_ID,
      now: new Date("2026-11-23T10:00:00Z"),
    });
    world.openPull({ number: 1, head: HEAD, baseRef: "release", files: [migrationFile(HEAD)] });
    world.openPull({ number: 2, head: HEAD, baseRef: "scratch", files: [README_FILE] });
    world.unassociated.add(1);
    world.unassociated.add(2);
    // #2's first evaluation reads no run, then waits; #1's is judged meanwhile.
    const held = filesOfTwo();
    const replicaB = processOn(world, { replicated: true, held: [held] });
    const replicaA = processOn(world, { replicated: true });
    const remark = world.comment(2, "bob", "Reads well.");
    const two = replicaB(world.event("issue_comment", "created", 2, { comment: remark }));
    await held.caught;
    await replicaA(world.event("pull_request", "opened", 1));
    held.release();
    await two;

    const check = world.checkOn(HEAD)!;
    expect(check.conclusion).toBe("failure");
    expect(check.summary).toContain("#1 (into `release`) fails its governance check");
    expect(world.runs.filter((r) => r.head_sha === HEAD)).toHaveLength(1);
  });

  it("two replicas writing within one round trip: the failing one reads the run back and restores its failure", async () => {
    const world = await bothPassing();
    // #2's replica has read the run (#1 still passing) and its write is on its way…
    const writeOfTwo = new Hold(
      (method, path) => method === "PATCH" && path.includes("/check-runs/"),
    );
    const replicaB = processOn(world, { replicated: true, held: [writeOfTwo] });
    // …while #1's replica reads, writes #1's failure, and is about to read the run back.
    const readBackOfOne = new Hold((method, path) => method === "GET" && path === RUNS_ON_HEAD, 2);
    const replicaA = processOn(world, { replicated: true, held: [readBackOfOne] });

    const remark = world.comment(2, "bob", "Reads well.");
    const two = replicaB(world.event("issue_comment", "created", 2, { comment: remark }));
    await writeOfTwo.caught;
    const cancel = world.comment(1, "dan", "/approve-level3 cancel");
    const one = replicaA(world.event("issue_comment", "created", 1, { comment: cancel }));
    // (Were #1's replica not to read the run back, its evaluation would simply end here.)
    await Promise.race([readBackOfOne.caught, one]);
    expect(world.checkOn(HEAD)?.conclusion).toBe("failure");
    // #2's write lands after #1's, built on the run before it: #1's failure is gone.
    writeOfTwo.release();
    await two;
    expect(world.checkOn(HEAD)?.conclusion).toBe("success");
    readBackOfOne.release();
    await one;

    const check = world.checkOn(HEAD)!;
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("Level 3 — joint approval: 2 of 3 sign-offs");
    expect(readHeadState(check.summary)?.prs).toMatchObject({
      "1": { conclusion: "failure", base: "main" },
      "2": { conclusion: "success", base: "scratch" },
    });
    expect(world.written.map((w) => w.conclusion).slice(-3)).toEqual([
      "failure",
      "success",
      "failure",
    ]);
  });

  describe("what reading the run again costs a pull request alone on its head", () => {
    async function judgedTwice(replicated: boolean) {
      const world = new RepoWorld(mockGitHub(), {
        policy: CHAT_POLICY,
        appId: APP_ID,
        now: new Date("2026-11-23T10:00:00Z"),
      });
      world.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
      const receive = processOn(world, { replicated });
      await receive(world.event("pull_request", "opened", 1));
      world.now = new Date("2026-11-23T11:00:00Z");
      const review = world.review(1, "dan", "APPROVED");
      await receive(world.event("pull_request_review", "submitted", 1, { review }));
      expect(world.written.map((w) => w.title)).toEqual([
        "Level 3 — joint approval: 0 of 3 sign-offs",
        "Level 3 — joint approval: 1 of 3 sign-offs",
      ]);
      return world.gh;
    }

    it("in one process, nothing: the run this process last wrote is the run as it is", async () => {
      const gh = await judgedTwice(false);
      expect(gh.count({ method: "GET", path: RUNS_ON_HEAD })).toBe(0);
      expect(gh.count({ kind: "rest" })).toBe(5);
    });

    it("on a replica, one lookup per write: another replica may have written since", async () => {
      const gh = await judgedTwice(true);
      expect(gh.count({ method: "GET", path: RUNS_ON_HEAD })).toBe(2);
      expect(gh.count({ kind: "rest" })).toBe(7);
    });
  });
});
