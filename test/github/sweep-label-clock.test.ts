import { describe, expect, it } from "vitest";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { CHAT_POLICY, RepoWorld } from "../github-support/repo-world.js";
import { APP_ID, escalationCommentsOn, sweepingApp } from "./sweep-support.js";

/**
 * A requirement a label brings gets its own SLA clock, from the label's first
 * addition (GitHub's timeline), not from the head's arrival: `breaking-change`
 * added three days after the push does not escalate at once, before its
 * approvers had any time. Taking the label off and on again does not restart
 * that clock, so it cannot hold the escalation back for good.
 *
 * chat-backend: `api-breaking` (tech-architect + product-owner) holds for the
 * label `breaking-change`; http-api escalates backend-lead → tech-architect;
 * a 2-business-day SLA (Mon–Fri 09:00–17:00 UTC).
 */

setupNock();

const HEAD = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const OPENED = "2026-11-23T10:00:00Z"; // a Monday

/** A one-line edit of src/api/README.md (http-api, level 1), as GitHub lists it. */
const API_README = {
  sha: "1c2d3e4f50617283940a1b2c3d4e5f6071829304",
  filename: "src/api/README.md",
  status: "modified",
  additions: 1,
  deletions: 0,
  changes: 1,
  blob_url: "",
  raw_url: "",
  contents_url: "",
  patch: "@@ -1 +1,2 @@\n # API\n+Pagination defaults to 25.",
};

/** Opened Monday 10:00; the backend lead approves the level-1 change at once. */
async function opened() {
  const world = new RepoWorld(mockGitHub(), {
    policy: CHAT_POLICY,
    appId: APP_ID,
    now: new Date(OPENED),
  });
  const app = sweepingApp(world);
  const escalations = escalationCommentsOn(world);
  world.openPull({ number: 1, head: HEAD, files: [API_README] });
  await app.receive(world.event("pull_request", "opened", 1));
  world.now = new Date("2026-11-23T10:05:00Z");
  const review = world.review(1, "bea", "APPROVED");
  await app.receive(world.event("pull_request_review", "submitted", 1, { review }));
  expect(world.checkOn(HEAD)?.conclusion).toBe("success");
  return { world, app, escalations };
}

describe("a breaking-change label added three days after the push", () => {
  it("does not escalate its requirement at once", async () => {
    const { world, app, escalations } = await opened();
    world.now = new Date("2026-11-26T10:00:00Z"); // Thursday
    world.label(1, "breaking-change", "pat", "labeled");
    const label = world.pulls.get(1)!.pull.labels.at(-1);
    await app.receive(world.event("pull_request", "labeled", 1, { label }));
    expect(world.checkOn(HEAD)?.conclusion).toBe("failure");

    world.now = new Date("2026-11-26T11:00:00Z");
    expect(await app.sweep()).toBe(0);
    expect(escalations).toEqual([]);
  });

  it("escalates two business days after the label was first added, though it was taken off and put back since", async () => {
    const { world, app, escalations } = await opened();
    world.now = new Date("2026-11-26T10:00:00Z");
    world.label(1, "breaking-change", "pat", "labeled");
    world.now = new Date("2026-11-27T09:00:00Z"); // Friday: off and on again
    world.label(1, "breaking-change", "pat", "unlabeled");
    world.label(1, "breaking-change", "pat", "labeled");

    world.now = new Date("2026-11-30T09:30:00Z"); // Monday, before it is due
    expect(await app.sweep()).toBe(0);
    world.now = new Date("2026-11-30T10:00:00Z");
    expect(await app.sweep()).toBe(1);
    expect(escalations).toEqual([
      expect.stringContaining(
        "`http-api/api-breaking` has waited past its review SLA (due 2026-11-30T10:00:00.000Z)",
      ),
    ]);
    expect(escalations[0]).toContain(
      "Escalating to **tech-architect** (step 1 of the http-api escalation path)",
    );
  });
});
