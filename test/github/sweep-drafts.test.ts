import { describe, expect, it } from "vitest";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { CHAT_POLICY, OWNER, REPO_NAME, RepoWorld } from "../github-support/repo-world.js";
import { APP_ID, escalationCommentsOn, sweepingApp } from "./sweep-support.js";

/**
 * A draft is not asking for review yet: the escalation sweep pings nobody about
 * it, and the review SLA of a pull request that was a draft runs from when it
 * was marked ready for review (GitHub's timeline). The check still judges a
 * draft as any other pull request, and its reviewers are still requested.
 *
 * chat-backend: a 2-business-day SLA (Mon–Fri 09:00–17:00 UTC). The pull
 * request opens as a draft on Monday 2026-11-23 10:00.
 */

setupNock();

const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const OPENED = "2026-11-23T10:00:00Z"; // a Monday
const REQUESTED = `/repos/${OWNER}/${REPO_NAME}/pulls/1/requested_reviewers`;

/** A DROP COLUMN opened as a draft on Monday 10:00, judged on its delivery. */
async function openedAsDraft() {
  const world = new RepoWorld(mockGitHub(), {
    policy: CHAT_POLICY,
    appId: APP_ID,
    now: new Date(OPENED),
  });
  const app = sweepingApp(world);
  const escalations = escalationCommentsOn(world);
  const { pull } = world.openPull({ number: 1, head: HEAD, files: [migrationFile(HEAD)] });
  pull.draft = true;
  await app.receive(world.event("pull_request", "opened", 1));
  return { world, app, escalations, pull };
}

/** GitHub's record of the draft being marked ready for review now. */
function markReady(world: RepoWorld, pull: { draft: boolean }) {
  pull.draft = false;
  world.pulls.get(1)!.timeline.push({
    event: "ready_for_review",
    created_at: world.now.toISOString(),
    actor: { login: "octocat" },
  });
}

describe("the escalation sweep and drafts", () => {
  it("judges a draft and requests its reviewers, but escalates nothing however overdue", async () => {
    const { world, app, escalations } = await openedAsDraft();
    expect(world.checkOn(HEAD)?.conclusion).toBe("failure");
    expect(world.gh.count({ method: "POST", path: REQUESTED })).toBeGreaterThan(0);

    world.now = new Date("2026-12-03T12:00:00Z"); // eight business days later
    expect(await app.sweep()).toBe(0);
    expect(escalations).toEqual([]);
    expect(world.checkOn(HEAD)?.conclusion).toBe("failure");
  });

  it("does not escalate a pull request marked ready an hour ago after five days as a draft", async () => {
    const { world, app, escalations, pull } = await openedAsDraft();
    world.now = new Date("2026-11-30T10:00:00Z"); // the next Monday
    markReady(world, pull);

    world.now = new Date("2026-11-30T11:00:00Z");
    expect(await app.sweep()).toBe(0);
    expect(escalations).toEqual([]);
  });

  it("counts from the latest marking ready, when it went back to draft in between", async () => {
    const { world, app, escalations, pull } = await openedAsDraft();
    world.now = new Date("2026-11-23T11:00:00Z");
    markReady(world, pull);
    world.now = new Date("2026-11-24T09:00:00Z");
    pull.draft = true; // converted back to draft
    world.now = new Date("2026-11-30T10:00:00Z");
    markReady(world, pull);

    world.now = new Date("2026-11-30T11:00:00Z");
    expect(await app.sweep()).toBe(0);
    expect(escalations).toEqual([]);
  });

  it("escalates a pull request marked ready three business days ago, its SLA counted from then", async () => {
    const { world, app, escalations, pull } = await openedAsDraft();
    world.now = new Date("2026-11-30T10:00:00Z");
    markReady(world, pull);

    world.now = new Date("2026-12-03T10:00:00Z"); // Thursday
    expect(await app.sweep()).toBe(1);
    expect(escalations).toEqual([
      expect.stringContaining("Escalating to **dba-lead** (step 1 of the prisma escalation path)"),
    ]);
    expect(escalations[0]).toContain("due 2026-12-02T10:00:00.000Z");
  });
});
