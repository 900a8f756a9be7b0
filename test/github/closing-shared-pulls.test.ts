import { describe, expect, it } from "vitest";
import { readHeadState } from "../../src/github/check-state.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, README_FILE, RepoWorld } from "../github-support/repo-world.js";

/**
 * When a pull request on a shared commit closes, the run on that commit is
 * judged again without it (`Gate.released`). One evaluation of a pull request
 * still open there does it: it rewrites the run from every entry on its state
 * line and drops those no longer on the commit. Judging every recorded pull
 * request again instead would cost n evaluations per close, n² for n pull
 * requests anyone can open and close on a commit, enough to spend the
 * installation's rate limit. And a pass held nothing back: closing one changes
 * nothing for the others.
 */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

function evaluations(world: RepoWorld): number {
  return world.gh.calls.filter(
    (c) => c.kind === "graphql" && JSON.stringify(c.body).includes("query PullRequestSnapshot"),
  ).length;
}

/** #1–#4 carry a DROP COLUMN into release branches (failing); #5–#8 a README into scratch ones. */
async function eightOnOneCommit() {
  const world = new RepoWorld(mockGitHub(), {
    policy: CHAT_POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  const receive = appOn(world);
  for (let n = 1; n <= 8; n++) {
    world.openPull({
      number: n,
      head: HEAD,
      baseRef: n <= 4 ? `release-${n}` : `scratch-${n}`,
      files: [n <= 4 ? migrationFile(HEAD) : README_FILE],
    });
    await receive(world.event("pull_request", "opened", n));
  }
  expect(world.checkOn(HEAD)?.conclusion).toBe("failure");
  return { world, receive };
}

describe("closing pull requests that share a commit", () => {
  it("costs one evaluation per failing one closed, and the commit passes once none is left", async () => {
    const { world, receive } = await eightOnOneCommit();
    const before = evaluations(world);
    for (let n = 1; n <= 4; n++) {
      world.close(n);
      await receive(world.event("pull_request", "closed", n));
    }

    expect(evaluations(world) - before).toBe(4);
    const check = world.checkOn(HEAD)!;
    expect(check.conclusion).toBe("success");
    expect(Object.keys(readHeadState(check.summary)?.prs ?? {}).sort()).toEqual([
      "5",
      "6",
      "7",
      "8",
    ]);
  });

  it("costs nothing when the one closed passed", async () => {
    const { world, receive } = await eightOnOneCommit();
    const before = evaluations(world);
    world.close(6);
    await receive(world.event("pull_request", "closed", 6));

    expect(evaluations(world) - before).toBe(0);
    expect(world.checkOn(HEAD)?.conclusion).toBe("failure");
  });
});
