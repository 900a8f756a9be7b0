import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { Membership } from "../../src/evaluate/membership.js";
import { NOW, approval, pathOnly, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Who holds a role (src/evaluate/membership.ts). Mutation testing left these
 * unchecked: a role bound to a user and a team counted as bound to nobody when
 * the two counts were subtracted, and team members compared in another case.
 */
const POLICY = `roles:
  dba-lead: { users: [Dan], teams: [acme/dba] }
  backend-lead: { users: [bea] }
areas:
  db:
    paths: ["db/**"]
    accountable: dba-lead
    level: 2
`;

describe("a role's members", () => {
  it("a role bound to one user and one team is bound to somebody: it is asked and its user signs", async () => {
    const policy = await policyFrom(POLICY);
    const membership = new Membership(policy, { "acme/dba": ["Ola"] });
    expect(membership.members("dba-lead").boundToNobody).toBe(false);
    const facts = prFacts([pathOnly("db/001_add_index.sql")], {
      teamMembers: { "acme/dba": ["Ola"] },
    });
    const unsigned = evaluate(policy, facts, NOW);
    expect(unsigned.problems.filter((p) => p.message.includes("bound to nobody"))).toEqual([]);
    expect(unsigned.conclusion).toBe("failure");
    expect(evaluate(policy, { ...facts, reviews: [approval("ola")] }, NOW).conclusion).toBe(
      "success",
    );
  });

  it("team members are known in lower case, whatever case GitHub lists them in; an unread team is unknown", async () => {
    const policy = await policyFrom(POLICY);
    const membership = new Membership(policy, { "acme/dba": ["Ola", "KAI"] });
    expect(membership.teamMembersOf("acme/dba")).toEqual(["ola", "kai"]);
    expect(membership.teamMembersOf("acme/sre")).toBeUndefined();
    expect(membership.isMember("kai", "dba-lead")).toBe(true);
    expect(membership.isMember("dan", "dba-lead")).toBe(true);
  });

  it("membership of a role with a team that could not be read is unknown, never 'not a member'", async () => {
    const policy = await policyFrom(POLICY);
    const membership = new Membership(policy, {});
    expect(membership.membershipIn("kai", ["dba-lead"])).toEqual({
      status: "unknown",
      unreadTeams: ["acme/dba"],
    });
    expect(membership.membershipIn("kai", ["backend-lead"])).toEqual({
      status: "not-member",
      unreadTeams: [],
    });
    expect(membership.membershipIn("dan", ["dba-lead"])).toEqual({
      status: "member",
      unreadTeams: [],
    });
  });
});
