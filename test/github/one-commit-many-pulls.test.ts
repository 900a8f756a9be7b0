import { describe, expect, it } from "vitest";
import { readHeadState } from "../../src/github/check-state.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, README_FILE, RepoWorld } from "../github-support/repo-world.js";

/**
 * A check run belongs to a commit, not to a pull request, and branch protection
 * reads the commit's run for every pull request with that head. So the run's
 * conclusion is the strictest over every open pull request on that commit: a
 * second pull request from the same commit into a scratch branch (whose diff is
 * a README) can never turn the first one's check green.
 */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const POLICY = CHAT_POLICY;
const README = README_FILE;

function setUp() {
  const world = new RepoWorld(mockGitHub(), {
    policy: POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  const receive = appOn(world);
  return { world, receive };
}

describe("two open pull requests on one head commit", () => {
  it("a level-1 pull request into a scratch branch cannot pass the level-3 one's check", async () => {
    const { world, receive } = setUp();
    world.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
    await receive(world.event("pull_request", "opened", 1));
    expect(world.checkOn(HEAD)?.conclusion).toBe("failure");

    world.now = new Date("2026-11-23T10:05:00Z");
    world.openPull({ number: 2, head: HEAD, baseRef: "scratch", files: [README] });
    await receive(world.event("pull_request", "opened", 2));

    const check = world.checkOn(HEAD)!;
    expect(check.conclusion).toBe("failure");
    expect(check.title).toBe("Blocked by another pull request on this commit: #1");
    expect(check.summary).toContain("#1 (into `main`) fails its governance check");
    expect(readHeadState(check.summary)?.prs).toMatchObject({
      "1": { conclusion: "failure", base: "main" },
      "2": { conclusion: "success", base: "scratch" },
    });
  });

  it("judges a pull request GitHub associates with the commit before passing another one on it", async () => {
    const { world, receive } = setUp();
    // #1 was opened while the app was not installed: only #2's delivery arrives.
    world.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
    world.openPull({ number: 2, head: HEAD, baseRef: "scratch", files: [README] });
    await receive(world.event("pull_request", "opened", 2));

    const check = world.checkOn(HEAD)!;
    expect(check.conclusion).toBe("failure");
    expect(readHeadState(check.summary)?.prs["1"]?.conclusion).toBe("failure");
    // Not even for a moment: #2's own pass was never written while #1 was unjudged.
    expect(world.written.filter((w) => w.conclusion === "success")).toEqual([]);
    expect(world.written[0]?.title).toBe("Blocked by another pull request on this commit: #1");
  });

  it("a head GitHub does not associate (already on the default branch) is still held by what the run recorded", async () => {
    const { world, receive } = setUp();
    world.openPull({ number: 1, head: HEAD, baseRef: "release", files: [migrationFile(HEAD)] });
    world.unassociated.add(1);
    await receive(world.event("pull_request", "opened", 1));
    world.openPull({ number: 2, head: HEAD, baseRef: "scratch", files: [README] });
    await receive(world.event("pull_request", "opened", 2));
    expect(world.checkOn(HEAD)?.conclusion).toBe("failure");
    expect(world.checkOn(HEAD)?.summary).toContain(
      "#1 (into `release`) fails its governance check",
    );
  });

  it("passes once every pull request on the commit passes", async () => {
    const { world, receive } = setUp();
    world.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
    world.openPull({ number: 2, head: HEAD, baseRef: "scratch", files: [README] });
    await receive(world.event("pull_request", "opened", 1));
    await receive(world.event("pull_request", "opened", 2));
    expect(world.checkOn(HEAD)?.conclusion).toBe("failure");

    world.now = new Date("2026-11-23T11:00:00Z");
    for (const lead of ["dan", "bea", "sam"]) {
      const review = world.review(1, lead, "APPROVED");
      await receive(world.event("pull_request_review", "submitted", 1, { review }));
    }
    expect(world.checkOn(HEAD)?.conclusion).toBe("success");
    expect(world.checkOn(HEAD)?.title).toBe("Level 3 — joint approval: 3 of 3 sign-offs ✓");
  });

  it("judges the others again when a failing pull request on the commit is closed", async () => {
    const { world, receive } = setUp();
    world.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
    world.openPull({ number: 2, head: HEAD, baseRef: "scratch", files: [README] });
    await receive(world.event("pull_request", "opened", 1));
    await receive(world.event("pull_request", "opened", 2));
    expect(world.checkOn(HEAD)?.conclusion).toBe("failure");

    world.close(1);
    world.now = new Date("2026-11-23T11:00:00Z");
    await receive(world.event("pull_request", "closed", 1));
    expect(world.checkOn(HEAD)?.conclusion).toBe("success");
    expect(readHeadState(world.checkOn(HEAD)!.summary)?.prs["1"]).toBeUndefined();
  });
});
