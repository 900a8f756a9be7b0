import { Probot, ProbotOctokit } from "probot";
import { expect, it } from "vitest";
import { createApp } from "../../src/index.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appKeys } from "../github-support/app-server.js";
import { RepoWorld } from "../github-support/repo-world.js";

/** A comment that looks like a command to a reader but cannot count is answered, never silently ignored. */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const POLICY = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  tech-architect: { users: [tara] }
`;

it("a sign-off command behind a zero-width space does not count and gets a reply saying why", async () => {
  const world = new RepoWorld(mockGitHub(), { policy: POLICY, appId: APP_ID, now: new Date("2026-11-23T10:00:00Z") });
  const probot = new Probot({
    appId: APP_ID,
    privateKey: appKeys().privateKey,
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({ ...options, retry: { enabled: false }, throttle: { enabled: false } })),
    logLevel: "fatal",
  });
  probot.load(createApp({ appId: APP_ID, now: () => world.now }));
  world.openPull({ number: 1, head: HEAD, files: [migrationFile(HEAD)] });
  await probot.receive(world.event("pull_request", "opened", 1));

  world.now = new Date("2026-11-23T10:10:00Z");
  const comment = world.comment(1, "dan", "\u200B/approve-level3");
  await probot.receive(world.event("issue_comment", "created", 1, { comment }));

  expect(world.checkOn(HEAD)?.title).toBe("Level 3 — joint approval: 0 of 3 sign-offs");
  expect(world.posted).toHaveLength(1);
  expect(world.posted[0]!.body).toContain("U+200B");
  expect(world.posted[0]!.body).toContain("post it again as plain text");
});
