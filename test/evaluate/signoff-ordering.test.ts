import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, added, approval, comment, fixture, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Sign-offs are read in the order they happened, whatever order the facts list
 * them in, and a command is dated against the head's arrival or not counted at
 * all. These are the survivors of the Stryker run over src/evaluate/signoffs.ts
 * (docs/mutation-testing.md): each test fails on one of them.
 */
const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  incident-commander: { users: [ivy] }
`;

const DROP_COLUMN = added(
  "prisma/migrations/20261120093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);
const ADD_INDEX = added(
  "prisma/migrations/20261121090000_message_index/migration.sql",
  fixture("prs/add-index.migration.sql"),
);

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
});

describe("comments are read in the order they were posted", () => {
  it("a cancel posted after an approval withdraws it even when the facts list the cancel first", () => {
    const approve = { ...comment("bea", "/approve-level3", "2026-11-23T11:00:00Z"), id: 501 };
    const cancel = { ...comment("bea", "/approve-level3 cancel", "2026-11-23T11:30:00Z"), id: 502 };
    const d = evaluate(
      policy,
      prFacts([DROP_COLUMN], {
        reviews: [approval("dan"), approval("sam")],
        comments: [cancel, approve],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.requirements.find((r) => r.id === "prisma/migration-destructive")?.missing).toEqual([
      { roles: ["backend-lead"], count: 1 },
    ]);
  });

  it("two comments posted in the same second are ordered by their ids (GitHub numbers them as they arrive)", () => {
    const approve = { ...comment("bea", "/approve-level3", "2026-11-23T11:00:00Z"), id: 601 };
    const cancel = { ...comment("bea", "/approve-level3 cancel", "2026-11-23T11:00:00Z"), id: 602 };
    const d = evaluate(
      policy,
      prFacts([DROP_COLUMN], {
        reviews: [approval("dan"), approval("sam")],
        comments: [cancel, approve],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
  });

  it("and an approval after a cancel stands, whichever order they are listed in", () => {
    const cancel = { ...comment("bea", "/approve-level3 cancel", "2026-11-23T11:00:00Z"), id: 701 };
    const approve = { ...comment("bea", "/approve-level3", "2026-11-23T11:30:00Z"), id: 702 };
    const d = evaluate(
      policy,
      prFacts([DROP_COLUMN], {
        reviews: [approval("dan"), approval("sam")],
        comments: [approve, cancel],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("success");
  });
});

describe("consulted input is dated by the consulted person's first word", () => {
  it("a DBA comment before the Backend Lead's approval counts even when the DBA also reviewed later", () => {
    // migration-index: Backend Lead approves after DBA consultation (seed 000, RACI "Database indexes / constraints").
    const d = evaluate(
      policy,
      prFacts([ADD_INDEX], {
        comments: [
          comment(
            "dan",
            "Index on (room_id, created_at) matches the hot query; fine by me.",
            "2026-11-23T10:30:00Z",
          ),
        ],
        reviews: [
          approval("bea", "2026-11-23T11:00:00Z"),
          {
            id: 9001,
            user: "dan",
            state: "COMMENTED",
            commitId: prFacts([]).headSha,
            submittedAt: "2026-11-23T11:30:00Z",
          },
        ],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("success");
  });

  it("the approval does not count when the DBA's only word came after it", () => {
    const d = evaluate(
      policy,
      prFacts([ADD_INDEX], {
        reviews: [
          approval("bea", "2026-11-23T11:00:00Z"),
          {
            id: 9002,
            user: "dan",
            state: "COMMENTED",
            commitId: prFacts([]).headSha,
            submittedAt: "2026-11-23T11:30:00Z",
          },
        ],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
  });
});

describe("a command that cannot be dated after the head's arrival does not count", () => {
  it("is refused, with the reason, when the head's arrival is unknown", () => {
    const d = evaluate(
      policy,
      prFacts([DROP_COLUMN], {
        headPushedAt: undefined,
        comments: [
          comment("dan", "/approve-level3"),
          comment("bea", "/approve-level3"),
          comment("sam", "/approve-level3"),
        ],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.commands).toHaveLength(3);
    for (const c of d.commands) {
      expect(c).toMatchObject({
        counted: false,
        reason:
          "the time the head commit was pushed is unknown, so the command cannot be dated after it",
      });
    }
  });
});

describe("contributors are told why their commands do not count", () => {
  it("a contributor's sign-off is answered with the reason, not dropped silently", () => {
    const d = evaluate(
      policy,
      prFacts([DROP_COLUMN], {
        contributors: ["bea"],
        reviews: [approval("dan"), approval("sam")],
        comments: [comment("bea", "/approve-level3")],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.commands).toEqual([
      expect.objectContaining({
        login: "bea",
        counted: false,
        reason: expect.stringContaining("contributors cannot sign off"),
      }),
    ]);
  });

  it("a contributor cannot declare an emergency for the change", () => {
    const d = evaluate(
      policy,
      prFacts([DROP_COLUMN], {
        contributors: ["ivy"],
        comments: [comment("ivy", "/emergency the avatar migration is taking the chat down")],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.emergency).toBeUndefined();
    expect(d.commands).toEqual([
      expect.objectContaining({
        login: "ivy",
        counted: false,
        reason: expect.stringContaining("contributor"),
      }),
    ]);
  });
});
