import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { loadPolicy } from "../../src/policy/load.js";
import { formatProblem } from "../../src/policy/problems.js";
import { NOW, added, approval, fixture, modified, prFacts } from "../helpers/facts.js";
import { memoryReader, policyFrom } from "../helpers/policy.js";

/**
 * Issue 11 §1: what changed routes to its owner, not only where it changed.
 * `areas.<id>.owns` names the change kinds an area owns in files no area's
 * paths match; a kind nobody owns in such a file still needs the policy's
 * fallback owners at the kind's level. Each scenario is a realistic pull request
 * under a policy loaded through the real loader.
 */

const dropColumn = fixture("prs/drop-column.migration.sql");
const deployment = fixture("repo/deployment.yaml");

/** A small organisation's own policy: the DBA area owns destructive migrations wherever they are. */
const OWN_POLICY = `roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  backend-team: { users: [bo] }
areas:
  api:
    paths: ["src/**"]
    accountable: backend-lead
  dba:
    paths: ["db/**"]
    owns: [migration-destructive]
    accountable: dba-lead
    level: 2
unowned: { reviewers: [backend-team] }
rules:
  destructive:
    description: Destructive migrations need the DBA and the backend lead
    areas: [dba]
    when: { kinds: [migration-destructive] }
    level: 3
    approvers: [dba-lead, backend-lead]
`;

/** The same policy where nobody owns the kind: the rule still names it, at level 3. */
const NOBODY_OWNS = OWN_POLICY.replace("    owns: [migration-destructive]\n", "");

// Billing keeps its SQL beside its code, where no area's paths look.
const billingDrop = added("services/billing/sql/0007_drop_avatar.sql", dropColumn);

const lines = async (yaml: string, files: Record<string, string> = {}) => {
  const result = await loadPolicy(
    { name: ".github/governance.yml", text: yaml },
    memoryReader(files),
  );
  return { loaded: result.policy !== undefined, lines: result.problems.map(formatProblem) };
};
const requirementsOf = (d: ReturnType<typeof evaluate>) =>
  d.requirements.map((r) => [r.id, r.level, r.clauses.map((c) => [c.roles, c.count])]);

describe("owns: a kind found where no area's paths look reaches the area that owns it", () => {
  it("a DROP COLUMN outside db/ joins the dba area and needs its rule's approvers (level 3)", async () => {
    const policy = await policyFrom(OWN_POLICY);
    const d = evaluate(policy, prFacts([billingDrop]), NOW);
    expect(d.areas.map((a) => [a.id, a.level, a.files])).toEqual([
      ["dba", 3, ["services/billing/sql/0007_drop_avatar.sql"]],
    ]);
    expect(requirementsOf(d)).toEqual([
      [
        "dba/destructive",
        3,
        [
          [["dba-lead"], 1],
          [["backend-lead"], 1],
        ],
      ],
    ]);
    expect(d.unowned).toEqual([]);
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
    expect(
      evaluate(policy, prFacts([billingDrop], { reviews: [approval("dan"), approval("bea")] }), NOW)
        .conclusion,
    ).toBe("success");
  });

  it("the file stays visible: a warning says its path has no owner and which kind brought it where", async () => {
    const d = evaluate(await policyFrom(OWN_POLICY), prFacts([billingDrop]), NOW);
    expect(d.problems).toEqual([
      {
        severity: "warning",
        message:
          "1 changed file no area's paths match, owned only through what changed: services/billing/sql/0007_drop_avatar.sql (dba: migration-destructive)",
        fix: "add the paths to an area in .github/governance.yml, so that every change to them has an owner (every file should have an owner)",
      },
    ]);
  });

  it("with unowned.action fail, a file owned only through what changed fails the check", async () => {
    const policy = await policyFrom(
      OWN_POLICY.replace(
        "unowned: { reviewers: [backend-team] }",
        "unowned: { action: fail, reviewers: [backend-team] }",
      ),
    );
    const d = evaluate(
      policy,
      prFacts([billingDrop], { reviews: [approval("dan"), approval("bea")] }),
      NOW,
    );
    expect(d.requirements.every((r) => r.satisfied)).toBe(true);
    expect(d.problems.map((p) => p.severity)).toEqual(["error"]);
    expect(d.conclusion).toBe("failure");
  });

  it("a file some area's paths match stays that area's, and a kind its area has no rule for reaches the owner too (seed 000 line 90)", async () => {
    // "Breaking migrations: DBA Lead + Backend Lead + SRE Lead sign-off", wherever the migration is.
    const d = evaluate(
      await policyFrom(OWN_POLICY),
      prFacts([added("src/reports/cleanup.sql", dropColumn)]),
      NOW,
    );
    expect(d.areas.map((a) => [a.id, a.files])).toEqual([
      ["api", ["src/reports/cleanup.sql"]],
      ["dba", ["src/reports/cleanup.sql"]],
    ]);
    expect(requirementsOf(d)).toEqual([
      [
        "dba/destructive",
        3,
        [
          [["dba-lead"], 1],
          [["backend-lead"], 1],
        ],
      ],
    ]);
    expect(d.problems).toEqual([]);
  });

  it("a file carrying no kind an area owns stays unowned, as before", async () => {
    const d = evaluate(
      await policyFrom(OWN_POLICY),
      prFacts([
        added("services/billing/sql/0008_reactions.sql", fixture("prs/add-table.migration.sql")),
      ]),
      NOW,
    );
    expect(d.areas).toEqual([]);
    expect(d.unowned).toEqual(["services/billing/sql/0008_reactions.sql"]);
    expect(d.level).toBe(1);
  });

  it("an area reached by owns alone needs no paths", async () => {
    const policy = await policyFrom(OWN_POLICY.replace('    paths: ["db/**"]\n', ""));
    const d = evaluate(
      policy,
      prFacts([added("db/migrations/0042_drop_avatar.sql", dropColumn)]),
      NOW,
    );
    expect(d.areas.map((a) => a.id)).toEqual(["dba"]);
    expect(d.level).toBe(3);
  });

  it("owns: [] in a policy that extends a preset gives up the preset area's kinds", async () => {
    const facts = prFacts([
      modified(
        "ops/chat/deployment.yaml",
        deployment,
        deployment.replace("replicas: 3", "replicas: 20"),
      ),
    ]);
    const bound =
      "extends: chat-backend\nroles:\n  sre-lead: { users: [sam] }\n  finance: { users: [fin] }\n  backend-team: { users: [bo] }\n";
    const owned = evaluate(await policyFrom(bound), facts, NOW);
    expect(owned.areas.map((a) => a.id)).toEqual(["infra"]);
    const givenUp = evaluate(
      await policyFrom(`${bound}areas:\n  infra: { owns: [] }\n`),
      facts,
      NOW,
    );
    expect(givenUp.areas).toEqual([]);
    expect(givenUp.unowned).toEqual(["ops/chat/deployment.yaml"]);
  });
});

describe("a kind no area owns, in a file no area owns, needs the fallback owners", () => {
  it("DROP COLUMN (level 3 by its rule) → the fallback owners at level 3, and the reason says how to give it an owner", async () => {
    const policy = await policyFrom(NOBODY_OWNS);
    const d = evaluate(policy, prFacts([billingDrop]), NOW);
    expect(d.unowned).toEqual(["services/billing/sql/0007_drop_avatar.sql"]);
    expect(requirementsOf(d)).toEqual([
      ["unowned/fallback:migration-destructive", 3, [[["backend-team"], 1]]],
    ]);
    expect(d.requirements[0]!.reason).toBe(
      'migration-destructive in files no area owns, and no area owns migration-destructive (rule destructive: level 3): the fallback owners sign until an area does (give it `owns: [migration-destructive]`) — DROP COLUMN "avatarUrl" on table "User" (services/billing/sql/0007_drop_avatar.sql:8)',
    );
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
    expect(
      evaluate(policy, prFacts([billingDrop], { reviews: [approval("bo")] }), NOW).conclusion,
    ).toBe("success");
  });

  it("without unowned.reviewers, the policy's governance owners stand in (never nobody)", async () => {
    const policy = await policyFrom(
      NOBODY_OWNS.replace("unowned: { reviewers: [backend-team] }\n", ""),
    );
    const d = evaluate(policy, prFacts([billingDrop]), NOW);
    // No area owns the policy file, so the accountable of the highest-level area (dba, level 2).
    expect(requirementsOf(d)).toEqual([
      ["unowned/fallback:migration-destructive", 3, [[["dba-lead"], 1]]],
    ]);
  });

  it("a kind the policy rates level 1 (no rule names it) asks for nothing more than a warning", async () => {
    const base = `import { Router } from "express";\nexport const r = Router();\n`;
    const d = evaluate(
      await policyFrom(NOBODY_OWNS),
      prFacts([
        modified("services/billing/http/routes.ts", base, `${base}r.get("/invoices", list);\n`),
      ]),
      NOW,
    );
    expect(d.areas).toEqual([]);
    expect(d.requirements).toEqual([]);
    expect(d.level).toBe(1);
    expect(d.problems.map((p) => p.severity)).toEqual(["warning"]);
  });

  it("a rule that already holds for unowned files and names the kind is enough: no fallback beside it", async () => {
    const policy = await policyFrom(`${NOBODY_OWNS}  destructive-anywhere:
    when: { kinds: [migration-destructive] }
    level: 3
    approvers: [dba-lead, backend-lead]
`);
    const d = evaluate(policy, prFacts([billingDrop]), NOW);
    expect(requirementsOf(d)).toEqual([
      [
        "unowned/destructive-anywhere",
        3,
        [
          [["dba-lead"], 1],
          [["backend-lead"], 1],
        ],
      ],
    ]);
  });

  it("a fallback implied by a stricter requirement on the same files is folded into it", async () => {
    const policy =
      await policyFrom(`${NOBODY_OWNS.replace("  backend-team: { users: [bo] }\n", "  backend-team: { users: [bo] }\n  cto: { users: [carmen] }\n")}  executive:
    when: { labels: [vendor-migration] }
    level: 4
    approvers: [$accountable, cto]
`);
    const d = evaluate(policy, prFacts([billingDrop], { labels: ["vendor-migration"] }), NOW);
    expect(requirementsOf(d)).toEqual([
      [
        "unowned/executive",
        4,
        [
          [["backend-team"], 1],
          [["cto"], 1],
        ],
      ],
    ]);
    expect(d.requirements[0]!.reason).toContain(
      "also covers migration-destructive in files no area owns",
    );
  });
});

describe("a label that declares a kind (chat-backend: breaking-change is api-breaking) routes unowned files too", () => {
  const BOUND = `extends: chat-backend
roles:
  backend-team: { users: [bo] }
  tech-architect: { users: [tara] }
  product-owner: { users: [priya] }
`;
  const service = added("src/chat/chat.service.ts", "export class ChatService {}\n");

  it("labelled breaking-change, a change only to unowned files needs tech-architect + product-owner (seed 000 line 47)", async () => {
    const policy = await policyFrom(BOUND);
    const d = evaluate(policy, prFacts([service], { labels: ["breaking-change"] }), NOW);
    expect(requirementsOf(d)).toEqual([
      [
        "http-api/api-breaking",
        3,
        [
          [["tech-architect"], 1],
          [["product-owner"], 1],
        ],
      ],
    ]);
    expect(d.requirements[0]!.reason).toContain('label "breaking-change"');
    expect(
      evaluate(
        policy,
        prFacts([service], {
          labels: ["breaking-change"],
          reviews: [approval("tara"), approval("priya")],
        }),
        NOW,
      ).conclusion,
    ).toBe("success");
  });

  it("without the label the same change is unowned at level 1", async () => {
    const d = evaluate(await policyFrom(BOUND), prFacts([service]), NOW);
    expect([d.level, d.unowned, d.requirements]).toEqual([1, ["src/chat/chat.service.ts"], []]);
  });
});

describe("lint: owns is validated with locations ({errors, warnings})", () => {
  it("an unknown kind is an error at its position, with the nearest kind", async () => {
    const { loaded, lines: problems } = await lines(`roles:
  dba-lead: { users: [dan] }
areas:
  dba:
    paths: ["db/**"]
    owns: [migration-index, migration-destructve]
    accountable: dba-lead
    level: 2
`);
    expect(loaded).toBe(false);
    expect(problems).toEqual([
      `.github/governance.yml:6:29: error: unknown change kind "migration-destructve" (did you mean "migration-destructive"?) (at areas.dba.owns[1])`,
    ]);
  });

  it("owning a kind the area asks nothing for (level 1, no rule for it there) is a warning at that kind", async () => {
    const { loaded, lines: problems } = await lines(`roles:
  backend-lead: { users: [bea] }
areas:
  api:
    paths: ["src/**"]
    owns: [endpoint-added, api-breaking]
    accountable: backend-lead
rules:
  breaking:
    areas: [api]
    when: { kinds: [api-breaking] }
    level: 3
`);
    expect(loaded).toBe(true);
    expect(problems).toEqual([
      `.github/governance.yml:6:12: warning: area "api" owns "endpoint-added" but asks nothing for it (level 1, and no rule for endpoint-added applies in it): a file it receives for that kind needs no sign-off; add a rule for endpoint-added in this area, or let an area that governs it own it (at areas.api.owns[0])`,
    ]);
  });

  it("an area with neither paths nor owns is an error; with owns alone it loads", async () => {
    const area = (body: string) =>
      `roles:\n  dba-lead: { users: [dan] }\nareas:\n  dba:\n${body}    accountable: dba-lead\n    level: 2\n`;
    expect((await lines(area(""))).lines).toEqual([
      '.github/governance.yml:5:5: error: area "dba" has no paths (at areas.dba)',
    ]);
    expect(await lines(area("    owns: [migration-destructive]\n"))).toEqual({
      loaded: true,
      lines: [],
    });
  });

  it("a child policy's owns is checked in the child, where it is written", async () => {
    const { lines: problems } = await lines(
      "extends: chat-backend\nareas:\n  prisma: { owns: [migration-indx] }\n",
    );
    expect(problems).toEqual([
      `.github/governance.yml:3:20: error: unknown change kind "migration-indx" (did you mean "migration-index"?) (at areas.prisma.owns[0])`,
    ]);
  });
});
