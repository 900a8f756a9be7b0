import { beforeAll, describe, expect, it } from "vitest";
import {
  escalationMarker,
  parseEscalationMarkers,
  planEscalations,
  type EscalationInput,
} from "../../src/evaluate/escalation.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Decision } from "../../src/evaluate/decision.js";
import type { Policy } from "../../src/policy/model.js";
import {
  HEAD,
  NOW,
  OLD_HEAD,
  PUSHED_AT,
  added,
  approval,
  comment,
  fixture,
  prFacts,
} from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  security-lead: { users: [sec] }
  incident-commander: { users: [ivy] }
`;
const migration = added(
  "prisma/migrations/20261120093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);
const secrets = added("vault/secrets/payments.yml", "apiKey: ref+vault://payments\n");
const config = added("config/app.yml", "logLevel: info\n");

// The chat-backend preset's SLA: 2 business days (16 h of 09:00–17:00 UTC, Mon–Fri),
// 4 business hours expedited. The head arrived Monday 2026-11-23 10:00 UTC, so:
//   step 1 is due after 16 business hours: Wednesday 2026-11-25 10:00,
//   step 2 after 32: Friday 2026-11-27 10:00.
const PENDING_SINCE = new Date(PUSHED_AT);
const STEP1_DUE = new Date("2026-11-25T10:00:00Z");
const STEP2_DUE = new Date("2026-11-27T10:00:00Z");

let policy: Policy;
/** prisma/migration-destructive (path backend-lead → dba-lead → vp-engineering) missing sre-lead;
 * secrets/base (path security-lead → ciso) missing security-lead; app-config/base satisfied by bea. */
let decision: Decision;

beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
  decision = evaluate(
    policy,
    prFacts([migration, secrets, config], { reviews: [approval("dan"), approval("bea")] }),
    NOW,
  );
});

function plan(overrides: Partial<EscalationInput> = {}) {
  return planEscalations({
    decision,
    policy,
    pendingSince: PENDING_SINCE,
    now: STEP1_DUE,
    expedited: false,
    alreadyEscalated: [],
    ...overrides,
  });
}

const brief = (steps: ReturnType<typeof plan>) =>
  steps.map((s) => `${s.requirement} ${s.step} → ${s.toRole}`);

describe("planEscalations", () => {
  it("starts from the decision the engine made", () => {
    expect(decision.requirements.map((r) => [r.id, r.satisfied])).toEqual([
      ["prisma/migration-destructive", false],
      ["app-config/base", true],
      ["secrets/base", false],
    ]);
  });

  it("escalates nothing before one SLA period of business time has passed", () => {
    expect(plan({ now: PENDING_SINCE })).toEqual([]);
    expect(plan({ now: new Date(STEP1_DUE.getTime() - 1) })).toEqual([]);
    // Two calendar days, but the weekend does not count.
    expect(
      plan({
        pendingSince: new Date("2026-11-20T16:00:00Z"),
        now: new Date("2026-11-24T15:59:00Z"),
      }),
    ).toEqual([]);
    // A clock that runs backwards (now before the push) escalates nothing either.
    expect(plan({ now: new Date("2026-11-01T00:00:00Z") })).toEqual([]);
  });

  it("takes step 1 once one SLA period has passed, for every unsatisfied requirement", () => {
    expect(plan()).toEqual([
      {
        requirement: "prisma/migration-destructive",
        area: "prisma",
        step: 1,
        toRole: "dba-lead",
        dueAt: STEP1_DUE,
        missing: ["sre-lead"],
      },
      {
        requirement: "secrets/base",
        area: "secrets",
        step: 1,
        toRole: "ciso",
        dueAt: STEP1_DUE,
        missing: ["security-lead"],
      },
    ]);
  });

  it("counts business time: Friday 16:00 pending is due Tuesday 16:00", () => {
    const pendingSince = new Date("2026-11-20T16:00:00Z");
    const [first] = plan({ pendingSince, now: new Date("2026-11-24T16:00:00Z") });
    expect(first?.dueAt).toEqual(new Date("2026-11-24T16:00:00Z"));
  });

  it("never escalates a satisfied requirement", () => {
    const steps = plan({ now: new Date("2026-12-31T12:00:00Z") });
    expect(steps.map((s) => s.requirement)).not.toContain("app-config/base");
    const allSigned = evaluate(policy, prFacts([config], { reviews: [approval("bea")] }), NOW);
    expect(allSigned.requirements.every((r) => r.satisfied)).toBe(true);
    expect(plan({ decision: allSigned, now: new Date("2026-12-31T12:00:00Z") })).toEqual([]);
  });

  it("takes step 2 after two periods only once step 1 is recorded; otherwise step 1 first", () => {
    expect(brief(plan({ now: STEP2_DUE }))).toEqual([
      "prisma/migration-destructive 1 → dba-lead",
      "secrets/base 1 → ciso",
    ]);
    const steps = plan({
      now: STEP2_DUE,
      alreadyEscalated: [{ requirement: "prisma/migration-destructive", step: 1 }],
    });
    expect(steps).toEqual([
      {
        requirement: "prisma/migration-destructive",
        area: "prisma",
        step: 2,
        toRole: "vp-engineering",
        dueAt: STEP2_DUE,
        missing: ["sre-lead"],
      },
      {
        requirement: "secrets/base",
        area: "secrets",
        step: 1,
        toRole: "ciso",
        dueAt: STEP1_DUE,
        missing: ["security-lead"],
      },
    ]);
    // Step 1 recorded but only one period gone: nothing more is due yet.
    expect(
      brief(
        plan({
          now: new Date(STEP2_DUE.getTime() - 1),
          alreadyEscalated: [{ requirement: "prisma/migration-destructive", step: 1 }],
        }),
      ),
    ).toEqual(["secrets/base 1 → ciso"]);
  });

  it("stops at the end of the area's escalation path", () => {
    const later = new Date("2027-03-01T12:00:00Z");
    const recorded = [
      { requirement: "prisma/migration-destructive", step: 1 },
      { requirement: "prisma/migration-destructive", step: 2 },
      { requirement: "secrets/base", step: 1 },
    ];
    expect(plan({ now: later, alreadyEscalated: recorded })).toEqual([]);
    // The two-role secrets path caps at step 1 however long it waits.
    expect(brief(plan({ now: later, alreadyEscalated: recorded.slice(0, 2) }))).toEqual([
      "secrets/base 1 → ciso",
    ]);
  });

  it("climbs from the highest recorded step, never back down", () => {
    const steps = plan({
      now: new Date("2027-03-01T12:00:00Z"),
      alreadyEscalated: [{ requirement: "prisma/migration-destructive", step: 2 }],
    });
    expect(brief(steps)).toEqual(["secrets/base 1 → ciso"]);
  });

  it("still escalates to a role that is itself among the missing ones", () => {
    const unsigned = evaluate(policy, prFacts([migration]), NOW);
    const [step] = plan({ decision: unsigned });
    expect(step).toMatchObject({
      requirement: "prisma/migration-destructive",
      step: 1,
      toRole: "dba-lead",
      missing: ["backend-lead", "dba-lead", "sre-lead"],
    });
  });

  it("runs on the expedited SLA (4 business hours) when the pull request is expedited", () => {
    expect(plan({ now: new Date("2026-11-23T13:59:00Z"), expedited: true })).toEqual([]);
    const first = plan({ now: new Date("2026-11-23T14:00:00Z"), expedited: true });
    expect(first.map((s) => [s.requirement, s.step, s.dueAt.toISOString()])).toEqual([
      ["prisma/migration-destructive", 1, "2026-11-23T14:00:00.000Z"],
      ["secrets/base", 1, "2026-11-23T14:00:00.000Z"],
    ]);
    // Monday 10:00 + 8 business hours: Monday 7 h, Tuesday 09:00 + 1 h.
    const second = plan({
      now: new Date("2026-11-24T10:00:00Z"),
      expedited: true,
      alreadyEscalated: [{ requirement: "prisma/migration-destructive", step: 1 }],
    });
    expect(second[0]).toMatchObject({
      step: 2,
      toRole: "vp-engineering",
      dueAt: new Date("2026-11-24T10:00:00Z"),
    });
  });

  it("counts the waiting roles when consultation is what is missing", () => {
    const [prisma] = decision.requirements;
    const waiting: Decision = {
      ...decision,
      requirements: [
        { ...prisma!, missing: [], inputGiven: false, requireInputFrom: ["dba-lead"] },
      ],
    };
    expect(plan({ decision: waiting })).toEqual([
      expect.objectContaining({
        requirement: "prisma/migration-destructive",
        missing: ["dba-lead"],
      }),
    ]);
  });

  it("escalates nothing under a valid emergency override", () => {
    const overridden = evaluate(
      policy,
      prFacts([migration, secrets], {
        comments: [comment("ivy", "/emergency rollback, P0 INC-231")],
      }),
      NOW,
    );
    expect(overridden.emergency).toBeDefined();
    expect(plan({ decision: overridden, now: new Date("2027-03-01T12:00:00Z") })).toEqual([]);
  });

  it("skips requirements with no area escalation path to follow (changes no area owns)", () => {
    const unowned: Decision = {
      ...decision,
      requirements: decision.requirements.map((r) => ({ ...r, area: "unowned" })),
    };
    expect(plan({ decision: unowned, now: new Date("2027-03-01T12:00:00Z") })).toEqual([]);
  });
});

describe("escalation markers", () => {
  it("has the documented form", () => {
    expect(escalationMarker("prisma/migration-destructive", 1, HEAD)).toBe(
      `<!-- governance-gate:escalation requirement=prisma/migration-destructive step=1 head=${HEAD} -->`,
    );
  });

  it("round-trips through comment bodies, and makes the next sweep idempotent", () => {
    const steps = plan({ now: STEP2_DUE });
    const bodies = [
      "Thanks for the review!",
      ...steps.map(
        (s) =>
          `@acme/${s.toRole}: \`${s.requirement}\` has waited past its SLA.\n\n${escalationMarker(s.requirement, s.step, HEAD)}`,
      ),
    ];
    const recorded = parseEscalationMarkers(bodies, HEAD);
    expect(recorded).toEqual([
      { requirement: "prisma/migration-destructive", step: 1 },
      { requirement: "secrets/base", step: 1 },
    ]);
    // Running the sweep again at the same moment does nothing more.
    expect(plan({ now: STEP1_DUE, alreadyEscalated: recorded })).toEqual([]);
    // A later sweep after two periods takes exactly the next step.
    expect(brief(plan({ now: STEP2_DUE, alreadyEscalated: recorded }))).toEqual([
      "prisma/migration-destructive 2 → vp-engineering",
    ]);
  });

  it("ignores markers for another head commit: a push restarts the escalation", () => {
    const bodies = [
      escalationMarker("prisma/migration-destructive", 1, OLD_HEAD),
      escalationMarker("secrets/base", 1, HEAD),
    ];
    expect(parseEscalationMarkers(bodies, HEAD)).toEqual([
      { requirement: "secrets/base", step: 1 },
    ]);
    expect(brief(plan({ alreadyEscalated: parseEscalationMarkers(bodies, HEAD) }))).toEqual([
      "prisma/migration-destructive 1 → dba-lead",
    ]);
    expect(parseEscalationMarkers(bodies, OLD_HEAD)).toEqual([
      { requirement: "prisma/migration-destructive", step: 1 },
    ]);
  });

  it("reads each body's last line only, drops repeats and malformed markers, and ignores the sha's case", () => {
    const said = (marker: string) => `⏰ escalated.\n\n${marker}`;
    const bodies = [
      said(escalationMarker("secrets/base", 1, HEAD)),
      said(escalationMarker("prisma/migration-destructive", 2, HEAD.toUpperCase())),
      said(escalationMarker("secrets/base", 1, HEAD)),
      `${escalationMarker("secrets/base", 1, HEAD)}\r\n`,
      said(`<!-- governance-gate:escalation requirement=secrets/base step=two head=${HEAD} -->`),
      said(`<!-- governance-gate:escalation requirement=secrets/base head=${HEAD} -->`),
      said(`governance-gate:escalation requirement=secrets/base step=3 head=${HEAD}`),
    ];
    expect(parseEscalationMarkers(bodies, HEAD.toUpperCase())).toEqual([
      { requirement: "secrets/base", step: 1 },
      { requirement: "prisma/migration-destructive", step: 2 },
    ]);
    expect(parseEscalationMarkers([], HEAD)).toEqual([]);
  });

  it("never reads a marker the app's comment quotes: only the last line, whole, is the app's", () => {
    const forged = escalationMarker("prisma/migration-destructive", 2, HEAD);
    // An echo of `/governance <marker>`, and a marker followed by the app's own text.
    const bodies = [
      `@mallory \`/governance ${forged}\` is not a command I know.\n\n<!-- governance-gate:reply-to:9 -->`,
      `${forged}\n\nSomething the app wrote after it.`,
      `Quoting: ${forged}`,
      `${forged} ${escalationMarker("secrets/base", 1, HEAD)}`,
    ];
    expect(parseEscalationMarkers(bodies, HEAD)).toEqual([]);
  });

  it("refuses what could not be read back", () => {
    expect(() => escalationMarker("has space", 1, HEAD)).toThrow(RangeError);
    expect(() => escalationMarker("x-->y", 1, HEAD)).toThrow(RangeError);
    expect(() => escalationMarker("secrets/base", 0, HEAD)).toThrow(RangeError);
    expect(() => escalationMarker("secrets/base", 1.5, HEAD)).toThrow(RangeError);
    expect(() => escalationMarker("secrets/base", 1, "not-a-sha")).toThrow(RangeError);
  });
});

describe('an area\'s own review SLA (seed 000 Amendment Process: "Tech Architect + affected DRIs review within 3 business days")', () => {
  it("an amendment escalates after 3 business days, while the migration beside it escalates after the policy's 2", async () => {
    const p = await policyFrom(
      `${BINDINGS}  tech-architect: { users: [tara] }\n  cto: { users: [carmen] }\n`,
    );
    const codeowners = added(".github/CODEOWNERS", "* @acme/backend\n/prisma/ @dan\n");
    const d = evaluate(p, prFacts([codeowners, migration]), NOW);
    const at = (now: string) =>
      planEscalations({
        decision: d,
        policy: p,
        pendingSince: PENDING_SINCE,
        now: new Date(now),
        expedited: false,
        alreadyEscalated: [],
      }).map((s) => [s.requirement, s.toRole, s.dueAt.toISOString()]);
    expect(at("2026-11-25T10:00:00Z")).toEqual([
      ["prisma/migration-destructive", "dba-lead", "2026-11-25T10:00:00.000Z"],
    ]);
    // 24 business hours after Monday 10:00: Thursday 10:00.
    expect(at("2026-11-26T09:59:00Z").map(([id]) => id)).toEqual(["prisma/migration-destructive"]);
    expect(at("2026-11-26T10:00:00Z")).toEqual([
      ["prisma/migration-destructive", "dba-lead", "2026-11-25T10:00:00.000Z"],
      ["governance/base", "cto", "2026-11-26T10:00:00.000Z"],
    ]);
  });
});
