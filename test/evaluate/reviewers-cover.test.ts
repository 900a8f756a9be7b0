import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { Membership } from "../../src/evaluate/membership.js";
import { chooseReviewers, teamKey, type OpenSlot } from "../../src/evaluate/reviewers.js";
import type { Policy } from "../../src/policy/model.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * The reviewers asked for a pull request with many open sign-offs are the
 * greedy set cover's: each round asks whoever fills the most still-open slots
 * (a user before a team, then by name). chooseReviewers skips recounting
 * candidates that cannot win a round; it must ask exactly whom recounting
 * every candidate every round asks.
 */
const POLICY = `extends: chat-backend
roles:
  backend-lead: { users: [abe, bea] }
  dba-lead: { users: [dan, bea] }
  sre-lead: { users: [sam], teams: [acme/sre] }
  security-lead: { users: [sue, abe] }
  frontend-lead: { teams: [acme/web] }
  product-lead: { users: [pat, dan, sue], teams: [acme/sre] }
`;
// A team bound to two roles (acme/sre: sre-lead and product-lead) must count once
// for a slot that asks for either: counted twice, it would close one slot twice.
const ROLES = [
  "backend-lead",
  "dba-lead",
  "sre-lead",
  "security-lead",
  "frontend-lead",
  "product-lead",
];
const TEAMS = { "acme/sre": ["sam", "sid"], "acme/web": ["wes", "wil", "abe"] };
const PEOPLE = ["abe", "bea", "dan", "sam", "sue", "pat", "sid", "wes", "wil"];

/** The cover as first written: every slot and every candidate recounted every round. */
function reference(slots: OpenSlot[], membership: Membership, author: string) {
  const independent = (login: string) => login !== author;
  const canFill = (c: { kind: string; name: string }, slot: OpenSlot) =>
    c.kind === "user"
      ? !slot.signedBy.includes(c.name) && slot.roles.some((r) => membership.isMember(c.name, r))
      : slot.roles.some((r) => membership.members(r).teams.some((t) => teamKey(t) === c.name));
  const capacity = (c: { kind: string; name: string }) =>
    c.kind === "user"
      ? 1
      : (
          membership.teamMembersOf(Object.keys(TEAMS).find((t) => teamKey(t) === c.name)!) ?? []
        ).filter(independent).length;
  const open = slots.map(() => true);
  const pool: { kind: string; name: string }[] = [];
  for (const role of new Set(slots.flatMap((s) => s.roles))) {
    const members = membership.members(role);
    for (const u of members.users)
      if (independent(u) && !pool.some((c) => c.kind === "user" && c.name === u))
        pool.push({ kind: "user", name: u });
    for (const t of members.teams)
      if (!pool.some((c) => c.kind === "team" && c.name === teamKey(t)))
        pool.push({ kind: "team", name: teamKey(t) });
  }
  const gain = (c: { kind: string; name: string }) => {
    const used = new Map<string, number>();
    const closed: number[] = [];
    slots.forEach((slot, i) => {
      if (!open[i] || !canFill(c, slot)) return;
      const n = used.get(slot.requirement) ?? 0;
      if (n >= capacity(c)) return;
      used.set(slot.requirement, n + 1);
      closed.push(i);
    });
    return closed;
  };
  const before = (a: { kind: string; name: string }, b: { kind: string; name: string }) =>
    a.kind !== b.kind ? a.kind === "user" : a.name < b.name;
  const chosen: { kind: string; name: string }[] = [];
  for (;;) {
    let best: { kind: string; name: string } | undefined;
    let bestClosed: number[] = [];
    for (const c of pool) {
      if (chosen.includes(c)) continue;
      const closed = gain(c);
      if (
        closed.length > bestClosed.length ||
        (closed.length === bestClosed.length && closed.length > 0 && best && before(c, best))
      ) {
        best = c;
        bestClosed = closed;
      }
    }
    if (!best) break;
    chosen.push(best);
    for (const i of bestClosed) open[i] = false;
  }
  return {
    users: chosen
      .filter((c) => c.kind === "user")
      .map((c) => c.name)
      .sort(),
    teams: chosen
      .filter((c) => c.kind === "team")
      .map((c) => c.name)
      .sort(),
  };
}

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(POLICY);
});

describe("reviewers for many open sign-offs", () => {
  it("asks exactly whom the greedy cover that recounts every candidate asks", () => {
    const slot = fc.record({
      requirement: fc.constantFrom("svc/base", "svc/terraform", "db/migration", "web/base"),
      roles: fc.uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 3 }),
      signedBy: fc.uniqueArray(fc.constantFrom(...PEOPLE), { maxLength: 2 }),
    });
    fc.assert(
      fc.property(
        fc.array(slot, { minLength: 1, maxLength: 40 }),
        fc.constantFrom("abe", "pat", "outsider"),
        (slots, author) => {
          const membership = new Membership(policy, TEAMS);
          const chosen = chooseReviewers({
            slots,
            courtesyRoles: [],
            author,
            membership,
            requested: { users: [], teams: [] },
            reviewed: [],
          });
          const expected = reference(slots, new Membership(policy, TEAMS), author);
          expect({ users: chosen.users, teams: chosen.teams.map(teamKey) }).toEqual(expected);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
