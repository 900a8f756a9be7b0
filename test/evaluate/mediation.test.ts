import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { renderSummary, renderTitle } from "../../src/render/summary.js";
import {
  NOW,
  added,
  approval,
  changesRequested,
  comment,
  fixture,
  modified,
  prFacts,
} from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Seed 000 "Conflict Resolution" (and seed 002 "Disagreement Resolution"): when
 * required approvers disagree, the mediator the policy names settles it with
 * `/governance decide approve|reject <rationale>` once the parties' time is up.
 * PUSHED_AT is Monday 2026-11-23 10:00 UTC; the calendar is 09:00–17:00 UTC, Mon–Fri.
 */

const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  tech-architect: { users: [tara] }
  product-owner: { users: [pat] }
  vp-engineering: { users: [vic] }
  incident-commander: { users: [ivy] }
  finance: { users: [fin] }
  cto: { users: [carmen] }
`;
const migration = added(
  "prisma/migrations/20261120093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);
const deployment = fixture("repo/deployment.yaml");
const costly = modified(
  "k8s/chat-api/deployment.yaml",
  deployment,
  deployment.replace("replicas: 3", "replicas: 20"),
);
const routerBase = fixture("repo/messages.router.ts");
const routeRemoved = modified(
  "src/routes/messages.ts",
  routerBase,
  routerBase.replace(/messagesRouter\.post\("\/messages"[\s\S]*?\n\}\);\n/, ""),
);

/** DBA Lead requests changes to the DROP COLUMN on Monday 11:00 while Backend and SRE Leads approve: a peer-level disagreement. */
const peerDisagreement = [approval("bea"), approval("sam"), changesRequested("dan")];
/** 2 business days after Monday 11:00. */
const PEER_DECIDABLE = "2026-11-25T11:00:00.000Z";

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
});

describe('peer-level conflicts: "DRIs negotiate; if no consensus within 2 business days → escalate to shared manager"', () => {
  it("the shared manager's approve decision after 2 business days replaces the blocked requirement, and the check shows decision and rationale", () => {
    const decide = comment(
      "vic",
      "/governance decide approve The column has had no readers since 2026-10; dan's backfill concern is covered by the export job.",
      "2026-11-25T11:30:00Z",
    );
    const d = evaluate(
      policy,
      prFacts([migration], { reviews: peerDisagreement, comments: [decide] }),
      NOW,
    );
    expect(d.conclusion).toBe("success");
    const r = d.requirements.find((x) => x.id === "prisma/migration-destructive")!;
    expect(r.satisfied).toBe(true);
    expect(r.mediation).toEqual({
      kind: "peer",
      blockedBy: ["dan"],
      approvedBy: expect.arrayContaining(["bea", "sam"]),
      since: "2026-11-23T11:00:00.000Z",
      mediator: "vp-engineering",
      decidableFrom: PEER_DECIDABLE,
      decision: {
        by: "vic",
        role: "vp-engineering",
        verdict: "approve",
        rationale:
          "The column has had no readers since 2026-10; dan's backfill concern is covered by the export job.",
        commentId: decide.id,
        at: "2026-11-25T11:30:00.000Z",
      },
    });
    expect(d.commands).toEqual([expect.objectContaining({ commentId: decide.id, counted: true })]);
    expect(renderTitle(d, policy)).toBe("Level 3 — joint approval: disagreement decided by @vic ✓");
    const summary = renderSummary(d, policy);
    expect(summary).toContain("### Disagreements");
    expect(summary).toContain(
      "Decided by @vic (vp-engineering, mediator) on 2026-11-25T11:30:00.000Z: **approved** (this replaces the requirement). Rationale: _The column has had no readers since 2026-10; dan's backfill concern is covered by the export job._",
    );
  });

  it("while the disagreement is open, the check names the shared manager and from when they may decide", () => {
    const d = evaluate(policy, prFacts([migration], { reviews: peerDisagreement }), NOW);
    expect(d.conclusion).toBe("failure");
    expect(renderTitle(d, policy)).toBe("Level 3 — joint approval: changes requested");
    expect(renderSummary(d, policy)).toContain(
      `⚖️ \`prisma/migration-destructive\`: @dan requested changes while @bea, @sam approved (a peer-level disagreement). Unless the parties settle it, **vp-engineering** may decide from ${PEER_DECIDABLE}: comment \`/governance decide approve <rationale>\` or \`/governance decide reject <rationale>\`.`,
    );
  });

  it("a decision before the 2 business days have passed is refused, saying from when it can come", () => {
    const early = comment("vic", "/governance decide approve ship it", "2026-11-24T12:00:00Z");
    const d = evaluate(
      policy,
      prFacts([migration], { reviews: peerDisagreement, comments: [early] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.requirements[0]!.mediation?.decision).toBeUndefined();
    expect(d.commands).toEqual([
      expect.objectContaining({
        counted: false,
        reason: `the disagreement on \`prisma/migration-destructive\` began 2026-11-23T11:00:00.000Z; the peer path gives the parties 2 business days to settle it, so its mediator may decide from ${PEER_DECIDABLE}`,
      }),
    ]);
  });

  it("a decision by someone who is not the mediator is refused", () => {
    const byArchitect = comment(
      "tara",
      "/governance decide approve fine by me",
      "2026-11-26T10:00:00Z",
    );
    const d = evaluate(
      policy,
      prFacts([migration], { reviews: peerDisagreement, comments: [byArchitect] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.commands).toEqual([
      expect.objectContaining({
        counted: false,
        reason:
          "@tara is not a member of vp-engineering, who mediates the disagreement on `prisma/migration-destructive`",
      }),
    ]);
  });

  it("a decision without a rationale is refused", () => {
    const bare = comment("vic", "/governance decide approve", "2026-11-26T10:00:00Z");
    const d = evaluate(
      policy,
      prFacts([migration], { reviews: peerDisagreement, comments: [bare] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.commands).toEqual([
      expect.objectContaining({
        counted: false,
        reason:
          "a rationale is required: `/governance decide approve <why>` (the decision and its rationale are recorded)",
      }),
    ]);
  });

  it("a decision without approve or reject is refused", () => {
    const vague = comment("vic", "/governance decide let's talk", "2026-11-26T10:00:00Z");
    const d = evaluate(
      policy,
      prFacts([migration], { reviews: peerDisagreement, comments: [vague] }),
      NOW,
    );
    expect(d.commands).toEqual([
      expect.objectContaining({
        counted: false,
        reason:
          "say what you decide: `/governance decide approve <rationale>` or `/governance decide reject <rationale>`",
      }),
    ]);
  });

  it("a reject decision keeps the check failing, with the rationale", () => {
    const reject = comment(
      "vic",
      "/governance decide reject Keep the column until the mobile app stops reading it (MOB-88).",
      "2026-11-26T10:00:00Z",
    );
    const d = evaluate(
      policy,
      prFacts([migration], { reviews: peerDisagreement, comments: [reject] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.requirements[0]!.mediation?.decision).toMatchObject({ by: "vic", verdict: "reject" });
    expect(d.commands).toEqual([expect.objectContaining({ counted: true })]);
    expect(renderTitle(d, policy)).toBe("Level 3 — joint approval: rejected by the mediator @vic");
    expect(renderSummary(d, policy)).toContain(
      "**rejected** (the requirement stays unmet: address the objection in a new push). Rationale: _Keep the column until the mobile app stops reading it (MOB-88)._",
    );
  });

  it("the approve decision replaces the blocked requirement and only it", () => {
    const decide = comment(
      "vic",
      "/governance decide approve backfill verified",
      "2026-11-26T10:00:00Z",
    );
    const d = evaluate(
      policy,
      prFacts([migration, costly], { reviews: peerDisagreement, comments: [decide] }),
      NOW,
    );
    expect(d.requirements.find((r) => r.id === "prisma/migration-destructive")?.satisfied).toBe(
      true,
    );
    expect(d.requirements.find((r) => r.id === "infra/cost-increase")).toMatchObject({
      satisfied: false,
      missing: [{ roles: ["finance"], count: 1 }],
    });
    expect(d.conclusion).toBe("failure");
  });

  it("without approvals beside it, a changes-requested review is no disagreement, and a decision is refused", () => {
    const decide = comment("vic", "/governance decide approve go", "2026-11-26T10:00:00Z");
    const d = evaluate(
      policy,
      prFacts([migration], { reviews: [changesRequested("dan")], comments: [decide] }),
      NOW,
    );
    expect(d.requirements[0]!.mediation).toBeUndefined();
    expect(d.conclusion).toBe("failure");
    expect(d.commands).toEqual([
      expect.objectContaining({
        counted: false,
        reason:
          "no required approvers disagree here (a mediator decides only when a required approver's changes-requested review stands beside approvals)",
      }),
    ]);
  });

  it("the mediator cannot be the pull request's author, nor a contributor", () => {
    const decide = comment("vic", "/governance decide approve mine anyway", "2026-11-26T10:00:00Z");
    const byAuthor = evaluate(
      policy,
      prFacts([migration], { author: "vic", reviews: peerDisagreement, comments: [decide] }),
      NOW,
    );
    expect(byAuthor.conclusion).toBe("failure");
    expect(byAuthor.commands).toEqual([
      expect.objectContaining({
        counted: false,
        reason: "the pull request's author cannot decide a disagreement about their own change",
      }),
    ]);
    const byContributor = evaluate(
      policy,
      prFacts([migration], {
        contributors: ["vic"],
        reviews: peerDisagreement,
        comments: [decide],
      }),
      NOW,
    );
    expect(byContributor.conclusion).toBe("failure");
    expect(byContributor.commands).toEqual([
      expect.objectContaining({
        counted: false,
        reason: "a contributor to the pull request cannot decide a disagreement about it",
      }),
    ]);
  });

  it("a decision posted before the current commit arrived does not count", () => {
    const stale = comment("vic", "/governance decide approve go", "2026-11-23T09:00:00Z");
    const d = evaluate(
      policy,
      prFacts([migration], {
        reviews: peerDisagreement,
        comments: [stale],
        headPushedAt: "2026-11-23T10:00:00Z",
      }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.commands[0]).toMatchObject({
      counted: false,
      reason: expect.stringContaining("before the current commit arrived"),
    });
  });

  it("a decision in an edited comment does not count", () => {
    const edited = comment(
      "vic",
      "/governance decide approve go",
      "2026-11-26T10:00:00Z",
      "2026-11-26T10:05:00Z",
    );
    const d = evaluate(
      policy,
      prFacts([migration], { reviews: peerDisagreement, comments: [edited] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.commands[0]).toMatchObject({
      counted: false,
      reason: "the comment was edited after it was posted; post the decision in a new comment",
    });
  });
});

describe('cross-functional conflicts: "Tech Architect mediates; decision binding within 1 business day"', () => {
  /** SRE Lead approves the +$544/month scale-up, Finance requests changes (Monday 11:00). */
  const crossFunctional = [approval("sam"), changesRequested("fin")];

  it("the Tech Architect may decide at once, the decision due within 1 business day", () => {
    const pending = evaluate(policy, prFacts([costly], { reviews: crossFunctional }), NOW);
    expect(pending.requirements[0]!.mediation).toMatchObject({
      kind: "cross-functional",
      mediator: "tech-architect",
      decidableFrom: "2026-11-23T11:00:00.000Z",
      dueBy: "2026-11-24T11:00:00.000Z",
    });
    expect(renderSummary(pending, policy)).toContain(
      "**tech-architect** may decide from 2026-11-23T11:00:00.000Z; the decision is due by 2026-11-24T11:00:00.000Z",
    );

    const decide = comment(
      "tara",
      "/governance decide approve Launch traffic needs 20 replicas for two weeks; Finance re-reviews on 2026-12-15.",
      "2026-11-23T11:40:00Z",
    );
    const d = evaluate(
      policy,
      prFacts([costly], { reviews: crossFunctional, comments: [decide] }),
      NOW,
    );
    expect(d.conclusion).toBe("success");
    expect(d.requirements[0]!.mediation?.decision).toMatchObject({
      by: "tara",
      role: "tech-architect",
      verdict: "approve",
    });
  });

  it("a peer-level mediator cannot decide a cross-functional disagreement (before the Tech Architect's deadline, when it goes up the path to them)", () => {
    const decide = comment("vic", "/governance decide approve ok", "2026-11-23T11:40:00Z");
    const d = evaluate(
      policy,
      prFacts([costly], { reviews: crossFunctional, comments: [decide] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.commands[0]).toMatchObject({
      counted: false,
      reason:
        "@vic is not a member of tech-architect, who mediates the disagreement on `infra/cost-increase`; it goes to vp-engineering only if tech-architect has not decided by 2026-11-24T11:00:00.000Z",
    });
  });

  it("when the Tech Architect is a party, the next role up the area's escalation path (CTO) mediates, and the Tech Architect cannot", async () => {
    // Breaking API change: Tech Architect approves, Product Owner requests changes.
    const reviews = [approval("tara"), changesRequested("pat")];
    const pending = evaluate(policy, prFacts([routeRemoved], { reviews }), NOW);
    expect(pending.requirements[0]!.mediation).toMatchObject({
      kind: "cross-functional",
      mediator: "cto",
      movedFrom: {
        role: "tech-architect",
        why: "every member of tech-architect is a party to the disagreement",
      },
    });
    const byParty = evaluate(
      policy,
      prFacts([routeRemoved], {
        reviews,
        comments: [
          comment("tara", "/governance decide approve I am right", "2026-11-23T11:30:00Z"),
        ],
      }),
      NOW,
    );
    expect(byParty.conclusion).toBe("failure");
    expect(byParty.commands[0]).toMatchObject({
      counted: false,
      reason:
        "@tara is a party to the disagreement on `http-api/api-breaking` and cannot mediate it",
    });
    // With a second Tech Architect, the role mediates, but never through the party.
    const twoArchitects = await policyFrom(
      BINDINGS.replace(
        "tech-architect: { users: [tara] }",
        "tech-architect: { users: [tara, tom] }",
      ),
    );
    const secondPending = evaluate(twoArchitects, prFacts([routeRemoved], { reviews }), NOW);
    expect(secondPending.requirements[0]!.mediation).toMatchObject({ mediator: "tech-architect" });
    expect(secondPending.requirements[0]!.mediation?.movedFrom).toBeUndefined();
    const partyInRole = evaluate(
      twoArchitects,
      prFacts([routeRemoved], {
        reviews,
        comments: [
          comment("tara", "/governance decide approve I am right", "2026-11-23T11:30:00Z"),
        ],
      }),
      NOW,
    );
    expect(partyInRole.conclusion).toBe("failure");
    expect(partyInRole.commands[0]).toMatchObject({
      counted: false,
      reason:
        "@tara is a party to the disagreement on `http-api/api-breaking` and cannot mediate it",
    });
    const byCto = evaluate(
      policy,
      prFacts([routeRemoved], {
        reviews,
        comments: [
          comment(
            "carmen",
            "/governance decide approve v1 clients are gone (dashboard 2026-11)",
            "2026-11-23T11:30:00Z",
          ),
        ],
      }),
      NOW,
    );
    expect(byCto.conclusion).toBe("success");
  });
});

describe('urgent conflicts: "Incident Commander has final authority during incidents (retrospective review required)"', () => {
  it("on incident work the Incident Commander decides at once, even a peer-level disagreement", () => {
    const decide = comment(
      "ivy",
      "/governance decide approve INC-231: the column is what crashes the write path",
      "2026-11-23T11:05:00Z",
    );
    const d = evaluate(
      policy,
      prFacts([migration], { labels: ["incident"], reviews: peerDisagreement, comments: [decide] }),
      NOW,
    );
    expect(d.requirements[0]!.mediation).toMatchObject({
      kind: "incident",
      mediator: "incident-commander",
      decidableFrom: "2026-11-23T11:00:00.000Z",
    });
    expect(d.conclusion).toBe("success");
    expect(renderSummary(d, policy)).toContain(
      "**approved** (this replaces the requirement). Rationale: _INC-231: the column is what crashes the write path_ A retrospective (post-implementation) review is opened on merge.",
    );
  });

  it("without the incident label the Incident Commander is not the mediator", () => {
    const decide = comment("ivy", "/governance decide approve INC-231", "2026-11-26T11:05:00Z");
    const d = evaluate(
      policy,
      prFacts([migration], { reviews: peerDisagreement, comments: [decide] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.commands[0]).toMatchObject({
      counted: false,
      reason:
        "@ivy is not a member of vp-engineering, who mediates the disagreement on `prisma/migration-destructive`",
    });
  });
});

describe("the mediation schema", () => {
  it("a peer path must name the peers", async () => {
    await expect(
      policyFrom(`${BINDINGS}mediation: { peer: { mediator: vp-engineering } }\n`),
    ).rejects.toThrow("a peer mediation path names the roles that are peers");
  });

  it("a mediator must be a declared role", async () => {
    await expect(
      policyFrom(`${BINDINGS}mediation: { cross-functional: { mediator: chief-mediator } }\n`),
    ).rejects.toThrow('role "chief-mediator" is not defined');
  });

  it("a repository overrides one path and keeps the preset's others", async () => {
    const p = await policyFrom(
      `${BINDINGS}mediation: { cross-functional: { mediator: cto, after: { hours: 24 } } }\n`,
    );
    expect(p.mediation.map((m) => [m.kind, m.mediator])).toEqual([
      ["incident", "incident-commander"],
      ["peer", "vp-engineering"],
      ["cross-functional", "cto"],
    ]);
    const d = evaluate(
      p,
      prFacts([costly], { reviews: [approval("sam"), changesRequested("fin")] }),
      NOW,
    );
    expect(d.requirements[0]!.mediation?.decidableFrom).toBe("2026-11-24T11:00:00.000Z");
  });
});

describe("seeds 002 and 004: engineering management settles disagreements", () => {
  const dockerfile = modified(
    "Dockerfile",
    'FROM node:20-alpine\nCMD ["node", "dist/server.js"]\n',
    'FROM node:22-alpine\nCMD ["node", "dist/server.js"]\n',
  );
  const bindings = (preset: string, operators: string) =>
    `extends: ${preset}\nroles:\n  ${operators}: { users: [pia, pete] }\n  architecture-team: { users: [ada] }\n  engineering-management: { users: [em] }\n  engineers: { users: [eve] }\n`;
  /** One operator approves the base-image change, the other requests changes (Monday 11:00). */
  const split = [approval("pia"), changesRequested("pete")];

  it('platform-engineering (seed 002 "Schedule joint review meeting within 24 hours; if unresolved, escalate to engineering management for final decision")', async () => {
    const p = await policyFrom(bindings("platform-engineering", "platform-engineering"));
    const facts = (at: string) =>
      prFacts([dockerfile], {
        title: "LFXV2-302 Node 22 base image",
        reviews: split,
        comments: [
          comment(
            "em",
            "/governance decide approve Node 20 leaves LTS in April; the CVE scan of node:22 is clean.",
            at,
          ),
        ],
      });
    const early = evaluate(p, facts("2026-11-24T10:59:00Z"), NOW);
    expect(early.requirements[0]!.mediation).toMatchObject({
      kind: "cross-functional",
      mediator: "engineering-management",
      decidableFrom: "2026-11-24T11:00:00.000Z",
    });
    expect(early.conclusion).toBe("failure");
    expect(early.commands[0]).toMatchObject({
      counted: false,
      reason: expect.stringContaining(
        "gives the parties 24 h to settle it, so its mediator may decide from 2026-11-24T11:00:00.000Z",
      ),
    });
    const decided = evaluate(p, facts("2026-11-24T11:30:00Z"), NOW);
    expect(decided.conclusion).toBe("success");
    expect(decided.requirements[0]!.mediation?.decision).toMatchObject({
      by: "em",
      verdict: "approve",
      rationale: "Node 20 leaves LTS in April; the CVE scan of node:22 is clean.",
    });
  });

  it('it-operations (seed 004 "Cross-functional Conflicts: Escalate to management when decisions impact multiple domains"): management decides at once', async () => {
    const p = await policyFrom(bindings("it-operations", "it-operations"));
    const d = evaluate(
      p,
      prFacts([dockerfile], {
        reviews: split,
        comments: [
          comment(
            "em",
            "/governance decide reject Stay on Node 20 until the load test passes.",
            "2026-11-23T11:10:00Z",
          ),
        ],
      }),
      NOW,
    );
    expect(d.requirements[0]!.mediation).toMatchObject({
      kind: "cross-functional",
      mediator: "engineering-management",
      decidableFrom: "2026-11-23T11:00:00.000Z",
      decision: { verdict: "reject" },
    });
    expect(d.conclusion).toBe("failure");
  });
});
