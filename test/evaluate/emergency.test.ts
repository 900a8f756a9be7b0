import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { renderSummary, renderTitle } from "../../src/render/summary.js";
import { NOW, added, approval, comment, fixture, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  incident-commander: { users: [ivy] }
  product-owner: { users: [pat] }
`;
const migration = added("prisma/migrations/20261120093000_drop_avatar/migration.sql", fixture("prs/drop-column.migration.sql"));

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
});

describe("/emergency <reason>", () => {
  it("passes the check, names who overrode it and lists every bypassed requirement", () => {
    const d = evaluate(policy, prFacts([migration], { reviews: [approval("dan")], comments: [comment("ivy", "/emergency rollback of the avatar migration, P0 INC-231")] }), NOW);
    expect(d.conclusion).toBe("success");
    expect(d.emergency).toEqual({
      by: "ivy",
      reason: "rollback of the avatar migration, P0 INC-231",
      commentId: expect.any(Number),
      bypassed: [{ id: "prisma/migration-destructive", missing: [{ roles: ["backend-lead"], count: 1 }, { roles: ["sre-lead"], count: 1 }], roles: ["backend-lead", "dba-lead", "sre-lead"] }],
      ticketBypassed: false,
    });
    expect(renderTitle(d, policy)).toBe("Emergency override by @ivy: rollback of the avatar migration, P0 INC-231");
    const summary = renderSummary(d, policy);
    expect(summary).toContain("- `prisma/migration-destructive`: missing backend-lead + sre-lead");
    expect(summary).toContain("post-implementation review issue is opened for the bypassed approvers, due within 24 h");
    expect(d.commands).toContainEqual(expect.objectContaining({ login: "ivy", counted: true }));
  });

  it.each([
    ["without a reason", comment("ivy", "/emergency"), "a reason is required: `/emergency <what is broken and why this cannot wait>`"],
    ["from a role the policy does not authorise", comment("pat", "/emergency launch day"), "@pat is not a member of a role allowed to declare an emergency (backend-lead, incident-commander, dba-lead, sre-lead)"],
    ["before the latest push", comment("ivy", "/emergency outage", "2026-11-23T09:00:00Z"), "it was declared before the current commit arrived on this pull request (its latest push, force-push or change of base); declare it again for the current commit"],
    ["in an edited comment", comment("ivy", "/emergency outage", "2026-11-23T11:00:00Z", "2026-11-23T11:01:00Z"), "the comment was edited after it was posted; post `/emergency <reason>` in a new comment"],
  ])("is refused %s, and nothing is bypassed", (_case, c, reason) => {
    const d = evaluate(policy, prFacts([migration], { comments: [c] }), NOW);
    expect(d.conclusion).toBe("failure");
    expect(d.emergency).toBeUndefined();
    expect(d.commands).toEqual([expect.objectContaining({ counted: false, reason })]);
  });

  it("is refused from the author unless the policy allows it", async () => {
    const byAuthor = prFacts([migration], { author: "sam", comments: [comment("sam", "/emergency pager storm")] });
    expect(evaluate(policy, byAuthor, NOW).conclusion).toBe("failure");
    const lenient = await policyFrom(`${BINDINGS}emergency: { allowAuthor: true }\n`);
    expect(evaluate(lenient, byAuthor, NOW).emergency?.by).toBe("sam");
  });
});
