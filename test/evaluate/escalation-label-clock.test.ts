import { beforeAll, describe, expect, it } from "vitest";
import { planEscalations, type EscalationInput } from "../../src/evaluate/escalation.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Decision } from "../../src/evaluate/decision.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, PUSHED_AT, modified, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * A requirement a label brings appears when the label is added, not when the
 * head arrived: its approvers get their own SLA from the label's first
 * addition. A requirement a finding brings (it came with the head), or a label
 * whose time is unknown, keeps the head's clock: escalation only notifies, so
 * an early ping is the worst case, and no requirement is held back for good.
 *
 * chat-backend: `api-breaking` (tech-architect + product-owner, level 3) holds
 * for kind api-breaking or the label `breaking-change`; http-api's escalation
 * path is backend-lead → tech-architect → cto; a 2-business-day SLA
 * (Mon–Fri 09:00–17:00 UTC). The head arrived Monday 2026-11-23 10:00.
 */

const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  tech-architect: { users: [tara] }
  product-owner: { users: [pat] }
`;
/** An edit under src/api/ that breaks nothing by itself. */
const serviceEdit = modified(
  "src/api/users/users.service.ts",
  "export const pageSize = 20;\n",
  "export const pageSize = 25;\n",
);
/** A field removed from a DTO: the detector finds api-breaking in the file itself. */
const dtoBreak = modified(
  "src/api/users/user.dto.ts",
  "export interface UserDto {\n  id: string;\n  avatarUrl: string;\n}\n",
  "export interface UserDto {\n  id: string;\n}\n",
);
const LABEL_ADDED = new Date("2026-11-26T10:00:00Z"); // Thursday, three days after the push

let policy: Policy;
let labelOnly: Decision;
let found: Decision;

beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
  const labels = ["breaking-change"];
  labelOnly = evaluate(policy, prFacts([serviceEdit], { labels }), NOW);
  found = evaluate(policy, prFacts([dtoBreak], { labels }), NOW);
});

function plan(decision: Decision, overrides: Partial<EscalationInput>) {
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

describe("a requirement only a label brought", () => {
  it("starts from the decisions the engine made", () => {
    expect(labelOnly.requirements.map((r) => [r.id, r.satisfied])).toEqual([
      ["http-api/api-breaking", false],
    ]);
    expect(found.areas.find((a) => a.id === "http-api")?.changes.map((c) => c.kind)).toEqual([
      "api-breaking",
    ]);
  });

  it("is not overdue an hour after the label was added three days after the push", () => {
    const now = new Date("2026-11-26T11:00:00Z");
    const labels = [{ name: "breaking-change", firstAddedAt: LABEL_ADDED }];
    // By the head's arrival alone it would escalate at once.
    expect(plan(labelOnly, { now })).toHaveLength(1);
    expect(plan(labelOnly, { now, labels })).toEqual([]);
  });

  it("escalates two business days after the label was added", () => {
    const labels = [{ name: "Breaking-Change", firstAddedAt: LABEL_ADDED }];
    expect(plan(labelOnly, { now: new Date("2026-11-30T09:59:00Z"), labels })).toEqual([]);
    expect(brief(plan(labelOnly, { now: new Date("2026-11-30T10:00:00Z"), labels }))).toEqual([
      "http-api/api-breaking 1 → tech-architect due 2026-11-30T10:00:00.000Z",
    ]);
  });

  it("runs from the head's arrival when the label was added before it", () => {
    const labels = [{ name: "breaking-change", firstAddedAt: new Date("2026-11-20T10:00:00Z") }];
    expect(brief(plan(labelOnly, { now: new Date("2026-11-25T10:00:00Z"), labels }))).toEqual([
      "http-api/api-breaking 1 → tech-architect due 2026-11-25T10:00:00.000Z",
    ]);
  });

  it("runs from the head's arrival when none of the labels given is one its rule names", () => {
    const now = new Date("2026-11-26T11:00:00Z");
    const labels = [{ name: "documentation", firstAddedAt: LABEL_ADDED }];
    expect(brief(plan(labelOnly, { now, labels }))).toEqual([
      "http-api/api-breaking 1 → tech-architect due 2026-11-25T10:00:00.000Z",
    ]);
  });

  it("runs from the head's arrival when the label's time is unknown", () => {
    const now = new Date("2026-11-26T11:00:00Z");
    for (const firstAddedAt of [undefined, new Date("not a time")])
      expect(
        brief(plan(labelOnly, { now, labels: [{ name: "breaking-change", firstAddedAt }] })),
      ).toEqual(["http-api/api-breaking 1 → tech-architect due 2026-11-25T10:00:00.000Z"]);
  });
});

describe("a requirement two labels bring", () => {
  it("runs from the first of them to be added", async () => {
    const frozen = await policyFrom(`${BINDINGS}rules:
  api-freeze:
    description: "A frozen API needs the Tech Architect"
    areas: [http-api]
    when: { labels: [api-freeze, release-freeze] }
    level: 2
    approvers: [tech-architect]
`);
    const decision = evaluate(
      frozen,
      prFacts([serviceEdit], { labels: ["api-freeze", "release-freeze"] }),
      NOW,
    );
    expect(decision.requirements.map((r) => r.id)).toEqual(["http-api/api-freeze"]);
    const labels = [
      { name: "api-freeze", firstAddedAt: new Date("2026-11-27T10:00:00Z") }, // Friday
      { name: "release-freeze", firstAddedAt: LABEL_ADDED }, // Thursday
    ];
    const at = (now: string) =>
      brief(
        planEscalations({
          decision,
          policy: frozen,
          pendingSince: new Date(PUSHED_AT),
          now: new Date(now),
          expedited: false,
          alreadyEscalated: [],
          labels,
        }),
      );
    expect(at("2026-11-30T09:59:00Z")).toEqual([]);
    expect(at("2026-11-30T10:00:00Z")).toEqual([
      "http-api/api-freeze 1 → tech-architect due 2026-11-30T10:00:00.000Z",
    ]);
  });
});

describe("a requirement a finding brought with the head", () => {
  it("keeps the head's clock, though a label naming it came later", () => {
    const now = new Date("2026-11-26T11:00:00Z");
    const labels = [{ name: "breaking-change", firstAddedAt: LABEL_ADDED }];
    expect(brief(plan(found, { now, labels }))).toEqual([
      "http-api/api-breaking 1 → tech-architect due 2026-11-25T10:00:00.000Z",
    ]);
  });
});
