import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { NOW, added, approval, comment, fixture, modified, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Decisions of `evaluate` that a mutation run of src/evaluate/evaluate.ts showed
 * no test pinned, each one a way to a green check without what the policy asks
 * (docs/mutation-testing.md): the error an unowned file or a cut-off file list
 * raises, a kind routed past a rule whose paths do not hold, an author-only role
 * escalated where it must not be or to a lower step, consulted input given by the
 * signer themselves. Each is a realistic pull request whose check must fail.
 */

const dropColumn = fixture("prs/drop-column.migration.sql");

describe("problems that fail the check", () => {
  const POLICY = `roles:
  backend-lead: { users: [bea] }
  devops-lead: { users: [dev] }
areas:
  api:
    paths: ["src/**"]
    accountable: backend-lead
    level: 2
unowned: { action: fail, reviewers: [devops-lead] }
`;
  const files = [
    modified("src/users/handler.ts", "export {};\n", "export const limit = 50;\n"),
    modified("scripts/deploy.sh", "#!/bin/sh\nkubectl apply -f k8s/\n", "#!/bin/sh\nexit 0\n"),
  ];

  it("with unowned.action fail, a file no area owns fails the check though every sign-off is in", async () => {
    const d = evaluate(
      await policyFrom(POLICY),
      prFacts(files, { reviews: [approval("bea"), approval("dev")] }),
      NOW,
    );
    expect(d.requirements.every((r) => r.satisfied)).toBe(true);
    expect(d.problems).toContainEqual(
      expect.objectContaining({
        severity: "error",
        message: "1 changed file no area owns: scripts/deploy.sh",
      }),
    );
    expect(d.conclusion).toBe("failure");
  });

  it("with unowned.action warn, the same pull request passes with a warning", async () => {
    const d = evaluate(
      await policyFrom(POLICY.replace("action: fail", "action: warn")),
      prFacts(files, { reviews: [approval("bea"), approval("dev")] }),
      NOW,
    );
    expect(d.problems.map((p) => p.severity)).toEqual(["warning"]);
    expect(d.conclusion).toBe("success");
  });

  it("a file list GitHub cut off fails the check, whatever was signed", async () => {
    const cutOff = "GitHub listed 3,000 of this pull request's 3,412 changed files";
    const d = evaluate(
      await policyFrom(POLICY),
      prFacts([files[0]!], { reviews: [approval("bea")], incomplete: cutOff }),
      NOW,
    );
    expect(d.requirements.every((r) => r.satisfied)).toBe(true);
    expect(d.problems).toContainEqual({
      severity: "error",
      message: cutOff,
      fix: "split the pull request so every changed file can be reviewed",
    });
    expect(d.conclusion).toBe("failure");
  });
});

describe("a kind reaches its owner unless a rule of the file's own area holds for it there", () => {
  // The app team rules on destructive migrations in its legacy code only; everywhere
  // else in apps/ a DROP is the DBA's, whose area owns the kind.
  const POLICY = `roles:
  app-lead: { users: [ada] }
  dba-lead: { users: [dan] }
areas:
  app:
    paths: ["apps/**"]
    accountable: app-lead
  dba:
    paths: ["db/**"]
    owns: [migration-destructive]
    accountable: dba-lead
    level: 2
rules:
  legacy-drops:
    description: Drops in the legacy app are the app lead's
    areas: [app]
    when: { kinds: [migration-destructive], paths: ["apps/legacy/**"] }
    level: 3
    approvers: [app-lead]
  destructive:
    description: Destructive migrations need the DBA
    areas: [dba]
    when: { kinds: [migration-destructive] }
    level: 3
    approvers: [dba-lead]
`;

  it("a DROP COLUMN in apps/web/ needs the DBA: the app's rule is for apps/legacy/ only", async () => {
    const policy = await policyFrom(POLICY);
    const facts = prFacts([added("apps/web/sql/0007_drop_avatar.sql", dropColumn)], {
      reviews: [approval("ada")],
    });
    const d = evaluate(policy, facts, NOW);
    expect(d.requirements.map((r) => [r.id, r.level, r.clauses])).toEqual([
      ["dba/destructive", 3, [{ roles: ["dba-lead"], count: 1 }]],
    ]);
    expect(d.conclusion).toBe("failure");
  });

  it("in apps/legacy/ the app's own rule decides", async () => {
    const d = evaluate(
      await policyFrom(POLICY),
      prFacts([added("apps/legacy/sql/0007_drop_avatar.sql", dropColumn)]),
      NOW,
    );
    expect(d.requirements.map((r) => r.id)).toEqual(["app/legacy-drops"]);
  });
});

describe("an author-only role moves up its escalation path, never down or sideways", () => {
  const POLICY = `roles:
  team-lead: { users: [tess] }
  dba-lead: { users: [octocat] }
  cto: { users: [carl] }
areas:
  db:
    paths: ["db/**"]
    accountable: dba-lead
    level: 3
    approvers: [dba-lead]
    escalation: [team-lead, dba-lead, cto]
`;
  const migration = [added("db/migrations/0007_drop_avatar.sql", dropColumn)];

  it("the DBA lead's own migration needs the next step up (the CTO), not the team lead below", async () => {
    const policy = await policyFrom(POLICY);
    const d = evaluate(policy, prFacts(migration, { reviews: [approval("tess")] }), NOW);
    expect(d.requirements.map((r) => [r.id, r.clauses, r.escalations])).toEqual([
      [
        "db/base",
        [{ roles: ["cto"], count: 1 }],
        [
          {
            from: "dba-lead",
            to: "cto",
            why: "every member of dba-lead is the pull request's author",
          },
        ],
      ],
    ]);
    expect(d.conclusion).toBe("failure");
    expect(
      evaluate(policy, prFacts(migration, { reviews: [approval("carl")] }), NOW).conclusion,
    ).toBe("success");
  });

  it("a role with a team the app cannot read is not author-only: it waits for the team, and the check says so", async () => {
    const policy = await policyFrom(
      POLICY.replace(
        "dba-lead: { users: [octocat] }",
        "dba-lead: { users: [octocat], teams: [acme/dbas] }",
      ),
    );
    const d = evaluate(policy, prFacts(migration, { reviews: [approval("carl")] }), NOW);
    expect(d.requirements.map((r) => [r.clauses, r.escalations])).toEqual([
      [[{ roles: ["dba-lead"], count: 1 }], []],
    ]);
    expect(d.problems.map((p) => p.message)).toContain(
      "the members of team acme/dbas (dba-lead) are not known, so none of them can sign",
    );
    expect(d.conclusion).toBe("failure");
  });

  it("a role whose only team is empty is not author-only either: nobody in it can sign, so the check fails", async () => {
    const policy = await policyFrom(
      POLICY.replace("dba-lead: { users: [octocat] }", "dba-lead: { teams: [acme/dbas] }"),
    );
    const d = evaluate(
      policy,
      prFacts(migration, { reviews: [approval("carl")], teamMembers: { "acme/dbas": [] } }),
      NOW,
    );
    expect(d.requirements.map((r) => [r.clauses, r.escalations])).toEqual([
      [[{ roles: ["dba-lead"], count: 1 }], []],
    ]);
    expect(d.conclusion).toBe("failure");
  });
});

describe("input required before approval comes from someone other than the signer", () => {
  // Dan is a backend lead and a DBA: his own comment is not the DBA's input on his approval.
  const POLICY = `roles:
  backend-lead: { users: [bea, dan] }
  dba-lead: { users: [dan, dora] }
areas:
  api:
    paths: ["src/**"]
    accountable: backend-lead
rules:
  schema:
    description: Schema changes need the DBA's input before a backend lead approves
    when: { paths: ["src/**/schema.prisma"] }
    level: 3
    approvers: [backend-lead]
    requireInputFrom: [dba-lead]
`;
  const schema = [
    modified(
      "src/db/schema.prisma",
      "model User {\n  id Int @id\n}\n",
      "model User {\n  id Int @id\n  name String?\n}\n",
    ),
  ];

  it("the signer's own comment does not count as the consulted role's input", async () => {
    const d = evaluate(
      await policyFrom(POLICY),
      prFacts(schema, {
        comments: [comment("dan", "Looked at it as DBA: fine.", "2026-11-23T10:30:00Z")],
        reviews: [approval("dan", "2026-11-23T11:00:00Z")],
      }),
      NOW,
    );
    expect(d.requirements.map((r) => [r.id, r.satisfied, r.signatures])).toEqual([
      ["api/schema", false, []],
    ]);
    expect(d.conclusion).toBe("failure");
  });

  it("another DBA's earlier comment does", async () => {
    const d = evaluate(
      await policyFrom(POLICY),
      prFacts(schema, {
        comments: [comment("dora", "Nullable column, no backfill needed.", "2026-11-23T10:30:00Z")],
        reviews: [approval("dan", "2026-11-23T11:00:00Z")],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("success");
  });
});
