import { beforeAll, describe, expect, it } from "vitest";
import { planEscalations, type EscalationInput } from "../../src/evaluate/escalation.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Decision } from "../../src/evaluate/decision.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, PUSHED_AT, added, approval, fixture, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * A draft is not asking for review yet: the sweep escalates nothing about it,
 * and a pull request that was a draft has its review SLA start when it was
 * marked ready for review (or when its head arrived, if later).
 *
 * chat-backend's SLA: 2 business days (16 h of 09:00–17:00 UTC, Mon–Fri). The
 * head arrived Monday 2026-11-23 10:00 UTC.
 */

const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
`;
const migration = added(
  "prisma/migrations/20261120093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);

let policy: Policy;
/** prisma/migration-destructive, still missing sre-lead. */
let decision: Decision;

beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
  decision = evaluate(policy, prFacts([migration], { reviews: [approval("dan")] }), NOW);
});

function plan(overrides: Partial<EscalationInput>) {
  return planEscalations({
    decision,
    policy,
    pendingSince: new Date(PUSHED_AT),
    now: new Date(PUSHED_AT),
    expedited: false,
    alreadyEscalated: [],
    ...overrides,
  });
}

const brief = (steps: ReturnType<typeof plan>) =>
  steps.map((s) => `${s.requirement} ${s.step} → ${s.toRole} due ${s.dueAt.toISOString()}`);

describe("a draft", () => {
  it("is not escalated, however long it has waited", () => {
    // Eight business days after the head arrived: the whole path would be due.
    const now = new Date("2026-12-03T12:00:00Z");
    expect(brief(plan({ now }))).toEqual([
      "prisma/migration-destructive 1 → dba-lead due 2026-11-25T10:00:00.000Z",
    ]);
    expect(plan({ now, draft: true })).toEqual([]);
  });

  it("is not escalated even past a step already taken before it went back to draft", () => {
    const now = new Date("2026-12-03T12:00:00Z");
    const alreadyEscalated = [{ requirement: "prisma/migration-destructive", step: 1 }];
    expect(plan({ now, alreadyEscalated })).toHaveLength(1);
    expect(plan({ now, alreadyEscalated, draft: true })).toEqual([]);
  });
});

describe("a pull request marked ready for review", () => {
  it("an hour ago, after five days as a draft, is not overdue yet", () => {
    const now = new Date("2026-11-30T11:00:00Z"); // the next Monday
    const readyForReviewAt = new Date("2026-11-30T10:00:00Z");
    expect(plan({ now })).toHaveLength(1); // by the head's arrival alone it would be
    expect(plan({ now, readyForReviewAt })).toEqual([]);
  });

  it("three business days ago is overdue by one step, due two business days after it was marked ready", () => {
    const readyForReviewAt = new Date("2026-11-30T10:00:00Z"); // Monday
    const now = new Date("2026-12-03T10:00:00Z"); // Thursday
    expect(brief(plan({ now, readyForReviewAt }))).toEqual([
      "prisma/migration-destructive 1 → dba-lead due 2026-12-02T10:00:00.000Z",
    ]);
  });

  it("before its head arrived runs from the head's arrival", () => {
    const readyForReviewAt = new Date("2026-11-20T10:00:00Z"); // the Friday before
    const now = new Date("2026-11-25T09:30:00Z"); // before the step due by the head's arrival
    expect(plan({ now, readyForReviewAt })).toEqual([]);
    expect(brief(plan({ now: new Date("2026-11-25T10:00:00Z"), readyForReviewAt }))).toEqual([
      "prisma/migration-destructive 1 → dba-lead due 2026-11-25T10:00:00.000Z",
    ]);
  });

  it("at a time that cannot be read, still escalates by the head's arrival", () => {
    const now = new Date("2026-11-25T10:00:00Z");
    expect(brief(plan({ now, readyForReviewAt: new Date("not a time") }))).toEqual([
      "prisma/migration-destructive 1 → dba-lead due 2026-11-25T10:00:00.000Z",
    ]);
  });
});
