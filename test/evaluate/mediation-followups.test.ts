import { beforeAll, describe, expect, it } from "vitest";
import {
  mediationNotice,
  parseEscalationMarkers,
  escalationMarker,
  planEscalations,
} from "../../src/evaluate/escalation.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Decision } from "../../src/evaluate/decision.js";
import type { Policy } from "../../src/policy/model.js";
import { renderSummary } from "../../src/render/summary.js";
import {
  HEAD,
  NOW,
  PUSHED_AT,
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
 * Seed 000 "Conflict Resolution" after the disagreement is on record: the mediator
 * is asked once the decision is theirs (a review request at once, the sweep's comment
 * for a clock that runs out between events), and a cross-functional decision not
 * taken "within 1 business day" goes one step up the area's escalation path.
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
const deployment = fixture("repo/deployment.yaml");
/** +$544/month: SRE Lead and Finance sign (infra area, path sre-lead → vp-engineering → cto). */
const costly = modified(
  "k8s/chat-api/deployment.yaml",
  deployment,
  deployment.replace("replicas: 3", "replicas: 20"),
);
const migration = added(
  "prisma/migrations/20261120093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);
const routerBase = fixture("repo/messages.router.ts");
/** A breaking API change (http-api area, path backend-lead → tech-architect → cto). */
const routeRemoved = modified(
  "src/routes/messages.ts",
  routerBase,
  routerBase.replace(/messagesRouter\.post\("\/messages"[\s\S]*?\n\}\);\n/, ""),
);

/** Monday 11:00: SRE Lead approves the scale-up, Finance requests changes (cross-functional). */
const crossFunctional = [approval("sam"), changesRequested("fin")];
/** 1 business day after Monday 11:00: the Tech Architect's decision is due. */
const DUE = "2026-11-24T11:00:00.000Z";
const TUESDAY_NOON = new Date("2026-11-24T12:00:00Z");

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
});

describe("the mediator is asked once the decision is theirs", () => {
  it("cross-functional (decidable at once): the Tech Architect is requested as a reviewer, and no longer once they decided", () => {
    const agreed = evaluate(policy, prFacts([costly], { reviews: [approval("sam")] }), NOW);
    expect(agreed.reviewersToRequest.users).not.toContain("tara");

    const d = evaluate(policy, prFacts([costly], { reviews: crossFunctional }), NOW);
    expect(d.requirements[0]!.mediation).toMatchObject({ mediator: "tech-architect" });
    expect(d.reviewersToRequest.users).toContain("tara");

    const decided = evaluate(
      policy,
      prFacts([costly], {
        reviews: crossFunctional,
        comments: [
          comment("tara", "/governance decide approve Budgeted in Q4 plan", "2026-11-23T11:30:00Z"),
        ],
      }),
      NOW,
    );
    expect(decided.conclusion).toBe("success");
    expect(decided.reviewersToRequest.users).not.toContain("tara");
  });

  it("peer (after 2 business days): the shared manager is requested only once the parties' time is up", () => {
    const facts = prFacts([migration], {
      reviews: [approval("bea"), approval("sam"), changesRequested("dan")],
    });
    expect(evaluate(policy, facts, NOW).reviewersToRequest.users).not.toContain("vic");
    const wednesday = evaluate(policy, facts, new Date("2026-11-25T11:00:00Z"));
    expect(wednesday.requirements[0]!.mediation).toMatchObject({ mediator: "vp-engineering" });
    expect(wednesday.reviewersToRequest.users).toContain("vic");
  });

  it("a member of the mediating role who is a party is never the one asked", async () => {
    const twoArchitects = await policyFrom(
      BINDINGS.replace(
        "tech-architect: { users: [tara] }",
        "tech-architect: { users: [tara, tom] }",
      ),
    );
    const d = evaluate(
      twoArchitects,
      prFacts([routeRemoved], { reviews: [approval("tara"), changesRequested("pat")] }),
      NOW,
    );
    expect(d.requirements[0]!.mediation).toMatchObject({ mediator: "tech-architect" });
    expect(d.reviewersToRequest.users).toContain("tom");
  });
});

describe('a mediator who does not decide "within 1 business day" is escalated', () => {
  it("past the deadline the decision goes to the next role of the area's path (vp-engineering): asked, named in the check, and able to decide", () => {
    const facts = prFacts([costly], { reviews: crossFunctional });
    const onTime = evaluate(policy, facts, NOW);
    expect(onTime.requirements[0]!.mediation).toMatchObject({
      dueBy: DUE,
      escalatesTo: "vp-engineering",
    });
    expect(onTime.requirements[0]!.mediation?.overdue).toBeUndefined();
    expect(onTime.reviewersToRequest.users).not.toContain("vic");

    const late = evaluate(policy, facts, TUESDAY_NOON);
    expect(late.requirements[0]!.mediation).toMatchObject({
      overdue: true,
      escalatesTo: "vp-engineering",
    });
    expect(late.reviewersToRequest.users).toEqual(expect.arrayContaining(["tara", "vic"]));
    expect(renderSummary(late, policy)).toContain(
      `**tech-architect** was to decide by ${DUE} and has not: the decision is escalated to **vp-engineering**, who may decide as well`,
    );

    const byVp = evaluate(
      policy,
      {
        ...facts,
        comments: [
          comment(
            "vic",
            "/governance decide approve Capacity for the launch",
            "2026-11-24T11:30:00Z",
          ),
        ],
      },
      TUESDAY_NOON,
    );
    expect(byVp.conclusion).toBe("success");
    expect(byVp.requirements[0]!.mediation?.decision).toMatchObject({
      by: "vic",
      role: "vp-engineering",
      verdict: "approve",
    });
  });

  it("before the deadline the role above cannot decide yet, and is told when it could", () => {
    const early = evaluate(
      policy,
      prFacts([costly], {
        reviews: crossFunctional,
        comments: [comment("vic", "/governance decide approve ok", "2026-11-24T10:30:00Z")],
      }),
      TUESDAY_NOON,
    );
    expect(early.conclusion).toBe("failure");
    expect(early.commands[0]).toMatchObject({
      counted: false,
      reason: `@vic is not a member of tech-architect, who mediates the disagreement on \`infra/cost-increase\`; it goes to vp-engineering only if tech-architect has not decided by ${DUE}`,
    });
  });

  it("with nobody above the mediator (the CTO mediates a breaking API change the Tech Architect approved), the check says the decision cannot go further", () => {
    const d = evaluate(
      policy,
      prFacts([routeRemoved], { reviews: [approval("tara"), changesRequested("pat")] }),
      TUESDAY_NOON,
    );
    const m = d.requirements[0]!.mediation!;
    expect(m).toMatchObject({ mediator: "cto", overdue: true });
    expect(m.escalatesTo).toBeUndefined();
    expect(renderSummary(d, policy)).toContain(
      `**cto** (tech-architect cannot: every member of tech-architect is a party to the disagreement) was to decide by ${m.dueBy} and has not, and no role above it on the area's escalation path has anyone independent to take the decision over`,
    );
  });
});

describe("the escalation sweep's steps for a disagreement", () => {
  const plan = (decision: Decision, now: Date, done: number[] = []) =>
    planEscalations({
      decision,
      policy,
      pendingSince: new Date(PUSHED_AT),
      now,
      expedited: false,
      alreadyEscalated: done.map((step) => ({
        requirement: "infra/cost-increase#mediation",
        step,
      })),
    }).filter((s) => s.mediation);

  it("tells the mediator once (step 1), then, past the deadline, takes the decision to the next role (step 2), once", () => {
    const facts = prFacts([costly], { reviews: crossFunctional });
    const monday = evaluate(policy, facts, NOW);
    expect(plan(monday, NOW)).toEqual([
      {
        requirement: "infra/cost-increase#mediation",
        area: "infra",
        step: 1,
        toRole: "tech-architect",
        dueAt: new Date("2026-11-23T11:00:00.000Z"),
        missing: ["finance"],
        mediation: {
          requirement: "infra/cost-increase",
          kind: "decide",
          mediator: "tech-architect",
        },
      },
    ]);
    expect(plan(monday, NOW, [1])).toEqual([]);

    const tuesday = evaluate(policy, facts, TUESDAY_NOON);
    const [overdue, ...rest] = plan(tuesday, TUESDAY_NOON, [1]);
    expect(rest).toEqual([]);
    expect(overdue).toMatchObject({
      requirement: "infra/cost-increase#mediation",
      step: 2,
      toRole: "vp-engineering",
      dueAt: new Date(DUE),
      mediation: { kind: "overdue", mediator: "tech-architect" },
    });
    expect(plan(tuesday, TUESDAY_NOON, [1, 2])).toEqual([]);
    expect(mediationNotice(overdue!, ["@vic"])).toBe(
      `⏰ The mediator's decision on \`infra/cost-increase\` (tech-architect) was due ${DUE} and has not come. Escalating the decision to **vp-engineering** (next on the infra escalation path): @vic — please decide with \`/governance decide approve <rationale>\` or \`/governance decide reject <rationale>\`.`,
    );
    // The marker the sweep writes reads back as this step, apart from the requirement's SLA steps.
    expect(
      parseEscalationMarkers(
        [`⏰ …\n${escalationMarker(overdue!.requirement, overdue!.step, HEAD)}`],
        HEAD,
      ),
    ).toEqual([{ requirement: "infra/cost-increase#mediation", step: 2 }]);
  });

  it("nothing once the mediator decided, and no step 2 where nobody is above the mediator", () => {
    const decided = evaluate(
      policy,
      prFacts([costly], {
        reviews: crossFunctional,
        comments: [
          comment("tara", "/governance decide reject Not budgeted", "2026-11-23T11:30:00Z"),
        ],
      }),
      TUESDAY_NOON,
    );
    expect(plan(decided, TUESDAY_NOON)).toEqual([]);

    const top = evaluate(
      policy,
      prFacts([routeRemoved], { reviews: [approval("tara"), changesRequested("pat")] }),
      TUESDAY_NOON,
    );
    const steps = planEscalations({
      decision: top,
      policy,
      pendingSince: new Date(PUSHED_AT),
      now: TUESDAY_NOON,
      expedited: false,
      alreadyEscalated: [{ requirement: "http-api/api-breaking#mediation", step: 1 }],
    });
    expect(steps.filter((s) => s.mediation)).toEqual([]);
  });
});
