import { describe, expect, it } from "vitest";
import type { ChangedFile } from "../../src/changes/types.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { clausesOf } from "../../src/evaluate/requirements.js";
import { loadPolicy, type PolicyReader } from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/model.js";
import { isPresetName, readPreset } from "../../src/policy/presets.js";
import { formatProblem } from "../../src/policy/problems.js";
import { NOW, added, approval, fixture, modified, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Issue 9 items 5–9 and issue 10 item 3: ways a change used to reach a green
 * check without the sign-offs its policy demands, because of how files were
 * routed to requirements. Each scenario is a realistic pull request under a
 * policy loaded through the real loader.
 */

const migration = fixture("prs/drop-column.migration.sql");
const deployment = fixture("repo/deployment.yaml");

function removed(path: string, content: string): ChangedFile {
  return { path, status: "removed", base: content, head: null };
}

function renamed(from: string, to: string, content: string): ChangedFile {
  return { path: to, previousPath: from, status: "renamed", base: content, head: content };
}

/**
 * Loads `.github/governance.yml` as the app does: files of the governed
 * repository carry their path there (presets do not), so the policy knows which
 * of the repository's files it is built from.
 */
async function repositoryPolicy(root: string, repoFiles: Record<string, string>): Promise<Policy> {
  const reader: PolicyReader = {
    async read(ref) {
      if (isPresetName(ref)) return readPreset(ref);
      const text = repoFiles[ref];
      if (text === undefined) throw new Error(`acme/chat:${ref} does not exist`);
      return { name: `acme/chat:${ref}`, text, path: ref };
    },
  };
  const result = await loadPolicy(
    { name: ".github/governance.yml", text: root, path: ".github/governance.yml" },
    reader,
  );
  if (!result.policy) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.policy;
}

const requirementsOf = (policy: Policy, facts: Parameters<typeof evaluate>[1]) =>
  evaluate(policy, facts, NOW).requirements.map((r) => [
    r.id,
    r.level,
    r.clauses.map((c) => [c.roles, c.count]),
  ]);

describe("9.5: every file the policy is built from is governance", () => {
  // The organisation's bindings live in a base file the repository's policy extends.
  const BASE_FILE = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  security-lead: { users: [sid] }
  tech-architect: { users: [tara] }
  devops-lead: { users: [dev] }
  qa-lead: { users: [quinn] }
  backend-team: { teams: [backend] }
`;
  const ROOT = `extends: .github/governance-base.yml
areas:
  payments:
    paths: ["src/payments/**"]
    accountable: backend-lead
    level: 3
    approvers: [backend-lead, security-lead]
`;
  const gutted = `extends: chat-backend
roles:
  backend-lead: { users: [octocat] }
  dba-lead: { users: [octocat] }
  sre-lead: { users: [octocat] }
  tech-architect: { users: [octocat] }
`;

  it("the policy knows the repository files it was built from, and not the preset", async () => {
    const policy = await repositoryPolicy(ROOT, { ".github/governance-base.yml": BASE_FILE });
    expect(policy.files).toEqual([".github/governance.yml", ".github/governance-base.yml"]);
  });

  it("gutting the extended file needs the amendment sign-off (tech-architect + 2 DRIs), not level 1", async () => {
    const policy = await repositoryPolicy(ROOT, { ".github/governance-base.yml": BASE_FILE });
    const facts = prFacts([modified(".github/governance-base.yml", BASE_FILE, gutted)], {
      title: "Tidy governance base",
    });
    const d = evaluate(policy, facts, NOW);
    expect(d.conclusion).toBe("failure");
    expect(d.level).toBe(3);
    expect(d.unowned).toEqual([]);
    expect(d.areas.map((a) => [a.id, a.level, a.files])).toEqual([
      ["governance", 3, [".github/governance-base.yml"]],
    ]);
    expect(requirementsOf(policy, facts)).toEqual([
      [
        "governance/base",
        3,
        [
          [["tech-architect"], 1],
          [
            [
              "backend-lead",
              "sre-lead",
              "dba-lead",
              "security-lead",
              "qa-lead",
              "devops-lead",
              "product-owner",
              "legal",
              "incident-commander",
            ],
            2,
          ],
        ],
      ],
    ]);

    const signed = evaluate(
      policy,
      { ...facts, reviews: [approval("tara"), approval("bea"), approval("sam")] },
      NOW,
    );
    expect(signed.conclusion).toBe("success");
  });

  it("a rule on the policy file's path holds for the extended file too: it is judged as the policy file", async () => {
    const strict = `${ROOT}rules:
  policy-review:
    description: Every change to the policy needs the security lead
    when: { paths: [".github/governance.yml"] }
    level: 3
    approvers: [security-lead]
`;
    const policy = await repositoryPolicy(strict, { ".github/governance-base.yml": BASE_FILE });
    const d = evaluate(
      policy,
      prFacts([modified(".github/governance-base.yml", BASE_FILE, gutted)], {
        reviews: [approval("tara"), approval("bea"), approval("sam")],
      }),
      NOW,
    );
    expect(d.requirements.map((r) => [r.id, r.satisfied])).toContainEqual([
      "governance/policy-review",
      false,
    ]);
    expect(d.conclusion).toBe("failure");
  });

  it("deleting the extended file, or renaming it away, is an amendment too", async () => {
    const policy = await repositoryPolicy(ROOT, { ".github/governance-base.yml": BASE_FILE });
    for (const file of [
      removed(".github/governance-base.yml", BASE_FILE),
      renamed(".github/governance-base.yml", "docs/old-governance-base.yml", BASE_FILE),
    ]) {
      const d = evaluate(policy, prFacts([file]), NOW);
      expect(
        d.requirements.map((r) => [r.id, r.level]),
        file.status,
      ).toContainEqual(["governance/base", 3]);
      expect(d.conclusion, file.status).toBe("failure");
    }
  });
});

describe("10.3: the app protects the policy even where a policy forgets to", () => {
  // A policy of the repository's own, with no area owning the policy file.
  const NO_AMENDMENT = `roles:
  backend-lead: { users: [bea] }
  payments-lead: { users: [pia] }
  security-lead: { users: [sid] }
  sre-lead: { users: [sam] }
areas:
  api:
    paths: ["src/**"]
    accountable: backend-lead
  payments:
    paths: ["src/payments/**"]
    accountable: payments-lead
    level: 3
    approvers: [payments-lead, security-lead]
    escalation: [payments-lead, security-lead]
  infra:
    paths: ["k8s/**"]
    accountable: sre-lead
    level: 2
`;
  const rebound = NO_AMENDMENT.replace(
    "payments-lead: { users: [pia] }",
    "payments-lead: { users: [pia, octocat-colleague] }",
  );

  it("rebinding the approving role in a policy with no amendment rule needs the highest-level areas' accountable, at level 3", async () => {
    const policy = await policyFrom(NO_AMENDMENT);
    const facts = prFacts([modified(".github/governance.yml", NO_AMENDMENT, rebound)], {
      title: "Add a payments lead",
    });
    const d = evaluate(policy, facts, NOW);
    expect(d.conclusion).toBe("failure");
    expect(d.level).toBe(3);
    expect(d.unowned).toEqual([]);
    expect(d.areas.map((a) => [a.id, a.level, a.files])).toEqual([
      ["policy-files", 3, [".github/governance.yml"]],
    ]);
    expect(requirementsOf(policy, facts)).toEqual([
      ["policy-files/base", 3, [[["payments-lead"], 1]]],
    ]);
    expect(evaluate(policy, { ...facts, reviews: [approval("pia")] }, NOW).conclusion).toBe(
      "success",
    );
  });

  it("a policy's own amendment rule below joint approval is kept, and the built-in rule is added on top", async () => {
    const weak = `${NO_AMENDMENT}  github:
    paths: [".github/**"]
    accountable: sre-lead
    level: 2
`;
    const policy = await policyFrom(weak);
    const facts = prFacts([
      modified(".github/governance.yml", weak, weak.replace("level: 2\n", "level: 1\n")),
    ]);
    expect(requirementsOf(policy, facts)).toEqual([
      ["github/base", 2, [[["sre-lead"], 1]]],
      ["policy-files/base", 3, [[["payments-lead"], 1]]],
    ]);
  });

  it("a policy whose own amendment rule is joint approval needs no built-in rule", async () => {
    const strong = `${NO_AMENDMENT}  governance:
    paths: [".github/governance.yml"]
    accountable: security-lead
    level: 3
    approvers: [security-lead, sre-lead]
`;
    const policy = await policyFrom(strong);
    const facts = prFacts([modified(".github/governance.yml", strong, `${strong}# tidy\n`)]);
    expect(requirementsOf(policy, facts)).toEqual([
      [
        "governance/base",
        3,
        [
          [["security-lead"], 1],
          [["sre-lead"], 1],
        ],
      ],
    ]);
  });

  it("where the policy's highest areas are level 4, amending it is level 4 by their accountable", async () => {
    const executive = `${NO_AMENDMENT}  vendors:
    paths: ["contracts/**"]
    accountable: security-lead
    level: 4
`;
    const policy = await policyFrom(executive);
    const facts = prFacts([modified(".github/governance.yml", executive, `${executive}# tidy\n`)]);
    expect(requirementsOf(policy, facts)).toEqual([
      ["policy-files/base", 4, [[["security-lead"], 1]]],
    ]);
  });

  it("an author who alone holds the amendment role cannot amend alone: it escalates up that area's path", async () => {
    const policy = await policyFrom(NO_AMENDMENT);
    const d = evaluate(
      policy,
      prFacts([modified(".github/governance.yml", NO_AMENDMENT, rebound)], { author: "pia" }),
      NOW,
    );
    expect(
      d.requirements.map((r) => [r.id, r.clauses, r.escalations.map((e) => [e.from, e.to])]),
    ).toEqual([
      [
        "policy-files/base",
        [{ roles: ["security-lead"], count: 1 }],
        [["payments-lead", "security-lead"]],
      ],
    ]);
  });
});

describe("10.3: the built-in amendment rule is decided on the policy's own files only", () => {
  // The policy file is owned at level 1 (by the catch-all); the highest area is level 4
  // under a role no other requirement asks for, so the built-in rule is the only one
  // that needs the CFO. Other files in the same pull request, whatever they need, must
  // not stand in for it.
  const POLICY = `roles:
  backend-lead: { users: [bea] }
  payments-lead: { users: [pia] }
  security-lead: { users: [sid] }
  sre-lead: { users: [sam] }
  cfo: { users: [cora] }
areas:
  repo:
    paths: ["**"]
    accountable: sre-lead
  payments:
    paths: ["src/payments/**"]
    accountable: payments-lead
    level: 3
    approvers: [payments-lead, security-lead]
  vendors:
    paths: ["contracts/**"]
    accountable: cfo
    level: 4
rules:
  migrations:
    description: Database changes need the SRE lead
    when: { paths: ["db/**"] }
    level: 3
    approvers: [sre-lead]
`;
  const amendment = modified(".github/governance.yml", POLICY, `${POLICY}# tidy\n`);
  const everyoneButTheCfo = ["bea", "pia", "sid", "sam"].map((u) => approval(u));

  it("a level-3 area touched by another file beside the policy change does not replace it", async () => {
    const policy = await policyFrom(POLICY);
    const facts = prFacts(
      [amendment, modified("src/payments/charge.ts", "export {};\n", "export const fee = 2;\n")],
      { reviews: everyoneButTheCfo },
    );
    const d = evaluate(policy, facts, NOW);
    expect(d.requirements.map((r) => [r.id, r.level, r.satisfied])).toEqual([
      ["payments/base", 3, true],
      ["policy-files/base", 4, false],
    ]);
    expect(d.conclusion).toBe("failure");
    expect(
      evaluate(policy, { ...facts, reviews: [...everyoneButTheCfo, approval("cora")] }, NOW)
        .conclusion,
    ).toBe("success");
  });

  it("a level-3 rule another file of the same area triggers does not replace it", async () => {
    const policy = await policyFrom(POLICY);
    const facts = prFacts(
      [
        amendment,
        modified("db/schema.sql", "CREATE TABLE t (id int);\n", "CREATE TABLE t (id bigint);\n"),
      ],
      { reviews: everyoneButTheCfo },
    );
    const d = evaluate(policy, facts, NOW);
    expect(d.requirements.map((r) => r.id)).toContain("policy-files/base");
    expect(d.requirements.find((r) => r.id === "policy-files/base")?.clauses).toEqual([
      { roles: ["cfo"], count: 1 },
    ]);
    expect(d.conclusion).toBe("failure");
  });
});

describe("9.6: a rule's when.paths matches a rename's old path too", () => {
  const POLICY = `extends: chat-backend
roles:
  sre-lead: { users: [sam] }
  cto: { users: [carmen] }
rules:
  production-manifests:
    description: Production manifests need the CTO
    areas: [infra]
    when: { paths: ["k8s/production/**"] }
    level: 4
    approvers: [sre-lead, cto]
`;

  it.each([
    ["deleting it", removed("k8s/production/api.yaml", deployment)],
    [
      "renaming it out of production/",
      renamed("k8s/production/api.yaml", "k8s/attic/api.yaml", deployment),
    ],
    [
      "renaming it into production/",
      renamed("k8s/staging/api.yaml", "k8s/production/api.yaml", deployment),
    ],
  ])("%s triggers the level-4 rule", async (_case, file) => {
    const policy = await policyFrom(POLICY);
    const d = evaluate(policy, prFacts([file]), NOW);
    expect(d.level).toBe(4);
    expect(d.requirements.map((r) => [r.id, r.level])).toEqual([["infra/production-manifests", 4]]);
  });

  it("a manifest that never was in production/ does not", async () => {
    const policy = await policyFrom(POLICY);
    const d = evaluate(
      policy,
      prFacts([renamed("k8s/staging/api.yaml", "k8s/attic/api.yaml", deployment)]),
      NOW,
    );
    expect(d.requirements.map((r) => [r.id, r.level])).toEqual([["infra/base", 2]]);
  });
});

describe("9.7: files no area owns are judged whether or not other areas are touched", () => {
  const POLICY = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  backend-team: { teams: [backend] }
areas:
  # Only prisma/: db/ stays unowned here (the preset also owns db/ migrations by glob and by kind).
  prisma: { paths: ["prisma/**"], owns: [] }
rules:
  destructive-sql-anywhere:
    description: Destructive SQL outside Prisma still needs the DBA
    when: { kinds: [migration-destructive] }
    level: 3
    approvers: [dba-lead, backend-lead]
`;
  const dropTable = added("db/migrations/0042_drop_legacy_sessions.sql", migration);

  it("a DROP in db/ alone fails at level 3", async () => {
    const d = evaluate(await policyFrom(POLICY), prFacts([dropTable]), NOW);
    expect(d.unowned).toEqual(["db/migrations/0042_drop_legacy_sessions.sql"]);
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
  });

  it("adding an owned docs/ file does not lower it to level 1", async () => {
    const policy = await policyFrom(POLICY);
    const facts = prFacts([
      dropTable,
      added("docs/sessions.md", "# Sessions\n\nLegacy sessions are gone.\n"),
    ]);
    const d = evaluate(policy, facts, NOW);
    expect(d.unowned).toEqual(["db/migrations/0042_drop_legacy_sessions.sql"]);
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
    expect(d.requirements.map((r) => [r.id, r.level, r.clauses.flatMap((c) => c.roles)])).toEqual([
      ["unowned/destructive-sql-anywhere", 3, ["dba-lead", "backend-lead"]],
    ]);
    expect(
      evaluate(policy, { ...facts, reviews: [approval("dan"), approval("bea")] }, NOW).conclusion,
    ).toBe("success");
  });

  it("an executive label holds for the unowned files beside an owned one", async () => {
    const policy = await policyFrom(
      "extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n  backend-team: { users: [bo] }\n  cto: { users: [carmen] }\n",
    );
    const d = evaluate(
      policy,
      prFacts(
        [
          added("scripts/export-sessions.ts", "export {};\n"),
          added("docs/sessions.md", "# Sessions\n"),
        ],
        { labels: ["vendor-migration"] },
      ),
      NOW,
    );
    expect(d.requirements.map((r) => [r.id, r.level, r.clauses.flatMap((c) => c.roles)])).toEqual([
      ["docs/executive", 4, ["backend-lead", "cto"]],
      ["unowned/executive", 4, ["backend-team", "cto"]],
    ]);
  });
});

describe("9.8: a rule approved by $accountable needs someone for unowned files", () => {
  const BREAKING = `rules:
  breaking:
    description: Breaking changes need the owner
    when: { labels: [data-export] }
    level: 3
`;
  const script = added("scripts/migrate-users.ts", "export async function migrateUsers() {}\n");

  it("under unowned.reviewers (chat-backend: backend-team)", async () => {
    const policy = await policyFrom(`extends: chat-backend
roles:
  backend-team: { users: [bo, bianca] }
${BREAKING}`);
    const facts = prFacts([script], { labels: ["data-export"] });
    const d = evaluate(policy, facts, NOW);
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
    expect(requirementsOf(policy, facts)).toEqual([
      ["unowned/breaking", 3, [[["backend-team"], 1]]],
    ]);
    expect(evaluate(policy, { ...facts, reviews: [approval("bo")] }, NOW).conclusion).toBe(
      "success",
    );
  });

  it("without unowned.reviewers: the governance owners (the accountable of the area owning the policy file)", async () => {
    const policy = await policyFrom(`roles:
  backend-lead: { users: [bea] }
  tech-architect: { users: [tara] }
  cfo: { users: [carla] }
areas:
  api: { paths: ["src/**"], accountable: backend-lead }
  billing: { paths: ["src/billing/**"], accountable: cfo, level: 4 }
  governance: { paths: [".github/governance.yml"], accountable: tech-architect, level: 3 }
${BREAKING}`);
    const facts = prFacts([script], { labels: ["data-export"] });
    expect(requirementsOf(policy, facts)).toEqual([
      ["unowned/breaking", 3, [[["tech-architect"], 1]]],
    ]);
  });

  it("without either: the accountable roles of the highest-level areas, any one of them", async () => {
    const policy = await policyFrom(`roles:
  backend-lead: { users: [bea] }
  payments-lead: { users: [pia] }
  sre-lead: { users: [sam] }
areas:
  api: { paths: ["src/**"], accountable: backend-lead }
  payments: { paths: ["src/payments/**"], accountable: payments-lead, level: 3 }
  infra: { paths: ["k8s/**"], accountable: sre-lead, level: 3 }
${BREAKING}`);
    const facts = prFacts([script], { labels: ["data-export"] });
    expect(requirementsOf(policy, facts)).toEqual([
      ["unowned/breaking", 3, [[["payments-lead", "sre-lead"], 1]]],
    ]);
    expect(evaluate(policy, { ...facts, reviews: [approval("sam")] }, NOW).conclusion).toBe(
      "success",
    );
  });

  it("fallback owners bound to nobody fail the check with the role and the fix", async () => {
    const policy = await policyFrom(
      `extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n${BREAKING}`,
    );
    const d = evaluate(policy, prFacts([script], { labels: ["data-export"] }), NOW);
    expect(d.conclusion).toBe("failure");
    expect(d.problems).toContainEqual({
      severity: "error",
      message: 'role "backend-team" is required (unowned/breaking) but bound to nobody',
      fix: "bind it in .github/governance.yml: roles: { backend-team: { users: [login], teams: [team-slug] } }",
    });
  });

  it("with nobody at all to stand for $accountable, the clause is one nobody can fill", () => {
    expect(clausesOf({ all: ["$accountable", "cto"] }, [])).toEqual([
      { roles: [], count: 1 },
      { roles: ["cto"], count: 1 },
    ]);
  });
});

describe("9.9: membership the app cannot read is unknown, and the stricter branch is taken", () => {
  const POLICY = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  tech-architect: { users: [tara] }
  contractors: { description: "External contractors", teams: [acme/contractors] }
rules:
  contractor-changes:
    description: Contractors' API changes need the architect too
    areas: [http-api]
    when: { author: { memberOf: [contractors] } }
    level: 3
    approvers: [backend-lead, tech-architect]
`;
  const route = added("src/api/users/export.ts", "export const exportUsers = () => [];\n");

  it("memberOf an unreadable team: the rule applies, and the check names the team and the fix", async () => {
    const policy = await policyFrom(POLICY);
    const d = evaluate(policy, prFacts([route], { author: "carl", teamMembers: {} }), NOW);
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
    expect(d.requirements.map((r) => r.id)).toEqual(["http-api/contractor-changes"]);
    expect(d.requirements[0]!.reason).toContain(
      "the author's membership of contractors is unknown (team acme/contractors could not be read), so the rule applies",
    );
    expect(d.problems).toContainEqual({
      severity: "warning",
      message:
        'whether the author @carl is in team acme/contractors is not known, so rule "contractor-changes" applies as the stricter case',
      fix: 'check that the team exists and that the app may read it (organisation permission "Members: read"); or bind the role to users',
    });
  });

  it("a readable team decides: a member gets the rule, anyone else does not", async () => {
    const policy = await policyFrom(POLICY);
    const teamMembers = { "acme/contractors": ["Carl"] };
    expect(
      evaluate(policy, prFacts([route], { author: "carl", teamMembers }), NOW).requirements.map(
        (r) => r.id,
      ),
    ).toEqual(["http-api/contractor-changes"]);
    const staff = evaluate(policy, prFacts([route], { author: "bea", teamMembers }), NOW);
    expect([
      staff.level,
      staff.requirements,
      staff.problems.filter((p) => /is not known/.test(p.message)),
    ]).toEqual([1, [], []]);
  });

  it("notMemberOf an unreadable team (a rule on it-operations): the rule applies and the check says why", async () => {
    // it-operations (seed 004) asks one approval of anyone; a repository may ask two of outsiders' changes.
    const policy = await policyFrom(`extends: it-operations
roles:
  it-operations: { teams: [acme/it-ops] }
rules:
  outsider-operations-change:
    areas: [ci-cd]
    when: { author: { notMemberOf: [it-operations] } }
    level: 3
    approvers: { any: [it-operations], count: 2 }
`);
    const workflow = modified(
      ".github/workflows/deploy.yml",
      fixture("presets/deploy.yml"),
      `${fixture("presets/deploy.yml")}\n`,
    );
    const d = evaluate(policy, prFacts([workflow], { author: "eve", teamMembers: {} }), NOW);
    expect(d.requirements.map((r) => [r.id, r.level])).toEqual([
      ["ci-cd/outsider-operations-change", 3],
    ]);
    expect(d.problems.map((p) => p.message)).toContain(
      'whether the author @eve is in team acme/it-ops is not known, so rule "outsider-operations-change" applies as the stricter case',
    );
  });
});
