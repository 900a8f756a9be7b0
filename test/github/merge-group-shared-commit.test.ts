import { Probot, ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { readHeadState } from "../../src/github/check-state.js";
import { createApp } from "../../src/index.js";
import { appKeys } from "../github-support/app-server.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, OWNER, REPO_NAME, RepoWorld } from "../github-support/repo-world.js";
import { DEFAULT_PR, examplePayload, webhookEvent } from "../github-support/webhooks.js";

/**
 * A merge group's commit is fetchable, so a repository writer can push a
 * branch at it and open a pull request with it as head, into a branch of their
 * own whose `.github/governance.yml` (the policy is read from the base) asks
 * for nothing. That pull request and the merge queue then write the one
 * `governance` run on the same commit, which both the queue and the pull
 * request's branch protection read: neither may lift the other's failure.
 * Here #1 (a DROP COLUMN into main) is queued; the group's commit is GROUP.
 */

setupNock();

const APP_ID = 4242;
const HEAD = DEFAULT_PR.headSha;
/** The merge queue's commit: main with #1 merged onto it. */
const GROUP = "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d";
/** The writer's own branch `scratch`, whose policy owns everything at level 1 and requires nobody. */
const SCRATCH_BASE = "9d8c7b6a5f4e3d2c1b0a99887766554433221100";
const PERMISSIVE_POLICY = `roles:
  owner: { users: [eve] }
areas:
  everything:
    paths: ["**"]
    level: 1
    accountable: owner
`;

function world(): RepoWorld {
  const gh = mockGitHub();
  // Registered before the world's policy (which answers any ref): `scratch`'s commit reads its own.
  gh.get(
    `/repos/${OWNER}/${REPO_NAME}/contents/.github%2Fgovernance.yml?ref=${SCRATCH_BASE}`,
    PERMISSIVE_POLICY,
    200,
    { persist: true, headers: { "content-type": "application/vnd.github.raw; charset=utf-8" } },
  );
  const w = new RepoWorld(gh, {
    policy: CHAT_POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  w.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
  return w;
}

/** #2: the group's commit as head, the same DROP COLUMN in its diff, into `baseRef`. */
function openOnGroupCommit(w: RepoWorld, into: "scratch" | "release"): void {
  w.openPull({
    number: 2,
    head: GROUP,
    baseRef: into,
    ...(into === "scratch" ? { base: SCRATCH_BASE } : {}),
    files: [migrationFile(GROUP)],
  });
}

function signOne(w: RepoWorld): void {
  for (const lead of ["dan", "bea", "sam"]) w.review(1, lead, "APPROVED");
}

/** GitHub's merge_group checks_requested for #1 queued at HEAD (unless `headRef` says otherwise), its commit GROUP. */
function groupQueued(w: RepoWorld, headRef = `refs/heads/gh-readonly-queue/main/pr-1-${HEAD}`) {
  const group = examplePayload("merge_group", "checks_requested") as unknown as Record<
    string,
    unknown
  >;
  Object.assign(group.merge_group as object, {
    head_sha: GROUP,
    head_ref: headRef,
  });
  const opened = w.event("pull_request", "opened", 1).payload as Record<string, unknown>;
  Object.assign(group, { repository: opened.repository, installation: opened.installation });
  return webhookEvent("merge_group", group as never);
}

describe("a pull request whose head is a merge group's commit", () => {
  it("cannot lift the group's failure: its pass under a permissive base policy leaves the run failing", async () => {
    const w = world();
    openOnGroupCommit(w, "scratch");
    const app = appOn(w);
    // #1 lacks its three sign-offs: the group fails.
    await app(groupQueued(w));
    expect(w.checkOn(GROUP)?.conclusion).toBe("failure");

    await app(w.event("pull_request", "opened", 2));

    const check = w.checkOn(GROUP)!;
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("Blocked by the merge queue's group for #1 on this commit");
    expect(check.summary).toContain(
      "- the merge queue's group for #1 fails governance on this commit",
    );
    // #2's own policy passed it; the group's failure is what holds the run.
    expect(readHeadState(check.summary)).toEqual({
      prs: { "2": expect.objectContaining({ conclusion: "success", base: "scratch" }) },
      group: { pr: 1, conclusion: "failure" },
    });
    expect(w.written.filter((x) => x.sha === GROUP).map((x) => x.conclusion)).toEqual([
      "failure",
      "failure",
    ]);
    expect(w.runs.filter((r) => r.head_sha === GROUP)).toHaveLength(1);
  });

  it("keeps its failure when the merge queue's group then passes", async () => {
    const w = world();
    openOnGroupCommit(w, "release");
    const app = appOn(w);
    // #2 into release: the DROP COLUMN needs sign-offs nobody gave.
    await app(w.event("pull_request", "opened", 2));
    expect(w.checkOn(GROUP)?.conclusion).toBe("failure");

    w.now = new Date("2026-11-23T11:00:00Z");
    signOne(w);
    await app(groupQueued(w));

    const check = w.checkOn(GROUP)!;
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("Merge queue: blocked by another pull request on this commit: #2");
    expect(check.summary).toContain("- ❌ #2 (into `release`) fails its governance check");
    // The queued pull request's own verdict is recorded as it is: a pass.
    expect(check.summary).toMatch(/^- ✅ #1 Pull request 1: /m);
    expect(readHeadState(check.summary)).toEqual({
      prs: { "2": expect.objectContaining({ conclusion: "failure", base: "release" }) },
      group: { pr: 1, conclusion: "success" },
    });
    expect(w.written.filter((x) => x.sha === GROUP).map((x) => x.conclusion)).not.toContain(
      "success",
    );
  });

  it("passes when the group and every pull request on its commit pass, each recorded", async () => {
    const w = world();
    openOnGroupCommit(w, "scratch");
    const app = appOn(w);
    await app(w.event("pull_request", "opened", 2));
    w.now = new Date("2026-11-23T11:00:00Z");
    signOne(w);
    await app(groupQueued(w));

    const check = w.checkOn(GROUP)!;
    expect(check.conclusion).toBe("success");
    expect(check.title).toBe("Merge queue: 1 of 1 pull request pass governance");
    // The group's write kept #2's entry (its head's arrival included) beside its own verdict.
    expect(readHeadState(check.summary)).toEqual({
      prs: {
        "2": {
          conclusion: "success",
          base: "scratch",
          arrivedAt: expect.any(String),
        },
      },
      group: { pr: 1, conclusion: "success" },
    });
  });

  it("a group whose ref names no pull request still holds the run a pull request's pass would lift", async () => {
    const w = world();
    openOnGroupCommit(w, "scratch");
    const app = appOn(w);
    await app(groupQueued(w, "refs/heads/gh-readonly-queue/main/pr-1-not-a-sha"));
    await app(w.event("pull_request", "opened", 2));

    const check = w.checkOn(GROUP)!;
    expect(check.conclusion).toBe("failure");
    expect(check.summary).toContain(
      "- the merge queue's group (its ref names no pull request) fails governance on this commit",
    );
    expect(readHeadState(check.summary)?.group).toEqual({ conclusion: "failure" });
  });

  it("two replicas: a pass another replica writes over the group's failure is written back", async () => {
    const w = world();
    openOnGroupCommit(w, "scratch");
    await replica(w)(w.event("pull_request", "opened", 2));
    w.now = new Date("2026-11-23T11:00:00Z");
    // #2 is judged again (a command it refuses changes its summary) and its write, built on the run
    // before the group's, is on its way…
    const writeOfTwo = new Hold(
      (method, path) => method === "PATCH" && path.includes("/check-runs/"),
    );
    const remark = w.comment(2, "bob", "/approve-level3");
    const two = replica(w, [writeOfTwo])(
      w.event("issue_comment", "created", 2, { comment: remark }),
    );
    await writeOfTwo.caught;
    // …while the group's replica reads the run, writes its failure, and is about to read it back.
    const readBack = new Hold((method, path) => method === "GET" && path === RUNS_ON_GROUP, 2);
    const queue = replica(w, [readBack])(groupQueued(w));
    await Promise.race([readBack.caught, queue]);
    expect(w.checkOn(GROUP)?.conclusion).toBe("failure");
    writeOfTwo.release();
    await two;
    expect(w.checkOn(GROUP)?.conclusion).toBe("success");
    readBack.release();
    await queue;

    const check = w.checkOn(GROUP)!;
    expect(check.conclusion).toBe("failure");
    expect(readHeadState(check.summary)).toEqual({
      prs: { "2": expect.objectContaining({ conclusion: "success", base: "scratch" }) },
      group: { pr: 1, conclusion: "failure" },
    });
    expect(w.runs.filter((r) => r.head_sha === GROUP)).toHaveLength(1);
  });

  it("two replicas: a pull request's failure another replica's group pass writes over is written back", async () => {
    const w = world();
    openOnGroupCommit(w, "release");
    // The group failed (#1 unsigned); its leads sign, and the group's check is delivered again.
    await replica(w)(groupQueued(w));
    w.now = new Date("2026-11-23T11:00:00Z");
    signOne(w);
    const writeOfGroup = new Hold(
      (method, path) => method === "PATCH" && path.includes("/check-runs/"),
    );
    const queue = replica(w, [writeOfGroup])(groupQueued(w));
    await writeOfGroup.caught;
    // Meanwhile #2 (into release, unsigned) is judged: it writes its failure and is about to read it back.
    const readBack = new Hold((method, path) => method === "GET" && path === RUNS_ON_GROUP, 2);
    const two = replica(w, [readBack])(w.event("pull_request", "opened", 2));
    await Promise.race([readBack.caught, two]);
    expect(w.checkOn(GROUP)?.conclusion).toBe("failure");
    // The group's write lands after #2's, built on the run before it: #2's failure is gone.
    writeOfGroup.release();
    await queue;
    expect(w.checkOn(GROUP)?.conclusion).toBe("success");
    readBack.release();
    await two;

    const check = w.checkOn(GROUP)!;
    expect(check.conclusion).toBe("failure");
    expect(readHeadState(check.summary)).toEqual({
      prs: { "2": expect.objectContaining({ conclusion: "failure", base: "release" }) },
      group: { pr: 1, conclusion: "success" },
    });
    expect(w.runs.filter((r) => r.head_sha === GROUP)).toHaveLength(1);
  });
});

const RUNS_ON_GROUP = `/repos/${OWNER}/${REPO_NAME}/commits/${GROUP}/check-runs`;

/** Holds the `nth` request that `matches` (method and path as sent) until released. */
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

/** One replica of the app (REPLICAS > 1) on `w`, its requests passing `held`; resolves once the event is handled. */
function replica(w: RepoWorld, held: Hold[] = []) {
  const Octokit = ProbotOctokit.plugin((octokit) => {
    octokit.hook.before("request", async (request) => {
      const { method, url } = octokit.request.endpoint.parse(request);
      for (const hold of held) await hold.pass(method, new URL(url).pathname);
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
      now: () => w.now,
      replicated: true,
      onGate: (gate) => (settled = () => gate.settled()),
    }),
  );
  return async (event: Parameters<Probot["receive"]>[0]) => {
    await probot.receive(event);
    await settled();
  };
}
