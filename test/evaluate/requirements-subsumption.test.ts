import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { NOW, approval, pathOnly, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Two fail-open mutants of src/evaluate/requirements.ts survived the engine's tests
 * (docs/mutation-testing.md): `$accountable` beside other approvers dropped from a
 * rule, and a requirement "implied" by another of its area that asks other roles.
 */
const POLICY = `roles:
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
areas:
  db:
    paths: ["db/**"]
    accountable: dba-lead
    level: 1
rules:
`;
const migration = pathOnly("db/migrations/001_resize.sql");
const clausesOf = (d: ReturnType<typeof evaluate>) =>
  d.requirements.map((r) => [r.id, r.clauses.map((c) => c.roles)]);

describe("a rule's approvers", () => {
  it("$accountable beside another role stays a sign-off of its own", async () => {
    const policy = await policyFrom(`${POLICY}  resize:
    when: { paths: ["db/migrations/**"] }
    level: 3
    approvers: [$accountable, sre-lead]
`);
    const d = evaluate(policy, prFacts([migration], { reviews: [approval("sam")] }), NOW);
    expect(clausesOf(d)).toEqual([["db/resize", [["dba-lead"], ["sre-lead"]]]]);
    expect(d.conclusion).toBe("failure");
  });
});

describe("one requirement implies another only when it asks for the same sign-offs", () => {
  it("a level 3 requirement of the SRE lead does not stand in for a level 2 one of the DBA lead", async () => {
    const policy = await policyFrom(`${POLICY}  dba-review:
    when: { paths: ["db/**"] }
    level: 2
    approvers: [dba-lead]
  sre-review:
    when: { paths: ["db/migrations/**"] }
    level: 3
    approvers: [sre-lead]
`);
    const d = evaluate(policy, prFacts([migration], { reviews: [approval("sam")] }), NOW);
    expect(clausesOf(d)).toEqual([
      ["db/dba-review", [["dba-lead"]]],
      ["db/sre-review", [["sre-lead"]]],
    ]);
    expect(d.conclusion).toBe("failure");
    const both = evaluate(
      policy,
      prFacts([migration], { reviews: [approval("sam"), approval("dan")] }),
      NOW,
    );
    expect(both.conclusion).toBe("success");
  });

  it("a choice of the DBA or SRE lead does not stand in for a choice of the DBA or QA lead", async () => {
    const policy =
      await policyFrom(`${POLICY.replace("areas:", "  qa-lead: { users: [quinn] }\nareas:")}  dba-or-qa:
    when: { paths: ["db/**"] }
    level: 2
    approvers: { any: [dba-lead, qa-lead], count: 1 }
  dba-or-sre:
    when: { paths: ["db/migrations/**"] }
    level: 3
    approvers: { any: [dba-lead, sre-lead], count: 1 }
`);
    const d = evaluate(policy, prFacts([migration], { reviews: [approval("sam")] }), NOW);
    expect(d.requirements.map((r) => r.id)).toEqual(["db/dba-or-qa", "db/dba-or-sre"]);
    expect(d.conclusion).toBe("failure");
  });

  it("one DBA sign-off at a higher level does not stand in for two", async () => {
    const policy =
      await policyFrom(`${POLICY.replace("dba-lead: { users: [dan] }", "dba-lead: { users: [dan, dora] }")}  two-dbas:
    when: { paths: ["db/**"] }
    level: 2
    approvers: { any: [dba-lead], count: 2 }
  one-dba:
    when: { paths: ["db/migrations/**"] }
    level: 3
    approvers: { any: [dba-lead], count: 1 }
`);
    const d = evaluate(policy, prFacts([migration], { reviews: [approval("dan")] }), NOW);
    expect(d.requirements.map((r) => r.id)).toEqual(["db/two-dbas", "db/one-dba"]);
    expect(d.conclusion).toBe("failure");
  });

  it("one that asks for the same sign-off at a higher level does imply it", async () => {
    const policy = await policyFrom(`${POLICY}  dba-review:
    when: { paths: ["db/**"] }
    level: 2
    approvers: [dba-lead]
  dba-joint:
    when: { paths: ["db/migrations/**"] }
    level: 3
    approvers: [dba-lead, sre-lead]
`);
    const d = evaluate(policy, prFacts([migration]), NOW);
    expect(clausesOf(d)).toEqual([["db/dba-joint", [["dba-lead"], ["sre-lead"]]]]);
  });
});
