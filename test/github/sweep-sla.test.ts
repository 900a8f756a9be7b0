import { Probot, ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import type { Gate } from "../../src/github/gate.js";
import { createApp } from "../../src/index.js";
import { appKeys } from "../github-support/app-server.js";
import { mockGitHub, setupNock, type RecordedCall } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { CHAT_POLICY, OWNER, REPO_NAME, RepoWorld } from "../github-support/repo-world.js";
import { DEFAULT_PR } from "../github-support/webhooks.js";

/**
 * The escalation sweep starts a pending sign-off's SLA clock when the head
 * arrived on the pull request, as the app recorded it on its run. An
 * evaluation that ends without a decision (no valid policy on the base yet)
 * must still record the arrival GitHub's delivery gave: otherwise every later
 * sweep sees the head as first seen "now", its clock restarts at each sweep,
 * and a pull request nobody touches is never escalated.
 *
 * chat-backend: a 2-business-day SLA (Mon–Fri 09:00–17:00 UTC); the pull
 * request opens Monday 10:00, so its first step is due Wednesday 10:00.
 */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const BROKEN_BASE = DEFAULT_PR.baseSha;
const FIXED_BASE = "f1e2d3c4b5a6978812345678901234567890abcd";
const OPENED = "2026-11-23T10:00:00Z"; // a Monday
/** The base policy before its fix: a role bound to a key no policy has. */
const BROKEN_POLICY = `extends: chat-backend
roles:
  dba-lead: { users: [dan], managers: [vera] }
`;

function world(options: { firstSnapshotFails?: boolean } = {}) {
  const gh = mockGitHub();
  // Registered before the world's own mock, so it answers the first snapshot query.
  if (options.firstSnapshotFails)
    gh.graphql("query PullRequestSnapshot", { message: "Server Error" }, { status: 502 });
  const w = new RepoWorld(gh, {
    // Read at the base commit the pull request is judged against: broken, then fixed.
    policy: ((call: RecordedCall) =>
      call.query.ref === BROKEN_BASE ? BROKEN_POLICY : CHAT_POLICY) as unknown as string,
    appId: APP_ID,
    now: new Date(OPENED),
  });
  return w;
}

/**
 * The escalation comments the app posts on #1, as GitHub then lists them (the
 * sweep reads its own back to see it did not race another replica). Registered
 * before the pull request, so these mocks answer before the world's own.
 */
function escalationCommentsOn(world: RepoWorld): string[] {
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
    { persist: true },
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
    { persist: true },
  );
  return bodies;
}

/** The app as one process on `world`, with the gate the sweep runs through. */
function appOn(world: RepoWorld) {
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

describe("the escalation sweep's SLA clock", () => {
  it("starts when the head arrived, even if the first evaluation found no valid policy", async () => {
    const w = world();
    const app = appOn(w);
    const escalations = escalationCommentsOn(w);
    w.openPull({
      number: 1,
      head: HEAD,
      base: BROKEN_BASE,
      baseRef: "main",
      files: [migrationFile(HEAD)],
    });
    await app.receive(w.event("pull_request", "opened", 1));
    expect(w.checkOn(HEAD)?.title).toMatch(/^Invalid governance policy/);

    // The policy is fixed on main the same morning; nobody touches the pull request again.
    w.pulls.get(1)!.pull.base.sha = FIXED_BASE;
    w.now = new Date("2026-11-24T16:00:00Z"); // Tuesday: not due yet
    expect(await app.sweep()).toBe(0);
    w.now = new Date("2026-11-25T12:00:00Z"); // Wednesday, past the first step's due time
    expect(await app.sweep()).toBe(1);
    expect(escalations).toEqual([
      expect.stringContaining("Escalating to **dba-lead** (step 1 of the prisma escalation path)"),
    ]);
    expect(escalations[0]).toContain("due 2026-11-25T10:00:00.000Z");
  });

  it("starts when the head arrived, even if the first evaluation failed", async () => {
    const w = world({ firstSnapshotFails: true });
    const app = appOn(w);
    const escalations = escalationCommentsOn(w);
    w.openPull({ number: 1, head: HEAD, base: FIXED_BASE, files: [migrationFile(HEAD)] });
    await app.receive(w.event("pull_request", "opened", 1));
    expect(w.checkOn(HEAD)?.title).toBe("Governance could not be evaluated");

    // Nobody re-runs the check or touches the pull request.
    w.now = new Date("2026-11-24T16:00:00Z");
    expect(await app.sweep()).toBe(0);
    w.now = new Date("2026-11-25T12:00:00Z");
    expect(await app.sweep()).toBe(1);
    expect(escalations).toHaveLength(1);
    expect(escalations[0]).toContain("due 2026-11-25T10:00:00.000Z");
  });
});
