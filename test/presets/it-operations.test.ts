import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, added, approval, comment, fixture, modified, prFacts } from "../helpers/facts.js";
import { explainFiles, explainRange, type ExplainJson } from "../helpers/git-repo.js";
import { policyFrom, preset } from "../helpers/policy.js";

/**
 * PRESETS.md, `it-operations` (seed 004): as platform-engineering with
 * it-operations in place of platform-engineering and no ticket; and, since
 * engineers do not manage CI/CD or production infrastructure, an operations change
 * by someone outside it-operations needs two distinct it-operations members.
 * Through the CLI (`explain --json`) on small real repositories, and through
 * `evaluate` where sign-offs matter.
 */

const PRESET = "it-operations";
const BINDINGS = `extends: ${PRESET}\nroles:\n  it-operations: { users: [olga, omar, ivan] }\n`;
const MEMBER = "olga";
const ENGINEER = "eve";
const RULE = "engineer-authored-operations-change";

const workflow = fixture("presets/deploy.yml");
const dockerfile = fixture("presets/Dockerfile");
const mainTf = fixture("presets/main.tf");
const securityGroups = fixture("presets/security_groups.tf");
const adr = fixture("presets/adr-0012-nats-jetstream-backups.md");
const envProduction = fixture("presets/env.production");
const networkPolicy = fixture("changes/k8s/networkpolicy.yaml");
const pkg = fixture("repo/package.json");
const schema = fixture("repo/schema.prisma");

const requirementsOf = (json: ExplainJson, area: string) => json.requirements.filter((r) => r.area === area).map((r) => [r.id, r.level, r.roles, r.count]);

let policy: Policy;
let dir: string;
let bound: string;
beforeAll(async () => {
  policy = await preset(PRESET);
  dir = mkdtempSync(join(tmpdir(), "gg-itops-"));
  bound = join(dir, "governance.yml");
  writeFileSync(bound, BINDINGS);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One realistic change per area: [area, base files, head files]. */
const changes: Record<string, [Record<string, string>, Record<string, string>]> = {
  "ci-cd": [{ ".github/workflows/deploy.yml": workflow }, { ".github/workflows/deploy.yml": workflow.replace("      - run: npm run build\n", "      - run: npm run build\n      - run: npm test\n") }],
  deployment: [{ "services/backup/Dockerfile": dockerfile }, { "services/backup/Dockerfile": dockerfile.replace("FROM node:20-bookworm-slim\n", "FROM node:22-bookworm-slim\n") }],
  environments: [{ ".env.production": envProduction }, { ".env.production": `${envProduction}BACKUP_SCHEDULE=0 3 * * *\n` }],
  iac: [{ "terraform/nats/main.tf": mainTf }, { "terraform/nats/main.tf": mainTf.replace('version = "~> 5.40"', 'version = "~> 5.60"') }],
};

describe("it-operations areas (PRESETS.md: as platform-engineering, it-operations in its place, no ticket)", () => {
  // [area, a realistic path it owns, A, base level, base approvers]
  const rows: [string, string, string, number, string[]][] = [
    ["ci-cd", ".github/workflows/deploy.yml", "it-operations", 2, ["it-operations"]],
    ["deployment", "helm/nats-backup/values.yaml", "it-operations", 2, ["it-operations"]],
    ["environments", "config/production/nats.yaml", "it-operations", 2, ["it-operations"]],
    ["iac", "pulumi/nats/index.ts", "it-operations", 2, ["it-operations"]],
    ["network-access", "k8s/rbac/nats-backup.yaml", "it-operations", 3, ["it-operations", "architecture-team"]],
    ["architecture", "docs/architecture/messaging.md", "architecture-team", 2, ["architecture-team"]],
    ["dependencies", "pnpm-lock.yaml", "engineers", 1, []],
    ["data-model", "migrations/V12__reactions.sql", "engineers", 1, []],
  ];

  it.each(rows)("%s owns %s (A %s) at level %i for an it-operations author", async (id, path, accountable, level, approvers) => {
    const area = policy.areas.find((a) => a.id === id)!;
    expect({ accountable: area.accountable, level: area.level, ticket: area.ticket }).toEqual({ accountable, level, ticket: false });

    const json = await explainFiles(bound, [path], ["--author", MEMBER]);
    expect(json.unowned).toEqual([]);
    expect(json.areas.map((a) => a.id)).toContain(id);
    expect(json.areas.find((a) => a.id === id)?.level).toBe(level);
    if (level === 1) expect(requirementsOf(json, id)).toEqual([]);
    else expect(requirementsOf(json, id)).toEqual([[`${id}/base`, level, approvers, approvers.length]]);
    expect(json.ticket).toEqual({ required: false, pattern: null, found: [], areas: [] });
    expect(json.problems.filter((p) => /ticket/i.test(p.message))).toEqual([]);
  });

  it("network-access: a Terraform aws_security_group → level 3, it-operations + architecture-team", async () => {
    const json = await explainRange(bound, { "terraform/nats/main.tf": mainTf }, { "terraform/nats/security_groups.tf": securityGroups }, ["--author", MEMBER]);
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([
      ["iac", 2],
      ["network-access", 3],
    ]);
    expect(json.level).toBe(3);
    expect(requirementsOf(json, "network-access")).toEqual([["network-access/base", 3, ["it-operations", "architecture-team"], 2]]);
  });

  it("network-access: a Kubernetes NetworkPolicy → level 3, it-operations + architecture-team", async () => {
    const json = await explainRange(bound, {}, { "k8s/nats/networkpolicy.yaml": networkPolicy }, ["--author", MEMBER]);
    expect(json.areas.find((a) => a.id === "network-access")?.level).toBe(3);
    expect(json.level).toBe(3);
    expect(requirementsOf(json, "network-access")).toEqual([["network-access/base", 3, ["it-operations", "architecture-team"], 2]]);
  });

  it("architecture: an ADR → level 2, architecture-team, whoever the author", async () => {
    for (const author of [MEMBER, ENGINEER]) {
      const json = await explainRange(bound, {}, { "docs/adr/0012-nats-jetstream-backups.md": adr }, ["--author", author]);
      expect(json.level).toBe(2);
      expect(json.requirements.map((r) => [r.id, r.roles, r.count])).toEqual([["architecture/base", ["architecture-team"], 1]]);
    }
  });

  it("dependencies: a minor bump stays at level 1; dependency-added → level 2, architecture-team", async () => {
    const minor = await explainRange(bound, { "package.json": pkg }, { "package.json": pkg.replace('"zod": "^3.23.8"', '"zod": "^3.24.1"') }, ["--author", ENGINEER]);
    expect(minor.areas.map((a) => [a.id, a.level, a.changes.map((c) => c.kind)])).toEqual([["dependencies", 1, ["dependency-minor"]]]);
    expect(minor.requirements).toEqual([]);
    expect(minor.conclusion).toBe("success");

    const addedNats = await explainRange(bound, { "package.json": pkg }, { "package.json": pkg.replace('"ioredis": "^5.4.1",', '"ioredis": "^5.4.1",\n    "nats": "^2.28.2",') }, ["--author", ENGINEER]);
    expect(addedNats.level).toBe(2);
    expect(addedNats.requirements.map((r) => [r.id, r.level, r.roles, r.count])).toEqual([["dependencies/new-technology", 2, ["architecture-team"], 1]]);
  });

  it("data-model: CREATE TABLE stays at level 1; DROP COLUMN and a removed Prisma field → level 2, architecture-team", async () => {
    const additive = await explainRange(bound, { "prisma/schema.prisma": schema }, { "prisma/migrations/20261122080000_reactions/migration.sql": fixture("prs/add-table.migration.sql") }, ["--author", ENGINEER]);
    expect(additive.level).toBe(1);
    expect(additive.requirements).toEqual([]);

    const dropped = await explainRange(bound, { "prisma/schema.prisma": schema }, {
      "prisma/migrations/20261120093000_drop_avatar/migration.sql": fixture("prs/drop-column.migration.sql"),
    }, ["--author", ENGINEER]);
    expect(dropped.areas[0]?.changes.map((c) => c.kind)).toEqual(["migration-destructive"]);
    expect(dropped.level).toBe(2);
    expect(dropped.requirements.map((r) => [r.id, r.level, r.roles, r.count])).toEqual([["data-model/data-model-change", 2, ["architecture-team"], 1]]);

    const field = await explainRange(bound, { "prisma/schema.prisma": schema }, { "prisma/schema.prisma": schema.replace("  avatarUrl String?\n", "") }, ["--author", ENGINEER]);
    expect(field.level).toBe(2);
    expect(field.requirements.map((r) => [r.id, r.roles])).toEqual([["data-model/data-model-change", ["architecture-team"]]]);
  });

  it("never asks for a ticket, even for operations changes without one", async () => {
    const json = await explainFiles(PRESET, [".github/workflows/deploy.yml", "terraform/nats/main.tf", "k8s/nats/networkpolicy.yaml"], ["--title", "Nats: automated backup solution"]);
    expect(json.ticket).toEqual({ required: false, pattern: null, found: [], areas: [] });
    expect(json.problems.filter((p) => /ticket/i.test(p.message))).toEqual([]);
  });
});

describe("it-operations: who authored an operations change decides the level (seed 004)", () => {
  it.each(Object.keys(changes))("%s by an it-operations member → level 2, one it-operations approval", async (area) => {
    const [base, head] = changes[area]!;
    const json = await explainRange(bound, base, head, ["--author", MEMBER]);
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([[area, 2]]);
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => [r.id, r.level, r.roles, r.count])).toEqual([[`${area}/base`, 2, ["it-operations"], 1]]);
  });

  it.each(Object.keys(changes))("%s by an engineer → level 3, two distinct it-operations members", async (area) => {
    const [base, head] = changes[area]!;
    const json = await explainRange(bound, base, head, ["--author", ENGINEER]);
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([[area, 3]]);
    expect(json.level).toBe(3);
    expect(json.requirements.map((r) => [r.id, r.rule, r.level, r.roles, r.count])).toEqual([[`${area}/${RULE}`, RULE, 3, ["it-operations"], 2]]);
    expect(json.requirements[0]?.reason).toContain(`author is not a member of it-operations`);
  });

  it("the author rule stays out of the areas engineers own", async () => {
    const json = await explainFiles(bound, ["docs/adr/0012-nats.md", "package.json", "prisma/schema.prisma"], ["--author", ENGINEER]);
    expect(json.requirements.map((r) => r.rule)).not.toContain(RULE);
    expect(json.level).toBe(2);
  });

  it("an engineer's security group: two it-operations members for iac, plus it-operations + architecture-team", async () => {
    const json = await explainRange(bound, {}, { "terraform/nats/security_groups.tf": securityGroups }, ["--author", ENGINEER]);
    expect(json.level).toBe(3);
    expect(json.requirements.map((r) => [r.id, r.roles, r.count])).toEqual([
      [`iac/${RULE}`, ["it-operations"], 2],
      ["network-access/base", ["it-operations", "architecture-team"], 2],
    ]);
  });
});

describe("it-operations: network access read from infrastructure code", () => {
  const NETWORK_RULE = "network-access-in-code";
  const withSecurityGroup = `${mainTf}\n${securityGroups}`;

  it("a security group added to terraform/nats/main.tf by a member → level 3, it-operations + architecture-team", async () => {
    const json = await explainRange(bound, { "terraform/nats/main.tf": mainTf }, { "terraform/nats/main.tf": withSecurityGroup }, ["--author", MEMBER]);
    expect(json.areas.map((a) => [a.id, a.level, a.changes.map((c) => c.detail)])).toEqual([["iac", 3, ["aws_security_group.nats added"]]]);
    expect(json.level).toBe(3);
    expect(requirementsOf(json, "iac")).toEqual([[`iac/${NETWORK_RULE}`, 3, ["it-operations", "architecture-team"], 2]]);
    expect(json.ticket.required).toBe(false);
  });

  it("by an engineer: two it-operations members, and it-operations + architecture-team", async () => {
    const json = await explainRange(bound, { "terraform/nats/main.tf": mainTf }, { "terraform/nats/main.tf": withSecurityGroup }, ["--author", ENGINEER]);
    expect(json.level).toBe(3);
    expect(json.requirements.map((r) => [r.id, r.roles, r.count])).toEqual([
      [`iac/${RULE}`, ["it-operations"], 2],
      [`iac/${NETWORK_RULE}`, ["it-operations", "architecture-team"], 2],
    ]);
  });

  it("an S3-only change to main.tf by a member stays level 2", async () => {
    const head = mainTf.replace("    Service     = \"nats\"\n", "    Service     = \"nats\"\n    Backup      = \"jetstream\"\n");
    expect(head).not.toBe(mainTf);
    const json = await explainRange(bound, { "terraform/nats/main.tf": mainTf }, { "terraform/nats/main.tf": head }, ["--author", MEMBER]);
    expect(json.areas.map((a) => [a.id, a.level, a.changes])).toEqual([["iac", 2, []]]);
    expect(json.requirements.map((r) => [r.id, r.level, r.roles, r.count])).toEqual([["iac/base", 2, ["it-operations"], 1]]);
  });
});

describe("it-operations sign-off (evaluate)", () => {
  let bindings: Policy;
  beforeAll(async () => {
    bindings = await policyFrom(BINDINGS);
  });
  const files = [added(".github/workflows/deploy.yml", workflow)];
  const decide = (overrides: Parameters<typeof prFacts>[1]) => evaluate(bindings, prFacts(files, { title: "Nats: automated backup", ...overrides }), NOW);
  const ruleOf = (d: ReturnType<typeof evaluate>) => d.requirements.find((r) => r.id === `ci-cd/${RULE}`)!;

  it("an engineer's change: one it-operations approval is not enough", () => {
    const d = decide({ author: ENGINEER, reviews: [approval("omar")] });
    expect(d.level).toBe(3);
    expect(d.conclusion).toBe("failure");
    expect(ruleOf(d).signatures.map((s) => s.login)).toEqual(["omar"]);
    expect(ruleOf(d).missing).toEqual([{ roles: ["it-operations"], count: 1 }]);
  });

  it("an engineer's change: with one it-operations approval in, a second member is requested", () => {
    const none = decide({ author: ENGINEER });
    expect(none.reviewersToRequest).toEqual({ users: ["ivan", "olga"], teams: [] });
    // omar's approval already fills one of the two slots; it cannot also cover the
    // one still open, so olga or ivan must be asked.
    const one = decide({ author: ENGINEER, reviews: [approval("omar")] });
    expect(one.reviewersToRequest.teams).toEqual([]);
    expect(one.reviewersToRequest.users).toHaveLength(1);
    expect(["ivan", "olga"]).toContain(one.reviewersToRequest.users[0]);
  });

  it("an engineer's change: two distinct it-operations members pass", () => {
    const d = decide({ author: ENGINEER, reviews: [approval("omar"), approval("ivan")] });
    expect(d.conclusion).toBe("success");
    expect(ruleOf(d).signatures.map((s) => s.login).sort()).toEqual(["ivan", "omar"]);
  });

  it("an engineer's change: the same person approving twice (review + /approve-level3) counts once", () => {
    const d = decide({ author: ENGINEER, reviews: [approval("omar")], comments: [comment("omar", "Reviewed the deploy job.\n/approve-level3", "2026-11-23T11:05:00Z")] });
    expect(d.conclusion).toBe("failure");
    expect(ruleOf(d).signatures.map((s) => s.login)).toEqual(["omar"]);
    expect(ruleOf(d).missing).toEqual([{ roles: ["it-operations"], count: 1 }]);
  });

  it("an engineer's change: an approval from outside it-operations does not count toward the two", () => {
    const d = decide({ author: ENGINEER, reviews: [approval("omar"), approval("erin")] });
    expect(d.conclusion).toBe("failure");
    expect(ruleOf(d).missing).toEqual([{ roles: ["it-operations"], count: 1 }]);
  });

  it("a member's change: another member's approval passes at level 2", () => {
    const d = decide({ author: MEMBER, reviews: [approval("omar")] });
    expect(d.level).toBe(2);
    expect(d.requirements.map((r) => r.id)).toEqual(["ci-cd/base"]);
    expect(d.conclusion).toBe("success");
  });

  it("a member's change: the author's own sign-off never counts", () => {
    const d = decide({ author: MEMBER, comments: [comment(MEMBER, "/approve-level3")], reviews: [approval(MEMBER)] });
    expect(d.level).toBe(2);
    expect(d.conclusion).toBe("failure");
    expect(d.requirements[0]?.signatures).toEqual([]);
    expect(d.commands).toEqual([expect.objectContaining({ login: MEMBER, counted: false, reason: "the pull request's author cannot sign off their own change" })]);
    // The author is never the one asked to review.
    expect(d.reviewersToRequest.users).not.toContain(MEMBER);
  });

  it("membership is case-insensitive: the GitHub login Olga is the member olga", () => {
    const d = decide({ author: "Olga", reviews: [approval("omar")] });
    expect(d.level).toBe(2);
    expect(d.conclusion).toBe("success");
  });
});

describe("it-operations expedited process", () => {
  it("/emergency is accepted from it-operations, with the post-implementation review within 24 h", () => {
    expect(policy.emergency).toEqual({ roles: ["it-operations"], reviewWithinHours: 24, allowAuthor: false });
  });

  it("review SLA: 2 business days; expedited: 4 business hours (Mon–Fri)", () => {
    expect(policy.sla.review).toEqual({ businessDays: 2 });
    expect(policy.sla.expedited).toEqual({ businessHours: 4 });
    expect(policy.sla.workingDays).toEqual(["mon", "tue", "wed", "thu", "fri"]);
  });

  it("declares the seed's roles with it-operations in place of platform-engineering, and binds nobody", () => {
    expect([...policy.roles.keys()]).toEqual(["product-owner", "engineers", "it-operations", "architecture-team", "engineering-management"]);
    expect([...policy.roles.values()].every((r) => r.users.length === 0 && r.teams.length === 0)).toBe(true);
    expect(policy.ticket).toBeUndefined();
  });
});

describe("it-operations: amending the policy (issue 10 item 3)", () => {
  // Seed 004, lines 122–123: "IT/Operations has authority on infrastructure, deployment methods,
  // and operational procedures"; "Cross-functional Conflicts: Escalate to management when
  // decisions impact multiple domains". The policy sets every domain's approvals, so an
  // amendment needs both, as joint approval (level 3).
  const WITH_MANAGEMENT = `${BINDINGS}  engineering-management: { users: [mona] }\n`;
  const REBOUND = WITH_MANAGEMENT.replace("[olga, omar, ivan]", "[olga, omar, ivan, eves-colleague]");

  it("rebinding the approving role → level 3, it-operations + engineering-management", async () => {
    const bound = await policyFrom(WITH_MANAGEMENT);
    const facts = (reviews: ReturnType<typeof approval>[]) => prFacts([modified(".github/governance.yml", WITH_MANAGEMENT, REBOUND)], { author: ENGINEER, reviews });
    const d = evaluate(bound, facts([]), NOW);
    expect(d.unowned).toEqual([]);
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
    expect(d.requirements.map((r) => [r.id, r.level, r.clauses])).toEqual([
      ["governance/base", 3, [{ roles: ["it-operations"], count: 1 }, { roles: ["engineering-management"], count: 1 }]],
    ]);
    expect(evaluate(bound, facts([approval(MEMBER)]), NOW).conclusion).toBe("failure");
    expect(evaluate(bound, facts([approval(MEMBER), approval("mona")]), NOW).conclusion).toBe("success");
  });
});
