import { expect, it } from "vitest";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, RepoWorld } from "../github-support/repo-world.js";

/**
 * Seed 000 "Conflict Resolution" through the webhook: "Peer-level conflicts: DRIs
 * negotiate; if no consensus within 2 business days → escalate to shared manager".
 * The DBA Lead objects to a DROP COLUMN the Backend and SRE Leads approved; the
 * VP Engineering decides with `/governance decide`, refused before the two
 * business days are up and counted after.
 */

setupNock();

const APP_ID = 4242;
const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const POLICY = `${CHAT_POLICY}  vp-engineering: { users: [vic] }\n`;

it("/governance decide from the shared manager is refused before 2 business days, then replaces the blocked requirement", async () => {
  const world = new RepoWorld(mockGitHub(), {
    policy: POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  const receive = appOn(world);
  world.openPull({ number: 1, head: HEAD, files: [migrationFile(HEAD)] });
  await receive(world.event("pull_request", "opened", 1));

  world.now = new Date("2026-11-23T11:00:00Z");
  for (const [login, state] of [
    ["bea", "APPROVED"],
    ["sam", "APPROVED"],
    ["dan", "CHANGES_REQUESTED"],
  ] as const) {
    await receive(
      world.event("pull_request_review", "submitted", 1, { review: world.review(1, login, state) }),
    );
  }
  expect(world.checkOn(HEAD)).toMatchObject({
    conclusion: "failure",
    title: "Level 3 — joint approval: changes requested",
  });
  expect(world.checkOn(HEAD)?.summary).toContain(
    "**vp-engineering** may decide from 2026-11-25T11:00:00.000Z",
  );

  world.now = new Date("2026-11-24T12:00:00Z");
  const early = world.comment(1, "vic", "/governance decide approve ship it");
  await receive(world.event("issue_comment", "created", 1, { comment: early }));
  expect(world.checkOn(HEAD)?.conclusion).toBe("failure");
  expect(world.posted).toHaveLength(1);
  expect(world.posted[0]!.body).toContain(
    "@vic `/governance decide approve ship it` did not count: the disagreement on `prisma/migration-destructive` began 2026-11-23T11:00:00.000Z",
  );
  expect(world.posted[0]!.body).toContain("its mediator may decide from 2026-11-25T11:00:00.000Z");

  world.now = new Date("2026-11-25T11:30:00Z");
  const decision = world.comment(
    1,
    "vic",
    "/governance decide approve The column has had no readers since October; the backfill dan asked for ran on 2026-11-20.",
  );
  await receive(world.event("issue_comment", "created", 1, { comment: decision }));
  expect(world.checkOn(HEAD)).toMatchObject({
    conclusion: "success",
    title: "Level 3 — joint approval: disagreement decided by @vic ✓",
  });
  expect(world.checkOn(HEAD)?.summary).toContain(
    "Decided by @vic (vp-engineering, mediator) on 2026-11-25T11:30:00.000Z: **approved** (this replaces the requirement). Rationale: _The column has had no readers since October; the backfill dan asked for ran on 2026-11-20._",
  );
  // Counted: a 👍 on the decision, no second reply.
  expect(
    world.gh.calls.some(
      (c) =>
        c.method === "POST" &&
        c.path === `/repos/acme/chat/issues/comments/${decision.id}/reactions`,
    ),
  ).toBe(true);
  expect(world.posted).toHaveLength(1);

  // On merge the decision and its rationale are recorded on the pull request.
  world.now = new Date("2026-11-25T12:00:00Z");
  Object.assign(world.pulls.get(1)!.pull, {
    state: "closed",
    merged: true,
    merged_at: world.now.toISOString(),
  });
  await receive(world.event("pull_request", "closed", 1));
  expect(world.posted).toHaveLength(2);
  expect(world.posted[1]!.body).toContain("⚖️ Merged with a mediator's decision on record:");
  expect(world.posted[1]!.body).toContain(
    "Decided by @vic (vp-engineering, mediator) on 2026-11-25T11:30:00.000Z: **approved**",
  );
  expect(
    world.posted[1]!.body.trimEnd().endsWith("<!-- governance-gate:mediated-decision -->"),
  ).toBe(true);
});

it('"Incident Commander has final authority during incidents (retrospective review required)": decided at once, and the merge opens the retrospective', async () => {
  const world = new RepoWorld(mockGitHub(), {
    policy: POLICY,
    appId: APP_ID,
    now: new Date("2026-11-23T10:00:00Z"),
  });
  const receive = appOn(world);
  world.openPull({
    number: 2,
    head: HEAD,
    files: [migrationFile(HEAD)],
    labels: ["incident"],
    title: "Drop the avatar column crashing writes",
  });
  await receive(world.event("pull_request", "opened", 2));

  world.now = new Date("2026-11-23T10:20:00Z");
  for (const [login, state] of [
    ["bea", "APPROVED"],
    ["sam", "APPROVED"],
    ["dan", "CHANGES_REQUESTED"],
  ] as const) {
    await receive(
      world.event("pull_request_review", "submitted", 2, { review: world.review(2, login, state) }),
    );
  }
  world.now = new Date("2026-11-23T10:25:00Z");
  await receive(
    world.event("issue_comment", "created", 2, {
      comment: world.comment(
        2,
        "ivy",
        "/governance decide approve INC-231: the column's trigger is what fails every write",
      ),
    }),
  );
  expect(world.checkOn(HEAD)).toMatchObject({
    conclusion: "success",
    title: "Level 3 — joint approval: disagreement decided by @ivy ✓",
  });

  world.gh.post(
    "/repos/acme/chat/issues",
    {
      title: "Post-implementation review: #2 Drop the avatar column crashing writes",
      body: expect.stringContaining(
        "- Reason: decided during an incident as incident-commander: prisma/migration-destructive: INC-231: the column's trigger is what fails every write",
      ),
      assignees: ["dan"],
    },
    { number: 51 },
  );
  world.now = new Date("2026-11-23T10:40:00Z");
  Object.assign(world.pulls.get(2)!.pull, {
    state: "closed",
    merged: true,
    merged_at: world.now.toISOString(),
  });
  await receive(world.event("pull_request", "closed", 2));
  expect(world.posted.map((p) => p.body.split("\n")[0])).toEqual([
    "⚖️ Merged on a decision taken during an incident: post-implementation review #51 is due 2026-11-24T10:40:00.000Z.",
    "⚖️ Merged with a mediator's decision on record:",
  ]);
});
