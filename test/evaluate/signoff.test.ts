import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import {
  NOW,
  OLD_HEAD,
  added,
  approval,
  changesRequested,
  comment,
  fixture,
  pathOnly,
  prFacts,
} from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/** A chat-backend repository with every role the tests touch bound to people. */
const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  backend-team: { teams: [backend] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam, sue] }
  tech-architect: { users: [tara] }
  product-owner: { users: [pat] }
  security-lead: { users: [sid] }
  devops-lead: { users: [dev] }
  qa-lead: { users: [quinn] }
  vp-engineering: { users: [vera] }
  cto: { users: [carl] }
  finance: { users: [fin] }
  frontend-team: { teams: [frontend] }
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

const destructive = (overrides = {}) => evaluate(policy, prFacts([DROP_COLUMN], overrides), NOW);
const requirement = (decision: ReturnType<typeof evaluate>, id: string) => {
  const r = decision.requirements.find((x) => x.id === id);
  if (!r)
    throw new Error(
      `no requirement ${id}; have ${decision.requirements.map((x) => x.id).join(", ")}`,
    );
  return r;
};

describe("joint approval of a destructive migration (dba-lead + backend-lead + sre-lead)", () => {
  it("fails with all three missing and requests one person per missing role", () => {
    const d = destructive();
    expect(d.conclusion).toBe("failure");
    expect(d.level).toBe(3);
    expect(d.requirements.map((r) => r.id)).toEqual(["prisma/migration-destructive"]);
    expect(requirement(d, "prisma/migration-destructive").missing.map((c) => c.roles[0])).toEqual([
      "dba-lead",
      "backend-lead",
      "sre-lead",
    ]);
    expect(d.reviewersToRequest.users).toEqual(["bea", "dan", "sam"]);
  });

  it("passes once three distinct members approve the head commit", () => {
    const d = destructive({ reviews: [approval("dan"), approval("bea"), approval("sue")] });
    expect(d.conclusion).toBe("success");
    expect(requirement(d, "prisma/migration-destructive").signatures).toEqual([
      { role: "dba-lead", login: "dan", via: "review" },
      { role: "backend-lead", login: "bea", via: "review" },
      { role: "sre-lead", login: "sue", via: "review" },
    ]);
    expect(d.reviewersToRequest).toEqual({ users: [], teams: [] });
  });

  it("does not count an approval of an earlier commit", () => {
    const d = destructive({
      reviews: [approval("dan"), approval("bea"), approval("sue", undefined, OLD_HEAD)],
    });
    expect(d.conclusion).toBe("failure");
    const r = requirement(d, "prisma/migration-destructive");
    expect(r.missing).toEqual([{ roles: ["sre-lead"], count: 1 }]);
    expect(r.notes).toContain(
      "@sue's approval was for an earlier commit (1a2b3c4) and no longer counts",
    );
  });

  it("counts earlier approvals when the policy turns invalidation off", async () => {
    const lenient = await policyFrom(`${BINDINGS}signoff: { invalidateOnPush: false }\n`);
    const d = evaluate(
      lenient,
      prFacts([DROP_COLUMN], {
        reviews: [approval("dan"), approval("bea"), approval("sue", undefined, OLD_HEAD)],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("success");
  });

  it("never counts the author, even when the author holds the role", () => {
    const d = destructive({
      author: "sue",
      comments: [comment("sue", "/approve-level3")],
      reviews: [approval("dan"), approval("bea")],
    });
    expect(d.conclusion).toBe("failure");
    expect(d.commands).toEqual([
      expect.objectContaining({
        login: "sue",
        counted: false,
        reason: "the pull request's author cannot sign off their own change",
      }),
    ]);
    // sam can still sign for sre-lead, and is the one asked; the author never is.
    expect(d.reviewersToRequest.users).toEqual(["sam"]);
  });

  it("needs distinct people: one person holding two required roles fills only one", async () => {
    const doubled = await policyFrom(
      BINDINGS.replace("dba-lead: { users: [dan] }", "dba-lead: { users: [bea] }"),
    );
    const d = evaluate(
      doubled,
      prFacts([DROP_COLUMN], { reviews: [approval("bea"), approval("sam")] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    const r = requirement(d, "prisma/migration-destructive");
    expect(r.signatures.map((s) => s.login).sort()).toEqual(["bea", "sam"]);
    expect(r.missing).toHaveLength(1);
  });

  it("blocks on a required approver's changes-requested review until it is dismissed", () => {
    const reviews = [
      approval("dan"),
      approval("bea"),
      approval("sue"),
      changesRequested("sam", "2026-11-23T11:30:00Z"),
    ];
    const blocked = destructive({ reviews });
    expect(blocked.conclusion).toBe("failure");
    expect(requirement(blocked, "prisma/migration-destructive").blockedBy).toEqual(["sam"]);

    const dismissed = destructive({
      reviews: reviews.map((r) => (r.user === "sam" ? { ...r, state: "DISMISSED" as const } : r)),
    });
    expect(dismissed.conclusion).toBe("success");
  });

  it("lifts the block when the same person later approves", () => {
    const d = destructive({
      reviews: [
        changesRequested("dan", "2026-11-23T10:30:00Z"),
        approval("dan"),
        approval("bea"),
        approval("sue"),
      ],
    });
    expect(d.conclusion).toBe("success");
  });

  it("does not count an approval whose latest review was dismissed, even after an earlier approval", () => {
    // dan approved twice; an admin dismissed the later approval. The dismissal is
    // dan's latest word: the earlier approval must not come back.
    const reviews = [
      approval("dan", "2026-11-23T10:30:00Z"),
      { ...approval("dan", "2026-11-23T11:00:00Z"), state: "DISMISSED" as const },
      approval("bea"),
      approval("sue"),
    ];
    const d = destructive({ reviews });
    expect(d.conclusion).toBe("failure");
    expect(requirement(d, "prisma/migration-destructive").missing).toEqual([
      { roles: ["dba-lead"], count: 1 },
    ]);
  });

  it("ignores a changes-requested review from someone who holds no required role", () => {
    const d = destructive({
      reviews: [approval("dan"), approval("bea"), approval("sue"), changesRequested("pat")],
    });
    expect(d.conclusion).toBe("success");
  });
});

describe("/approve-levelN comments", () => {
  const signAll = (body: string, extra: Parameters<typeof comment>[2] = "2026-11-23T11:00:00Z") => [
    comment("dan", body, extra),
    comment("bea", body, extra),
    comment("sam", body, extra),
  ];

  it("/approve-level3 from each role passes a level-3 requirement", () => {
    const d = destructive({ comments: signAll("Checked the backfill plan.\n/approve-level3") });
    expect(d.conclusion).toBe("success");
    expect(
      requirement(d, "prisma/migration-destructive").signatures.every((s) => s.via === "command"),
    ).toBe(true);
    expect(d.commands.every((c) => c.counted)).toBe(true);
  });

  it("/approve-level2 does not sign a level-3 requirement, and says which command would", () => {
    const d = destructive({ comments: signAll("/approve-level2") });
    expect(d.conclusion).toBe("failure");
    expect(d.commands[0]).toMatchObject({
      counted: false,
      reason:
        "nothing at level 2 or below for @dan to sign; the sign-off needed is level 3: /approve-level3",
    });
  });

  it("/approve-level3 also signs level-2 requirements", () => {
    const d = evaluate(
      policy,
      prFacts([ADD_INDEX], {
        comments: [
          comment("dan", "Index looks right."),
          comment("bea", "/approve-level3", "2026-11-23T11:05:00Z"),
        ],
      }),
      NOW,
    );
    expect(requirement(d, "prisma/migration-index").satisfied).toBe(true);
    expect(d.conclusion).toBe("success");
  });

  it("does not count a command posted before the latest push", () => {
    const d = destructive({ comments: signAll("/approve-level3", "2026-11-23T09:59:59Z") });
    expect(d.conclusion).toBe("failure");
    expect(d.commands[0]?.reason).toBe(
      "it was posted before the current commit arrived on this pull request (its latest push, force-push or change of base); sign off again on the current commit",
    );
  });

  it("does not count an edited command", () => {
    const comments = [
      comment("dan", "/approve-level3"),
      comment("bea", "/approve-level3"),
      comment("sam", "/approve-level3", "2026-11-23T11:00:00Z", "2026-11-23T11:02:00Z"),
    ];
    const d = destructive({ comments });
    expect(d.conclusion).toBe("failure");
    expect(d.commands.find((c) => c.login === "sam")?.reason).toMatch(/edited/);
  });

  it("recognises commands only at the start of a line outside quotes and code", () => {
    const quoted = [
      comment("dan", "> /approve-level3\nQuoting the runbook."),
      comment("bea", "Type `/approve-level3` when ready"),
      comment("sam", "```\n/approve-level3\n```"),
    ];
    const d = destructive({ comments: quoted });
    expect(d.commands).toEqual([]);
    expect(d.conclusion).toBe("failure");
  });

  it("withdraws a sign-off with /approve-levelN cancel", () => {
    const comments = [
      ...signAll("/approve-level3"),
      comment("sam", "/approve-level3 cancel", "2026-11-23T11:10:00Z"),
    ];
    const d = destructive({ comments });
    expect(d.conclusion).toBe("failure");
    expect(requirement(d, "prisma/migration-destructive").missing).toEqual([
      { roles: ["sre-lead"], count: 1 },
    ]);
  });

  it("/approve-level3 cancel also withdraws an earlier /approve-level2", () => {
    const index = (comments: ReturnType<typeof comment>[]) =>
      evaluate(
        policy,
        prFacts([ADD_INDEX], {
          comments: [comment("dan", "Index looks right.", "2026-11-23T10:45:00Z"), ...comments],
        }),
        NOW,
      );
    expect(index([comment("bea", "/approve-level2")]).conclusion).toBe("success");
    const withdrawn = index([
      comment("bea", "/approve-level2"),
      comment("bea", "/approve-level3 cancel", "2026-11-23T11:10:00Z"),
    ]);
    expect(withdrawn.conclusion).toBe("failure");
    expect(requirement(withdrawn, "prisma/migration-index").missing).toEqual([
      { roles: ["backend-lead"], count: 1 },
    ]);
  });

  it("/approve-level2 cancel withdraws an earlier /approve-level3 entirely: a level-3 sign-off covers level 2", () => {
    const comments = [
      ...signAll("/approve-level3"),
      comment("sam", "/approve-level2 cancel", "2026-11-23T11:10:00Z"),
    ];
    const d = destructive({ comments });
    expect(d.conclusion).toBe("failure");
    expect(requirement(d, "prisma/migration-destructive").missing).toEqual([
      { roles: ["sre-lead"], count: 1 },
    ]);
    expect(d.commands.find((c) => c.command === "/approve-level2 cancel")).toMatchObject({
      login: "sam",
      counted: true,
    });
  });

  it("a cancel withdraws the person's earlier approving review too, and a later approval signs again", () => {
    const reviews = [approval("dan"), approval("bea"), approval("sam", "2026-11-23T11:00:00Z")];
    const cancelled = destructive({
      reviews,
      comments: [
        comment(
          "sam",
          "Hold on, the backfill failed in staging.\n\n/approve-level3 cancel",
          "2026-11-23T11:10:00Z",
        ),
      ],
    });
    expect(cancelled.conclusion).toBe("failure");
    const r = requirement(cancelled, "prisma/migration-destructive");
    expect(r.missing).toEqual([{ roles: ["sre-lead"], count: 1 }]);
    expect(r.notes).toContain(
      "@sam's approving review was withdrawn by their later `/approve-level3 cancel`; approve again to sign",
    );

    const reapproved = destructive({
      reviews: [approval("dan"), approval("bea"), approval("sam", "2026-11-23T11:30:00Z")],
      comments: [comment("sam", "/approve-level3 cancel", "2026-11-23T11:10:00Z")],
    });
    expect(reapproved.conclusion).toBe("success");
  });

  it("honours a withdrawal even when the cancel holds an invisible character", () => {
    const comments = [
      ...signAll("/approve-level3"),
      comment("sam", "/approve-level3\u00A0cancel", "2026-11-23T11:10:00Z"),
    ];
    const d = destructive({ comments });
    expect(d.conclusion).toBe("failure");
    expect(requirement(d, "prisma/migration-destructive").missing).toEqual([
      { roles: ["sre-lead"], count: 1 },
    ]);
  });

  it("answers, and does not count, a command that starts with a zero-width space", () => {
    const comments = [
      comment("dan", "/approve-level3"),
      comment("bea", "/approve-level3"),
      comment("sam", "\u200B/approve-level3"),
    ];
    const d = destructive({ comments });
    expect(d.conclusion).toBe("failure");
    expect(requirement(d, "prisma/migration-destructive").missing).toEqual([
      { roles: ["sre-lead"], count: 1 },
    ]);
    expect(d.commands.find((c) => c.login === "sam")).toEqual({
      commentId: comments[2]!.id,
      login: "sam",
      command: "/approve-level3",
      counted: false,
      reason:
        "the command starts with an invisible character (U+200B); post it again as plain text",
    });
  });

  it("answers, and does not count, a command GitHub shows inside the quote above it", () => {
    const comments = [
      comment("dan", "/approve-level3"),
      comment("bea", "/approve-level3"),
      comment("sam", "> Is the backfill idempotent?\nYes, checked.\n/approve-level3"),
    ];
    const d = destructive({ comments });
    expect(d.conclusion).toBe("failure");
    expect(d.commands.find((c) => c.login === "sam")).toMatchObject({
      counted: false,
      reason:
        "the line continues the quote above it (a line right after a `>` line is part of the quote); post the command again with an empty line after the quote",
    });
  });

  it("answers, and does not count, an /emergency that starts with an invisible character", async () => {
    const withEmergency = await policyFrom(`${BINDINGS}emergency: { roles: [sre-lead] }\n`);
    const d = evaluate(
      withEmergency,
      prFacts([DROP_COLUMN], {
        comments: [comment("sam", "\u2060/emergency payments down, rollback of #812")],
      }),
      NOW,
    );
    expect(d.emergency).toBeUndefined();
    expect(d.conclusion).toBe("failure");
    expect(d.commands).toEqual([
      expect.objectContaining({
        login: "sam",
        counted: false,
        reason:
          "the command starts with an invisible character (U+2060); post it again as plain text",
      }),
    ]);
  });

  it("does not count commands inside a multi-line HTML comment or a fence left open by an info-string line", () => {
    const hidden = [
      comment("dan", "/approve-level3"),
      comment("bea", "/approve-level3"),
      comment("sam", "Will sign once staging is green.\n<!--\n/approve-level3\n-->"),
      comment("sue", "```\npsql -f backfill.sql\n```sh\n/approve-level3\n"),
    ];
    const d = destructive({ comments: hidden });
    expect(d.conclusion).toBe("failure");
    expect(d.commands.map((c) => c.login)).toEqual(["dan", "bea"]);
  });

  it("refuses a command from someone who holds no required role", () => {
    const d = destructive({ comments: [comment("pat", "/approve-level3")] });
    expect(d.commands[0]).toMatchObject({
      counted: false,
      reason:
        "@pat is not a member of a role this pull request needs (backend-lead, dba-lead, sre-lead)",
    });
  });

  it("accepts only the command at a level configured command-only", async () => {
    const strict = await policyFrom(`${BINDINGS}levels: { 3: { commandOnly: true } }\n`);
    const byReview = evaluate(
      strict,
      prFacts([DROP_COLUMN], { reviews: [approval("dan"), approval("bea"), approval("sam")] }),
      NOW,
    );
    expect(byReview.conclusion).toBe("failure");
    const byCommand = evaluate(
      strict,
      prFacts([DROP_COLUMN], { comments: signAll("/approve-level3") }),
      NOW,
    );
    expect(byCommand.conclusion).toBe("success");
  });
});

describe("consultation required before approval (migration-index)", () => {
  it("does not count the DRI's approval until the DBA has given input", () => {
    const d = evaluate(policy, prFacts([ADD_INDEX], { reviews: [approval("bea")] }), NOW);
    const r = requirement(d, "prisma/migration-index");
    expect(r.satisfied).toBe(false);
    expect(r.inputGiven).toBe(false);
    expect(r.notes).toContain("waiting for input from dba-lead before an approval can count");
    expect(d.reviewersToRequest.users).toContain("dan");
  });

  it("does not count an approval given before the DBA's input", () => {
    const d = evaluate(
      policy,
      prFacts([ADD_INDEX], {
        reviews: [approval("bea", "2026-11-23T10:30:00Z")],
        comments: [comment("dan", "Use a partial index?", "2026-11-23T10:45:00Z")],
      }),
      NOW,
    );
    expect(requirement(d, "prisma/migration-index").satisfied).toBe(false);
  });

  it("never takes the author's own comment for the consulted role's input, even when the author holds that role", async () => {
    const twoDbas = await policyFrom(
      BINDINGS.replace("dba-lead: { users: [dan] }", "dba-lead: { users: [dan, dora] }"),
    );
    const d = evaluate(
      twoDbas,
      prFacts([ADD_INDEX], {
        author: "dan",
        comments: [comment("dan", "Index is safe, I checked the plan.", "2026-11-23T10:45:00Z")],
        reviews: [approval("bea", "2026-11-23T11:00:00Z")],
      }),
      NOW,
    );
    const r = requirement(d, "prisma/migration-index");
    expect(r.inputGiven).toBe(false);
    expect(r.satisfied).toBe(false);
    expect(d.conclusion).toBe("failure");
    // Input from the other DBA is what lets bea's approval count.
    const consulted = evaluate(
      twoDbas,
      prFacts([ADD_INDEX], {
        author: "dan",
        comments: [comment("dora", "Fine by me.", "2026-11-23T10:45:00Z")],
        reviews: [approval("bea", "2026-11-23T11:00:00Z")],
      }),
      NOW,
    );
    expect(consulted.conclusion).toBe("success");
  });

  it("counts the approval that follows the DBA's input", () => {
    const d = evaluate(
      policy,
      prFacts([ADD_INDEX], {
        comments: [comment("dan", "Fine by me.", "2026-11-23T10:45:00Z")],
        reviews: [approval("bea", "2026-11-23T11:00:00Z")],
      }),
      NOW,
    );
    expect(requirement(d, "prisma/migration-index").satisfied).toBe(true);
    expect(d.conclusion).toBe("success");
  });
});

describe("levels only go up", () => {
  it("a label raises the level; no label lowers it", () => {
    const api = pathOnly("src/api/v1/chat/messages.controller.ts");
    expect(evaluate(policy, prFacts([api]), NOW).level).toBe(1);
    const labelled = evaluate(policy, prFacts([api], { labels: ["breaking-change"] }), NOW);
    expect(labelled.level).toBe(3);
    expect(labelled.requiredRoles).toEqual(["product-owner", "tech-architect"]);
    expect(
      evaluate(
        policy,
        prFacts([DROP_COLUMN], { labels: ["level-1", "trivial", "skip-governance"] }),
        NOW,
      ).level,
    ).toBe(3);
  });

  it("an executive label needs the CTO: /approve-level3 from the CTO is not enough, /approve-level4 is", () => {
    const docs = pathOnly("docs/architecture/split-gateway.md");
    const base = { labels: ["architecture"], reviews: [approval("bea")] };
    const d3 = evaluate(
      policy,
      prFacts([docs], { ...base, comments: [comment("carl", "/approve-level3")] }),
      NOW,
    );
    expect(d3.level).toBe(4);
    expect(d3.conclusion).toBe("failure");
    const d4 = evaluate(
      policy,
      prFacts([docs], { ...base, comments: [comment("carl", "/approve-level4")] }),
      NOW,
    );
    expect(d4.conclusion).toBe("success");
  });
});

describe("roles nobody but the author can fill, and roles bound to nobody", () => {
  it("moves a role only the author holds one step up the area's escalation path", () => {
    const d = destructive({ author: "bea" });
    const r = requirement(d, "prisma/migration-destructive");
    // prisma escalates backend-lead → dba-lead → vp-engineering; dba-lead already signs.
    expect(r.escalations).toEqual([
      {
        from: "backend-lead",
        to: "vp-engineering",
        why: "every member of backend-lead is the pull request's author",
      },
    ]);
    expect(r.clauses.map((c) => c.roles[0])).toEqual(["dba-lead", "vp-engineering", "sre-lead"]);
    const signed = destructive({
      author: "bea",
      reviews: [approval("dan"), approval("vera"), approval("sam")],
    });
    expect(signed.conclusion).toBe("success");
  });

  it("fails closed, naming the role, when a required role is bound to nobody", async () => {
    const unbound = await policyFrom(BINDINGS.replace("  sre-lead: { users: [sam, sue] }\n", ""));
    const d = evaluate(
      unbound,
      prFacts([DROP_COLUMN], { reviews: [approval("dan"), approval("bea")] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.problems).toContainEqual({
      severity: "error",
      message: 'role "sre-lead" is required (prisma/migration-destructive) but bound to nobody',
      fix: "bind it in .github/governance.yml: roles: { sre-lead: { users: [login], teams: [team-slug] } }",
    });
  });

  it("never treats unknown team membership as membership", async () => {
    const teams = await policyFrom(
      BINDINGS.replace("sre-lead: { users: [sam, sue] }", "sre-lead: { teams: [sre-leads] }"),
    );
    const reviews = [approval("dan"), approval("bea"), approval("sam")];
    expect(evaluate(teams, prFacts([DROP_COLUMN], { reviews }), NOW).conclusion).toBe("failure");
    expect(
      evaluate(
        teams,
        prFacts([DROP_COLUMN], { reviews, teamMembers: { "sre-leads": ["Sam"] } }),
        NOW,
      ).conclusion,
    ).toBe("success");
  });

  it("says which team could not be read when its members are still needed, and only then", async () => {
    const teams = await policyFrom(
      BINDINGS.replace("sre-lead: { users: [sam, sue] }", "sre-lead: { teams: [sre-leads] }"),
    );
    const unread = evaluate(
      teams,
      prFacts([DROP_COLUMN], { reviews: [approval("dan"), approval("bea")] }),
      NOW,
    );
    expect(unread.problems).toContainEqual({
      severity: "warning",
      message: "the members of team sre-leads (sre-lead) are not known, so none of them can sign",
      fix: 'check that the team exists and that the app may read it (organisation permission "Members: read"); or bind the role to users',
    });
    const read = evaluate(
      teams,
      prFacts([DROP_COLUMN], {
        reviews: [approval("dan"), approval("bea")],
        teamMembers: { "sre-leads": ["sam"] },
      }),
      NOW,
    );
    expect(read.problems.filter((p) => p.message.includes("sre-leads"))).toEqual([]);
  });
});

describe("separate requirements and reviewer requests", () => {
  it("lets one approval fill separate requirements of two areas with the same DRI", () => {
    const d = evaluate(
      policy,
      prFacts([pathOnly(".env.example"), pathOnly("config/redis.ts")], {
        reviews: [approval("bea")],
      }),
      NOW,
    );
    expect(d.requirements.map((r) => r.id)).toEqual(["app-config/base"]);
    const two = evaluate(
      policy,
      prFacts([pathOnly(".eslintrc.json"), pathOnly(".env.example")], {
        reviews: [approval("bea")],
      }),
      NOW,
    );
    expect(two.requirements.map((r) => r.id)).toEqual(["app-config/base", "lint/base"]);
    expect(two.conclusion).toBe("success");
  });

  it("does not request people already requested or who already reviewed, and counts them as covering", () => {
    const d = destructive({
      requestedReviewers: { users: ["dan"], teams: [] },
      reviews: [{ ...approval("sam"), state: "COMMENTED" as const }],
    });
    expect(d.reviewersToRequest.users).toEqual(["bea"]);
  });

  it("requests the Responsible team at level 1 and consulted roles from level 2", () => {
    const api = evaluate(
      policy,
      prFacts([pathOnly("src/api/v1/chat/messages.controller.ts")]),
      NOW,
    );
    expect(api.reviewersToRequest).toEqual({ users: [], teams: ["backend"] });
    const config = evaluate(policy, prFacts([pathOnly("config/default.json")]), NOW);
    expect(config.reviewersToRequest.users).toEqual(["bea", "sam"]);
  });
});
