import { describe, expect, it } from "vitest";
import { headArrival } from "../../src/github/head-arrival.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { migrationFile } from "../github-support/pull-files.js";
import { appOn, CHAT_POLICY, README_FILE, RepoWorld } from "../github-support/repo-world.js";

/**
 * Sign-off commands and `/emergency` name no commit: they count only when
 * posted after the current head arrived on the pull request. A commit can be
 * a pull request's head twice (push A, push B, force-push back to A) and a
 * commit can reach a pull request long after it first existed, so its arrival
 * is dated per pull request from GitHub's own record: the timeline's
 * force-pushes and retargets, and the `synchronize` delivery's time.
 */

setupNock();

const APP_ID = 4242;
const A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
const B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890";
const POLICY = CHAT_POLICY;
const README = README_FILE;
const LEADS = ["dan", "bea", "sam"];
/** A comment edit in an HTTP handler: level 1 on its own, level 3 with the label `breaking-change`. */
const API_FILE = {
  sha: "1d2e3f40516273849a0b1c2d3e4f506172839405",
  filename: "src/api/users.ts",
  status: "modified",
  additions: 1,
  deletions: 1,
  changes: 2,
  blob_url: "",
  raw_url: "",
  contents_url: "",
  patch: "@@ -1,2 +1,2 @@\n-// Users API\n+// Users API (v1)\n export const router = Router();\n",
};

function setUp(policy = POLICY) {
  const world = new RepoWorld(mockGitHub(), { policy, appId: APP_ID, now: at("09:00") });
  const receive = appOn(world);
  /** Each lead posts `/approve-level3` now, each comment delivered as GitHub would. */
  const leadsSign = async (number: number, body = "/approve-level3") => {
    for (const lead of LEADS)
      await receive(
        world.event("issue_comment", "created", number, {
          comment: world.comment(number, lead, body),
        }),
      );
  };
  return { world, receive, leadsSign };
}

function at(hhmm: string): Date {
  return new Date(`2026-11-23T${hhmm}:00Z`);
}

describe("a head that was the head before", () => {
  it("push A, push B, sign-offs on B, force-push back to A: A does not pass with B's sign-offs", async () => {
    const { world, receive, leadsSign } = setUp();
    world.openPull({ number: 1, head: A, files: [migrationFile(A)] });
    await receive(world.event("pull_request", "opened", 1));

    world.now = at("09:10");
    world.push(1, B, { files: [migrationFile(B)] });
    await receive(world.event("pull_request", "synchronize", 1, { before: A, after: B }));
    world.now = at("09:20");
    await leadsSign(1);
    expect(world.checkOn(B)?.conclusion).toBe("success");

    world.now = at("09:30");
    world.push(1, A, { force: true, files: [migrationFile(A)] });
    await receive(world.event("pull_request", "synchronize", 1, { before: B, after: A }));
    expect(world.checkOn(A)?.conclusion).toBe("failure");
    expect(world.checkOn(A)?.title).toBe("Level 3 — joint approval: 0 of 3 sign-offs");
  });

  it("an emergency declared on B does not pass A after a force-push back", async () => {
    const { world, receive } = setUp();
    world.openPull({ number: 1, head: A, files: [migrationFile(A)] });
    await receive(world.event("pull_request", "opened", 1));
    world.now = at("09:10");
    world.push(1, B, { files: [migrationFile(B)] });
    await receive(world.event("pull_request", "synchronize", 1, { before: A, after: B }));
    world.now = at("09:20");
    await receive(
      world.event("issue_comment", "created", 1, {
        comment: world.comment(1, "ivy", "/emergency payments are down"),
      }),
    );
    expect(world.checkOn(B)?.conclusion).toBe("success");

    world.now = at("09:30");
    world.push(1, A, { force: true, files: [migrationFile(A)] });
    await receive(world.event("pull_request", "synchronize", 1, { before: B, after: A }));
    expect(world.checkOn(A)?.conclusion).toBe("failure");
  });

  it("a commit that was another pull request's head earlier is dated by its arrival on this one", async () => {
    const { world, receive, leadsSign } = setUp();
    // A throwaway pull request makes the app create a run on B at 09:00.
    world.openPull({ number: 2, head: B, baseRef: "scratch", files: [README] });
    await receive(world.event("pull_request", "opened", 2));
    world.close(2);
    world.now = at("09:05");
    world.openPull({ number: 1, head: A, files: [migrationFile(A)] });
    await receive(world.event("pull_request", "opened", 1));
    world.now = at("09:10");
    await leadsSign(1); // sign-offs for A

    world.now = at("09:20");
    world.push(1, B, { files: [migrationFile(B)] }); // a fast-forward: no timeline event
    await receive(world.event("pull_request", "synchronize", 1, { before: A, after: B }));
    expect(world.checkOn(B)?.conclusion).toBe("failure");
    expect(world.checkOn(B)?.title).toBe("Level 3 — joint approval: 0 of 3 sign-offs");
  });

  it("without the push's delivery, a head is dated when the app first sees it on the pull request", async () => {
    const { world, receive, leadsSign } = setUp();
    world.openPull({ number: 2, head: B, baseRef: "scratch", files: [README] });
    await receive(world.event("pull_request", "opened", 2));
    world.close(2);
    world.now = at("09:05");
    world.openPull({ number: 1, head: A, files: [migrationFile(A)] });
    await receive(world.event("pull_request", "opened", 1));
    world.now = at("09:10");
    await leadsSign(1);
    world.now = at("09:20");
    world.push(1, B, { files: [migrationFile(B)] });
    // The synchronize delivery is lost; a review on B is the next event.
    world.now = at("09:25");
    const review = world.review(1, "bob", "COMMENTED");
    await receive(world.event("pull_request_review", "submitted", 1, { review }));
    expect(world.checkOn(B)?.conclusion).toBe("failure");
    expect(world.checkOn(B)?.title).toBe("Level 3 — joint approval: 0 of 3 sign-offs");
  });
});

describe("commands made before the app first saw the head", () => {
  it("count when GitHub's synchronize delivery dates the push before them", async () => {
    const { world, receive } = setUp();
    world.openPull({ number: 1, head: A, files: [migrationFile(A)] });
    await receive(world.event("pull_request", "opened", 1));
    world.now = at("09:10");
    world.push(1, B, { files: [migrationFile(B)] });
    const synchronize = world.event("pull_request", "synchronize", 1, { before: A, after: B });
    world.now = at("09:20");
    for (const lead of LEADS) world.comment(1, lead, "/approve-level3");
    // The app was down: the deliveries arrive at 10:00, the push's first.
    world.now = at("10:00");
    await receive(synchronize);
    expect(world.checkOn(B)?.conclusion).toBe("success");
    expect(world.checkOn(B)?.title).toBe("Level 3 — joint approval: 3 of 3 sign-offs ✓");
  });
});

describe("a retargeted pull request", () => {
  it("approvals given for the diff into another base no longer count", async () => {
    const { world, receive } = setUp();
    world.openPull({ number: 1, head: A, baseRef: "feature-1", files: [README] });
    await receive(world.event("pull_request", "opened", 1));
    world.now = at("09:10");
    for (const lead of LEADS) {
      const review = world.review(1, lead, "APPROVED");
      await receive(world.event("pull_request_review", "submitted", 1, { review }));
    }
    expect(world.checkOn(A)?.conclusion).toBe("success");

    world.now = at("09:20");
    world.retarget(1, "main", "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432", [migrationFile(A)]);
    await receive(
      world.event("pull_request", "edited", 1, {
        changes: { base: { ref: { from: "feature-1" }, sha: { from: "x" } } },
      }),
    );
    expect(world.checkOn(A)?.conclusion).toBe("failure");
    expect(world.checkOn(A)?.title).toBe("Level 3 — joint approval: 0 of 3 sign-offs");
    expect(world.checkOn(A)?.summary).toContain(
      "before the pull request's latest force-push or change of base",
    );
  });
});

describe("contributors are not independent approvers", () => {
  const commitsBy = (login: string) => [
    {
      sha: A,
      author: { login: "octocat" },
      committer: { login: "octocat" },
      parents: [{ sha: "p" }],
    },
    { sha: B, author: { login }, committer: { login }, parents: [{ sha: A }] },
  ];

  it("a lead who pushed a commit to the pull request cannot approve it", async () => {
    const { world, receive } = setUp(
      POLICY.replace("backend-lead: { users: [bea] }", "backend-lead: { users: [bea, ben] }"),
    );
    const pull = world.openPull({ number: 1, head: B, files: [migrationFile(B)] });
    pull.commits = commitsBy("bea");
    await receive(world.event("pull_request", "opened", 1));
    world.now = at("09:10");
    for (const lead of LEADS) {
      const review = world.review(1, lead, "APPROVED");
      await receive(world.event("pull_request_review", "submitted", 1, { review }));
    }
    expect(world.checkOn(B)?.conclusion).toBe("failure");
    expect(world.checkOn(B)?.title).toBe("Level 3 — joint approval: 2 of 3 sign-offs");
    expect(world.checkOn(B)?.summary).toContain(
      "@bea's approval does not count: they authored or committed commits of this pull request",
    );
  });

  it("a role whose only member pushed commits escalates one step up, as for the author", async () => {
    const { world, receive } = setUp(
      POLICY.replace("roles:\n", "roles:\n  vp-engineering: { users: [vic] }\n"),
    );
    const pull = world.openPull({ number: 1, head: B, files: [migrationFile(B)] });
    pull.commits = commitsBy("dan"); // the only dba-lead
    await receive(world.event("pull_request", "opened", 1));
    expect(world.checkOn(B)?.summary).toContain(
      "every member of dba-lead wrote or pushed commits to this pull request",
    );
    expect(world.checkOn(B)?.summary).toContain("vp-engineering");
    expect(world.checkOn(B)?.conclusion).toBe("failure");
  });

  it("counts them when the policy says contributors can sign", async () => {
    const { world, receive } = setUp(`${POLICY}signoff: { contributorsCanSign: true }\n`);
    const pull = world.openPull({ number: 1, head: B, files: [migrationFile(B)] });
    pull.commits = commitsBy("bea");
    await receive(world.event("pull_request", "opened", 1));
    world.now = at("09:10");
    for (const lead of LEADS) {
      const review = world.review(1, lead, "APPROVED");
      await receive(world.event("pull_request_review", "submitted", 1, { review }));
    }
    expect(world.checkOn(B)?.conclusion).toBe("success");
  });

  it("an Update-branch merge made through GitHub's web flow does not make its clicker a contributor", async () => {
    const { world, receive } = setUp();
    const pull = world.openPull({ number: 1, head: B, files: [migrationFile(B)] });
    pull.commits = [
      {
        sha: A,
        author: { login: "octocat" },
        committer: { login: "octocat" },
        parents: [{ sha: "p" }],
      },
      {
        sha: B,
        author: { login: "bea" },
        committer: { login: "web-flow" },
        parents: [{ sha: A }, { sha: "m" }],
      },
    ];
    await receive(world.event("pull_request", "opened", 1));
    world.now = at("09:10");
    for (const lead of LEADS) {
      const review = world.review(1, lead, "APPROVED");
      await receive(world.event("pull_request_review", "submitted", 1, { review }));
    }
    expect(world.checkOn(B)?.conclusion).toBe("success");
  });
});

describe("headArrival", () => {
  const base = { createdAt: "2026-11-23T09:00:00Z", timeline: [], now: at("12:00") };

  it("takes the latest of the pull request's creation, force-pushes, restores and retargets as a floor", () => {
    const timeline = [
      { type: "head-force-pushed" as const, at: "2026-11-23T09:30:00Z" },
      { type: "base-changed" as const, at: "2026-11-23T10:00:00Z" },
      { type: "labeled" as const, at: "2026-11-23T11:00:00Z", label: "x", actor: "a" },
    ];
    expect(headArrival(A, { ...base, timeline, recorded: "2026-11-23T09:10:00Z" })).toEqual({
      arrivedAt: "2026-11-23T10:00:00.000Z",
      reviewsFrom: "2026-11-23T10:00:00.000Z",
      source: "recorded",
    });
  });

  it("believes a delivery only about the current head", () => {
    expect(
      headArrival(A, {
        ...base,
        delivered: { head: A, at: "2026-11-23T09:40:00Z" },
        recorded: "2026-11-23T11:00:00Z",
      }).arrivedAt,
    ).toBe("2026-11-23T09:40:00.000Z");
    expect(
      headArrival(A, { ...base, delivered: { head: B, at: "2026-11-23T09:40:00Z" } }),
    ).toMatchObject({ arrivedAt: "2026-11-23T12:00:00.000Z", source: "first-seen" });
  });

  it("a run written before arrivals were recorded dates the head from its start; a recorded arrival wins", () => {
    expect(headArrival(A, { ...base, legacyRunStartedAt: "2026-11-23T10:30:00Z" })).toMatchObject({
      arrivedAt: "2026-11-23T10:30:00.000Z",
      source: "recorded",
    });
    expect(
      headArrival(A, {
        ...base,
        recorded: "2026-11-23T11:00:00Z",
        legacyRunStartedAt: "2026-11-23T10:30:00Z",
      }).arrivedAt,
    ).toBe("2026-11-23T11:00:00.000Z");
  });

  it("a legacy run GitHub gave no start for dates the head as first seen now, not at the epoch", () => {
    // Fail-closed: commands posted before now (possibly about an older head) do not count.
    expect(headArrival(A, { ...base, legacyRunStartedAt: "" })).toEqual({
      arrivedAt: "2026-11-23T12:00:00.000Z",
      reviewsFrom: "2026-11-23T09:00:00.000Z",
      source: "first-seen",
    });
  });

  it("an unreadable time is the latest possible, never the earliest", () => {
    expect(
      Date.parse(headArrival(A, { ...base, recorded: "yesterday" }).arrivedAt),
    ).toBeGreaterThan(at("12:00").getTime());
  });
});

describe("labels the author removes", () => {
  it("a level-raising label a reviewer added keeps its level after the author removes it", async () => {
    const { world, receive } = setUp();
    world.openPull({ number: 1, head: A, files: [API_FILE] });
    await receive(world.event("pull_request", "opened", 1));
    expect(world.checkOn(A)?.conclusion).toBe("success");

    world.now = at("09:10");
    world.label(1, "breaking-change", "tara", "labeled");
    await receive(
      world.event("pull_request", "labeled", 1, { label: { name: "breaking-change" } }),
    );
    expect(world.checkOn(A)?.conclusion).toBe("failure");

    world.now = at("09:20");
    world.label(1, "breaking-change", "octocat", "unlabeled");
    await receive(
      world.event("pull_request", "unlabeled", 1, { label: { name: "breaking-change" } }),
    );
    expect(world.checkOn(A)?.conclusion).toBe("failure");
    expect(world.checkOn(A)?.summary).toContain('label "breaking-change" was removed by @octocat');

    // Someone independent puts it back and takes it off: now it is gone.
    world.now = at("09:30");
    world.label(1, "breaking-change", "tara", "labeled");
    world.label(1, "breaking-change", "tara", "unlabeled");
    await receive(
      world.event("pull_request", "unlabeled", 1, { label: { name: "breaking-change" } }),
    );
    expect(world.checkOn(A)?.conclusion).toBe("success");
  });

  it("the author may take back a label they added themselves", async () => {
    const { world, receive } = setUp();
    world.openPull({ number: 1, head: A, files: [API_FILE] });
    world.label(1, "breaking-change", "octocat", "labeled");
    await receive(world.event("pull_request", "opened", 1));
    expect(world.checkOn(A)?.conclusion).toBe("failure");
    world.now = at("09:10");
    world.label(1, "breaking-change", "octocat", "unlabeled");
    await receive(
      world.event("pull_request", "unlabeled", 1, { label: { name: "breaking-change" } }),
    );
    expect(world.checkOn(A)?.conclusion).toBe("success");
  });
});
