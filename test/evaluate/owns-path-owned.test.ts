import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { NOW, added, approval, fixture, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Issue 11 §1: what changed decides who signs, wherever it lives. A file some
 * area's paths match also joins every area that `owns` a kind found in it (or
 * declared by a label) when none of its path areas has a rule for that kind:
 * a DROP COLUMN kept with the application code (`apps/api/db/migrations/`)
 * still reaches the DBA + Backend + SRE leads (seed 000 line 90: "Breaking
 * migrations: DBA Lead + Backend Lead + SRE Lead sign-off"). Joining only adds.
 */

const dropColumn = fixture("prs/drop-column.migration.sql");

const POLICY = `roles:
  app-lead: { users: [ava] }
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  tech-architect: { users: [tara] }
  backend-team: { users: [bo] }
areas:
  application:
    paths: ["apps/**"]
    accountable: app-lead
    level: 1
  prisma:
    paths: ["prisma/**"]
    owns: [migration-destructive]
    accountable: backend-lead
    level: 2
  http-api:
    paths: ["src/routes/**"]
    owns: [api-breaking]
    accountable: backend-lead
    level: 2
unowned: { reviewers: [backend-team] }
rules:
  breaking-migration:
    description: Breaking migrations need the DBA, Backend and SRE leads
    areas: [prisma]
    when: { kinds: [migration-destructive] }
    level: 3
    approvers: [dba-lead, backend-lead, sre-lead]
  api-breaking:
    areas: [http-api]
    when: { kinds: [api-breaking], labels: [breaking-change] }
    level: 3
    approvers: [tech-architect]
`;

const migration = added("apps/api/db/migrations/001_drop_avatar.sql", dropColumn);
const harmless = added("apps/api/src/greeting.ts", 'export const greeting = "hello";\n');
const requirementsOf = (d: ReturnType<typeof evaluate>) =>
  d.requirements.map((r) => [r.id, r.level, r.clauses.map((c) => c.roles)]);

describe("owns reaches a kind's owner in a file another area owns by path", () => {
  it("a DROP COLUMN under apps/ joins prisma and needs the breaking-migration approvers (seed 000 line 90)", async () => {
    const policy = await policyFrom(POLICY);
    const d = evaluate(policy, prFacts([migration]), NOW);
    expect(d.areas.map((a) => [a.id, a.level, a.files])).toEqual([
      ["application", 1, ["apps/api/db/migrations/001_drop_avatar.sql"]],
      ["prisma", 3, ["apps/api/db/migrations/001_drop_avatar.sql"]],
    ]);
    expect(requirementsOf(d)).toEqual([
      ["prisma/breaking-migration", 3, [["dba-lead"], ["backend-lead"], ["sre-lead"]]],
    ]);
    expect(d.requirements[0]!.reason).toContain("apps/api/db/migrations/001_drop_avatar.sql:8");
    expect([d.level, d.conclusion, d.unowned]).toEqual([3, "failure", []]);
    // The path has an owner: no warning that it has none.
    expect(d.problems).toEqual([]);
    const signed = evaluate(
      policy,
      prFacts([migration], { reviews: [approval("dan"), approval("bea"), approval("sam")] }),
      NOW,
    );
    expect(signed.conclusion).toBe("success");
  });

  it("a harmless file under apps/ stays application's alone", async () => {
    const d = evaluate(await policyFrom(POLICY), prFacts([harmless]), NOW);
    expect(d.areas.map((a) => a.id)).toEqual(["application"]);
    expect([d.level, d.requirements]).toEqual([1, []]);
  });

  it("the owning area's requirements come on top of the path area's, never instead of them", async () => {
    // application at level 2 asks its accountable; prisma's rule is added beside it.
    const policy = await policyFrom(
      POLICY.replace(
        "    accountable: app-lead\n    level: 1\n",
        "    accountable: app-lead\n    level: 2\n    approvers: [$accountable]\n",
      ),
    );
    const d = evaluate(policy, prFacts([migration, harmless]), NOW);
    expect(requirementsOf(d)).toEqual([
      ["application/base", 2, [["app-lead"]]],
      ["prisma/breaking-migration", 3, [["dba-lead"], ["backend-lead"], ["sre-lead"]]],
    ]);
    expect(d.areas.find((a) => a.id === "prisma")!.files).toEqual([
      "apps/api/db/migrations/001_drop_avatar.sql",
    ]);
    const withoutApp = evaluate(
      policy,
      prFacts([migration, harmless], {
        reviews: [approval("dan"), approval("bea"), approval("sam")],
      }),
      NOW,
    );
    expect(withoutApp.requirements.map((r) => [r.id, r.satisfied])).toEqual([
      ["application/base", false],
      ["prisma/breaking-migration", true],
    ]);
    expect(withoutApp.conclusion).toBe("failure");
  });

  it("a path area with its own rule for the kind decides who signs there: no join", async () => {
    const policy = await policyFrom(`${POLICY}  app-migrations:
    areas: [application]
    when: { kinds: [migration-destructive] }
    level: 3
    approvers: [dba-lead, app-lead]
`);
    const d = evaluate(policy, prFacts([migration]), NOW);
    expect(d.areas.map((a) => a.id)).toEqual(["application"]);
    expect(requirementsOf(d)).toEqual([
      ["application/app-migrations", 3, [["dba-lead"], ["app-lead"]]],
    ]);
  });

  // The path area's rule is only for authors outside the DBA team: for anyone else it
  // does not apply, so it must not stop the kind reaching its owner (or the DBA's own
  // DROP COLUMN under apps/ would need nobody beyond the application lead).
  const AUTHOR_RULE = `${POLICY}  app-migrations-outsiders:
    areas: [application]
    when: { kinds: [migration-destructive], author: { notMemberOf: [dba-lead] } }
    level: 3
    approvers: [dba-lead, app-lead]
`;

  it("a path area's rule that does not apply to this author does not stop the join", async () => {
    const policy = await policyFrom(AUTHOR_RULE);
    const d = evaluate(policy, prFacts([migration], { author: "dan" }), NOW);
    expect(d.areas.map((a) => a.id)).toEqual(["application", "prisma"]);
    expect(requirementsOf(d)).toEqual([
      ["prisma/breaking-migration", 3, [["dba-lead"], ["backend-lead"], ["sre-lead"]]],
    ]);
    expect(d.conclusion).toBe("failure");
  });

  it("when it does apply, the path area's rule decides who signs: no join", async () => {
    const policy = await policyFrom(AUTHOR_RULE);
    const d = evaluate(policy, prFacts([migration], { author: "bo" }), NOW);
    expect(d.areas.map((a) => a.id)).toEqual(["application"]);
    expect(requirementsOf(d)).toEqual([
      ["application/app-migrations-outsiders", 3, [["dba-lead"], ["app-lead"]]],
    ]);
  });

  it("when the author's membership cannot be read, the rule may apply: it decides, stricter than nobody", async () => {
    const policy = await policyFrom(
      AUTHOR_RULE.replace("dba-lead: { users: [dan] }", "dba-lead: { teams: [acme/dba] }"),
    );
    const d = evaluate(policy, prFacts([migration], { author: "dan" }), NOW);
    expect(d.areas.map((a) => a.id)).toEqual(["application"]);
    expect(d.requirements.map((r) => r.id)).toEqual(["application/app-migrations-outsiders"]);
    expect(d.conclusion).toBe("failure");
  });

  it("a label-declared kind (breaking-change is api-breaking) routes a path-owned file to the kind's owner", async () => {
    const policy = await policyFrom(POLICY);
    const d = evaluate(policy, prFacts([harmless], { labels: ["breaking-change"] }), NOW);
    expect(d.areas.map((a) => [a.id, a.files])).toEqual([
      ["application", ["apps/api/src/greeting.ts"]],
      ["http-api", ["apps/api/src/greeting.ts"]],
    ]);
    // Joining an area brings its base sign-off too (http-api is level 2).
    expect(requirementsOf(d)).toEqual([
      ["http-api/base", 2, [["backend-lead"]]],
      ["http-api/api-breaking", 3, [["tech-architect"]]],
    ]);
    expect(d.requirements[1]!.reason).toContain('label "breaking-change"');
    expect(evaluate(policy, prFacts([harmless]), NOW).requirements).toEqual([]);
  });
});
