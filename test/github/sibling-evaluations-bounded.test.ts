import { describe, expect, it } from "vitest";
import { readHeadState } from "../../src/github/check-state.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, README_FILE, RepoWorld } from "../github-support/repo-world.js";

/**
 * A pull request found unjudged on a commit it shares is evaluated again
 * (src/github/gate.ts `writeCheck`). Anyone can open pull requests on a
 * commit, from forks too: were every write to ask again for every pull request
 * not yet on the state line, n of them opened at once would cost n²/2
 * evaluations (1,100 of them, the most the gate reads: 600,000), enough to
 * spend the installation's rate limit and stall every repository it serves.
 * An evaluation already waiting its turn reads the run afresh when it starts,
 * so a second one is never queued behind it.
 */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

/** The snapshot queries GitHub answered: one per evaluation. */
function evaluations(world: RepoWorld): number {
  return world.gh.calls.filter(
    (c) => c.kind === "graphql" && JSON.stringify(c.body).includes("query PullRequestSnapshot"),
  ).length;
}

describe("many pull requests opened at once on one commit", () => {
  it("are each evaluated at most twice, and every one of them ends up judged on the run", async () => {
    const world = new RepoWorld(mockGitHub(), {
      policy: CHAT_POLICY,
      appId: APP_ID,
      now: new Date("2026-11-23T10:00:00Z"),
    });
    const receive = appOn(world);
    const count = 12;
    world.openPull({ number: 1, head: HEAD, baseRef: "main", files: [migrationFile(HEAD)] });
    for (let n = 2; n <= count; n++)
      world.openPull({ number: n, head: HEAD, baseRef: `scratch-${n}`, files: [README_FILE] });

    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        receive(world.event("pull_request", "opened", i + 1)),
      ),
    );

    // Its own delivery, and at most one more asked for by another's write while it was unjudged.
    expect(evaluations(world)).toBeLessThanOrEqual(2 * count);
    const check = world.checkOn(HEAD)!;
    expect(check.conclusion).toBe("failure");
    const prs = readHeadState(check.summary)?.prs ?? {};
    expect(
      Object.keys(prs)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(prs["1"]).toMatchObject({ conclusion: "failure", base: "main" });
    expect(check.summary).toContain("#1 (into `main`) fails its governance check");
  });
});
