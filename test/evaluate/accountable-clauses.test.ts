import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { NOW, approval, pathOnly, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * `$accountable` is one sign-off of any accountable role. Beside a role that is
 * itself one of several accountables, it is still a second sign-off: the
 * mutant that dropped it whenever the first accountable was also named
 * (requirements.ts `clausesOf`, survivor of the Stryker run) let one person
 * pass a rule that asks for two.
 */
const POLICY = `roles:
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
unowned: { reviewers: [dba-lead, sre-lead] }
areas:
  web:
    paths: ["web/**"]
    accountable: sre-lead
    level: 1
rules:
  resize:
    when: { paths: ["db/**"] }
    level: 3
    approvers: [$accountable, dba-lead]
`;

describe("$accountable beside one of several accountables", () => {
  it("needs a second person: the DBA lead alone does not pass an unowned file's rule", async () => {
    const policy = await policyFrom(POLICY);
    const files = [pathOnly("db/migrations/001_resize.sql")];
    const alone = evaluate(policy, prFacts(files, { reviews: [approval("dan")] }), NOW);
    expect(alone.conclusion).toBe("failure");
    const both = evaluate(
      policy,
      prFacts(files, { reviews: [approval("dan"), approval("sam")] }),
      NOW,
    );
    expect(both.conclusion).toBe("success");
  });
});
