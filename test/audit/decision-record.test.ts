import { beforeAll, describe, expect, it } from "vitest";
import {
  boundSummary,
  buildDecisionRecord,
  buildPolicyFailureRecord,
  CHECK_FIELD_LIMIT,
  readDecisionRecord,
  RECORD_LIMIT,
  withDecisionRecord,
  type DecisionRecord,
} from "../../src/audit/decision-record.js";
import { withHeadState, readHeadState } from "../../src/github/check-state.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { renderSummary } from "../../src/render/summary.js";
import { HEAD, NOW, added, approval, comment, fixture, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  incident-commander: { users: [ivy] }
  product-owner: { users: [pat] }
`;
const migration = added(
  "prisma/migrations/20261120093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);
const BASE = { ref: "main", sha: "0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4" };

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
});

function recordOf(facts: ReturnType<typeof prFacts>): DecisionRecord {
  const decision = evaluate(policy, facts, NOW);
  return buildDecisionRecord({
    decision,
    policy,
    facts,
    pullRequest: 12,
    base: BASE,
    policySource: ".github/governance.yml",
    policyProblems: [],
    arrivedAt: "2026-11-23T10:00:00Z",
  });
}

describe("the decision record", () => {
  it("names each sign-off's review or comment and its time, and each refused command with why", () => {
    const review = approval("dan", "2026-11-23T10:30:00Z");
    const command = comment("bea", "/approve-level3", "2026-11-23T11:15:00Z");
    const early = comment("sam", "/approve-level3", "2026-11-23T09:00:00Z");
    const record = recordOf(
      prFacts([migration], { reviews: [review], comments: [command, early] }),
    );

    expect(record).toMatchObject({
      recordVersion: 1,
      pullRequest: 12,
      head: HEAD,
      base: BASE,
      arrivedAt: "2026-11-23T10:00:00Z",
      conclusion: "failure",
      outcome: "decided",
      level: 3,
      policy: {
        source: ".github/governance.yml",
        commit: BASE.sha,
        lint: { errors: 0, warnings: 0 },
        emergencyReviewWithinHours: 24,
      },
      areas: [{ id: "prisma", level: 3, accountable: "backend-lead" }],
      requirements: [
        {
          id: "prisma/migration-destructive",
          area: "prisma",
          level: 3,
          roles: ["dba-lead", "backend-lead", "sre-lead"],
          satisfied: false,
        },
      ],
    });
    expect(record.signoffs).toEqual([
      {
        requirement: "prisma/migration-destructive",
        area: "prisma",
        role: "dba-lead",
        login: "dan",
        via: "review",
        reviewId: review.id,
        at: "2026-11-23T10:30:00Z",
      },
      {
        requirement: "prisma/migration-destructive",
        area: "prisma",
        role: "backend-lead",
        login: "bea",
        via: "command",
        commentId: command.id,
        at: "2026-11-23T11:15:00Z",
      },
    ]);
    expect(record.refused).toEqual([
      {
        login: "sam",
        commentId: early.id,
        command: "/approve-level3",
        reason: expect.stringContaining("posted before the current commit arrived"),
      },
    ]);
    expect(record.policy.sla).toMatchObject({
      timezone: policy.sla.timezone,
      review: policy.sla.review,
    });
    expect(record.emergency).toBeUndefined();
  });

  it("records an emergency override: who, why, which comment, when, and what it bypassed", () => {
    const declared = comment(
      "ivy",
      "/emergency rollback of the avatar migration, P0 INC-231",
      "2026-11-23T10:45:00Z",
    );
    const record = recordOf(
      prFacts([migration], { reviews: [approval("dan")], comments: [declared] }),
    );
    expect(record.conclusion).toBe("success");
    expect(record.emergency).toEqual({
      by: "ivy",
      reason: "rollback of the avatar migration, P0 INC-231",
      commentId: declared.id,
      at: "2026-11-23T10:45:00Z",
      bypassed: ["prisma/migration-destructive"],
      ticketBypassed: false,
    });
  });

  it("is hidden on the summary's last line and read back whole; the summary a reviewer reads is unchanged above it", () => {
    const facts = prFacts([migration], { reviews: [approval("dan")] });
    const decision = evaluate(policy, facts, NOW);
    const record = recordOf(facts);
    const visible = renderSummary(decision, policy);
    const summary = withDecisionRecord(visible, record);
    const lines = summary.split("\n");
    expect(lines.at(-1)).toMatch(/^<!-- governance-gate:decision \{.*\} -->$/);
    // A blank line before it makes it an HTML block Markdown hides.
    expect(lines.at(-2)).toBe("");
    expect(summary.startsWith(visible.trimEnd())).toBe(true);
    expect(readDecisionRecord(summary)).toEqual({ status: "ok", record });
  });

  it("keeps text people wrote from closing the comment early", () => {
    const declared = comment(
      "ivy",
      "/emergency outage --> <img src=x> <!-- governance-gate:decision {} -->",
      "2026-11-23T10:45:00Z",
    );
    const record = recordOf(prFacts([migration], { comments: [declared] }));
    const line = withDecisionRecord("summary", record).split("\n").at(-1)!;
    expect(line.slice("<!-- governance-gate:decision ".length, -" -->".length)).not.toMatch(/<|>/);
    expect(readDecisionRecord(`summary\n\n${line}`)).toMatchObject({
      status: "ok",
      record: {
        emergency: { reason: "outage --> <img src=x> <!-- governance-gate:decision {} -->" },
      },
    });
  });

  it("is read only from the last line: a record-looking line anywhere else is not a record", () => {
    const record = recordOf(prFacts([migration]));
    const forged = withDecisionRecord("x", { ...record, conclusion: "success" })
      .split("\n")
      .at(-1)!;
    expect(readDecisionRecord(`${forged}\n\nthe rest of a summary`)).toEqual({ status: "absent" });
  });

  it("reports a newer version without guessing at its fields, and a damaged record as invalid", () => {
    const newer = `summary\n\n<!-- governance-gate:decision {"recordVersion":2,"somethingNew":{"x":1}} -->`;
    expect(readDecisionRecord(newer)).toEqual({ status: "newer", version: 2 });
    expect(
      readDecisionRecord(
        `summary\n\n<!-- governance-gate:decision {"recordVersion":1,"head":1} -->`,
      ),
    ).toMatchObject({ status: "invalid" });
    expect(
      readDecisionRecord(`summary\n\n<!-- governance-gate:decision {"recordVersion":1, -->`),
    ).toMatchObject({ status: "invalid", reason: expect.stringContaining("not JSON") });
  });

  it("fits its budget by cutting lists, counting what was left off, and stays valid JSON", () => {
    const record = recordOf(prFacts([migration], { reviews: [approval("dan")] }));
    const many: DecisionRecord = {
      ...record,
      requirements: Array.from({ length: 3000 }, (_, i) => ({
        id: `area-${i}/base`,
        area: `area-${i}`,
        level: 2 as const,
        roles: [`role-${i}`],
        satisfied: true,
      })),
      signoffs: Array.from({ length: 3000 }, (_, i) => ({
        requirement: `area-${i}/base`,
        area: `area-${i}`,
        role: `role-${i}`,
        login: `user-${i}`,
        via: "review" as const,
        reviewId: i,
        at: "2026-11-23T11:00:00Z",
      })),
    };
    const summary = withDecisionRecord("summary", many);
    const line = summary.split("\n").at(-1)!;
    expect(line.length).toBeLessThanOrEqual(RECORD_LIMIT);
    const read = readDecisionRecord(summary);
    if (read.status !== "ok") throw new Error(`expected a record, got ${read.status}`);
    expect(read.record.requirements.length + read.record.truncated!.requirements!).toBe(3000);
    expect(read.record.signoffs.length + read.record.truncated!.signoffs!).toBe(3000);
    expect(read.record.signoffs[0]).toEqual(many.signoffs[0]);
  });

  it("keeps a summary within GitHub's limit with the state line first and the record last", () => {
    const record = recordOf(prFacts([migration], { reviews: [approval("dan")] }));
    const body = `${"x".repeat(64_990)}\n`;
    const summary = withHeadState(withDecisionRecord(body, record), {
      prs: { "12": { conclusion: "failure", arrivedAt: "2026-11-23T10:00:00Z" } },
    });
    expect(summary.length).toBeGreaterThan(CHECK_FIELD_LIMIT);
    const bounded = boundSummary(summary);
    expect(bounded.length).toBeLessThanOrEqual(CHECK_FIELD_LIMIT);
    expect(readHeadState(bounded)?.prs["12"]?.conclusion).toBe("failure");
    expect(readDecisionRecord(bounded)).toMatchObject({
      status: "ok",
      record: { pullRequest: 12, head: HEAD },
    });
    expect(bounded).toContain("summary truncated");
    // Within the limit nothing changes.
    const small = withDecisionRecord("short", record);
    expect(boundSummary(small)).toBe(small);
  });

  it("records a head whose base policy failed lint: nothing decided, the check failed", () => {
    const record = buildPolicyFailureRecord({
      pullRequest: 3,
      head: HEAD,
      base: BASE,
      policySource: ".github/governance.yml",
      policyProblems: [
        {
          severity: "error",
          file: ".github/governance.yml",
          line: 3,
          col: 19,
          path: "roles.backend-lead.user",
          message: 'unknown key "user"',
        },
        {
          severity: "warning",
          file: ".github/governance.yml",
          line: 9,
          col: 1,
          path: "areas",
          message: "w",
        },
      ],
    });
    expect(readDecisionRecord(withDecisionRecord("s", record))).toMatchObject({
      status: "ok",
      record: {
        outcome: "policy-invalid",
        conclusion: "failure",
        policy: { lint: { errors: 1, warnings: 1 } },
      },
    });
  });
});
