import { expect, it } from "vitest";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, RepoWorld } from "../github-support/repo-world.js";

/** A comment that looks like a command to a reader but cannot count is answered, never silently ignored. */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

it("a sign-off command behind a zero-width space does not count and gets a reply saying why", async () => {
  const world = new RepoWorld(mockGitHub(), {
    policy: CHAT_POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  const receive = appOn(world);
  world.openPull({ number: 1, head: HEAD, files: [migrationFile(HEAD)] });
  await receive(world.event("pull_request", "opened", 1));

  world.now = new Date("2026-11-23T10:10:00Z");
  const comment = world.comment(1, "dan", "\u200B/approve-level3");
  await receive(world.event("issue_comment", "created", 1, { comment }));

  expect(world.checkOn(HEAD)?.title).toBe("Level 3 — joint approval: 0 of 3 sign-offs");
  expect(world.posted).toHaveLength(1);
  expect(world.posted[0]!.body).toContain("U+200B");
  expect(world.posted[0]!.body).toContain("post it again as plain text");
});
