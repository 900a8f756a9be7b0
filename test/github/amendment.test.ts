import { Probot, ProbotOctokit } from "probot";
import { expect, it } from "vitest";
import { createApp } from "../../src/index.js";
import { appKeys } from "../github-support/app-server.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { CHAT_POLICY, RepoWorld } from "../github-support/repo-world.js";

/**
 * Seed 000 "Amendment Process": "Approval: Requires sign-off from Tech Architect +
 * 2 DRIs"; "Effective date: Changes take effect immediately upon merge";
 * "Communication: Slack announcement in #engineering + email to all stakeholders".
 * CODEOWNERS states who owns what, so changing it is an amendment.
 */

setupNock();

const APP_ID = 4242;
const HEAD = "b2c3d4e5f60718293a4b5c6d7e8f9012345678a1";
const POLICY = `${CHAT_POLICY}  legal: { users: [lee] }\n`;
const CODEOWNERS_FILE = {
  sha: "4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
  filename: ".github/CODEOWNERS",
  status: "modified",
  additions: 1,
  deletions: 1,
  changes: 2,
  blob_url: "",
  raw_url: "",
  contents_url: "",
  patch: "@@ -1,2 +1,2 @@\n * @acme/backend\n-/prisma/ @bea\n+/prisma/ @dan",
};

/** Opens, signs (Tech Architect, DBA Lead, Product Owner) and merges a CODEOWNERS change; returns what was posted and sent to the chat. */
async function amendAndMerge(policy: string) {
  const world = new RepoWorld(mockGitHub(), {
    policy,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  const chat: string[] = [];
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
  let settled = async () => {};
  probot.load(
    createApp({
      appId: APP_ID,
      now: () => world.now,
      chat: async (text) => void chat.push(text),
      onGate: (gate) => (settled = () => gate.settled()),
    }),
  );
  const receive = async (event: Parameters<Probot["receive"]>[0]) => {
    await probot.receive(event);
    await settled();
  };

  world.openPull({
    number: 3,
    head: HEAD,
    files: [CODEOWNERS_FILE],
    title: "Prisma reviews go to the DBA",
  });
  await receive(world.event("pull_request", "opened", 3));
  expect(world.checkOn(HEAD)).toMatchObject({
    conclusion: "failure",
    title: "Level 3 — joint approval: 0 of 3 sign-offs",
  });

  world.now = new Date("2026-11-23T11:00:00Z");
  for (const login of ["tara", "dan", "pat"])
    await receive(
      world.event("pull_request_review", "submitted", 3, {
        review: world.review(3, login, "APPROVED"),
      }),
    );
  expect(world.checkOn(HEAD)).toMatchObject({
    conclusion: "success",
    title: "Level 3 — joint approval: 3 of 3 sign-offs ✓",
  });

  world.now = new Date("2026-11-23T12:00:00Z");
  Object.assign(world.pulls.get(3)!.pull, {
    state: "closed",
    merged: true,
    merged_at: world.now.toISOString(),
  });
  await receive(world.event("pull_request", "closed", 3));
  return { posted: world.posted, chat };
}

it("a CODEOWNERS change needs the Tech Architect and 2 DRIs (the DBA Lead and the Product Owner count), and its merge is announced to the informed and the chat", async () => {
  const { posted, chat } = await amendAndMerge(POLICY);
  expect(posted).toEqual([
    {
      number: 3,
      body: "📜 Governance amended: `.github/CODEOWNERS`, a **level 3** change, effective immediately upon merge. Informed as the governance policy asks (legal): @lee\n\n<!-- governance-gate:informed -->",
    },
  ]);
  expect(chat).toEqual([
    expect.stringContaining(
      '"Prisma reviews go to the DBA" — level 3, areas: governance. 📜 Governance amended (.github/CODEOWNERS): effective immediately.',
    ),
  ]);
});

it("the merge of an amendment is announced even when nobody is bound to the informed roles", async () => {
  const { posted, chat } = await amendAndMerge(CHAT_POLICY);
  expect(posted).toEqual([
    {
      number: 3,
      body: "📜 Governance amended: `.github/CODEOWNERS`, a **level 3** change, effective immediately upon merge. Nobody is bound to the informed roles (legal).\n\n<!-- governance-gate:informed -->",
    },
  ]);
  expect(chat).toEqual([
    expect.stringContaining("📜 Governance amended (.github/CODEOWNERS): effective immediately."),
  ]);
});
