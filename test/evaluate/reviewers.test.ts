import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, added, approval, fixture, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Whom the gate asks to review: only people whose sign-off can count. Asking
 * someone who cannot sign (or treating their own review as covering a role)
 * stalls the pull request: the check fails closed and nobody who could pass it
 * is asked.
 */
const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [abe, bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
`;
const DROP_COLUMN = added(
  "prisma/migrations/20261120093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
});

describe("reviewers requested for a destructive migration (dba-lead + backend-lead + sre-lead)", () => {
  it("asks the other Backend Lead when the author, a Backend Lead, approved their own change", () => {
    const d = evaluate(
      policy,
      prFacts([DROP_COLUMN], { author: "abe", reviews: [approval("abe")] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.reviewersToRequest.users).toEqual(["bea", "dan", "sam"]);
  });

  it("never asks a contributor, whose sign-off would not count, even when their name sorts first", () => {
    const d = evaluate(policy, prFacts([DROP_COLUMN], { contributors: ["abe"] }), NOW);
    expect(d.reviewersToRequest.users).toEqual(["bea", "dan", "sam"]);
  });

  it("and a contributor's review covers no role: the independent Backend Lead is still asked", () => {
    const d = evaluate(
      policy,
      prFacts([DROP_COLUMN], { contributors: ["abe"], reviews: [approval("abe")] }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.reviewersToRequest.users).toEqual(["bea", "dan", "sam"]);
  });

  it("asks contributors when the policy lets them sign", async () => {
    const lenient = await policyFrom(`${BINDINGS}signoff: { contributorsCanSign: true }\n`);
    const d = evaluate(lenient, prFacts([DROP_COLUMN], { contributors: ["abe"] }), NOW);
    expect(d.reviewersToRequest.users).toEqual(["abe", "dan", "sam"]);
  });
});
