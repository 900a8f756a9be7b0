import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, added, approval, fixture, modified, prFacts } from "../helpers/facts.js";
import { explainFiles, explainRange, type ExplainJson } from "../helpers/git-repo.js";
import { policyFrom, preset } from "../helpers/policy.js";

/**
 * PRESETS.md, `platform-engineering` (seed 002): every row of the table, the
 * ticket requirement and the expedited process, through the CLI as a user runs it
 * (`explain --json`) on small real repositories, and through `evaluate` where
 * sign-offs matter.
 */

const PRESET = "platform-engineering";
const TICKET_PATTERN = "[A-Z][A-Z0-9]+-\\d+";
const TICKET_TITLE = "LFXV2-302 Nats backup";

const workflow = fixture("presets/deploy.yml");
const dockerfile = fixture("presets/Dockerfile");
const mainTf = fixture("presets/main.tf");
const securityGroups = fixture("presets/security_groups.tf");
const adr = fixture("presets/adr-0012-nats-jetstream-backups.md");
const envProduction = fixture("presets/env.production");
const networkPolicy = fixture("changes/k8s/networkpolicy.yaml");
const rbac = fixture("changes/k8s/rbac.yaml");
const deployment = fixture("repo/deployment.yaml");
const pkg = fixture("repo/package.json");
const schema = fixture("repo/schema.prisma");

const ticketProblems = (json: Pick<ExplainJson, "problems">) => json.problems.filter((p) => /ticket/i.test(p.message));
const requirementsOf = (json: ExplainJson, area: string) => json.requirements.filter((r) => r.area === area).map((r) => [r.id, r.level, r.roles, r.count]);

let policy: Policy;
beforeAll(async () => {
  policy = await preset(PRESET);
});

describe("platform-engineering areas (PRESETS.md table)", () => {
  // [area, a realistic path it owns, A, base level, base approvers, ticket required]
  const rows: [string, string, string, number, string[], boolean][] = [
    ["ci-cd", ".github/workflows/deploy.yml", "platform-engineering", 2, ["platform-engineering"], true],
    ["deployment", "charts/nats-backup/templates/cronjob.yaml", "platform-engineering", 2, ["platform-engineering"], true],
    ["environments", "config/production/nats.yaml", "platform-engineering", 2, ["platform-engineering"], true],
    ["iac", "terraform/nats/main.tf", "platform-engineering", 2, ["platform-engineering"], true],
    ["network-access", "policies/iam/nats-backup-writer.json", "platform-engineering", 3, ["platform-engineering", "architecture-team"], true],
    ["architecture", "docs/adr/0012-nats-jetstream-backups.md", "architecture-team", 2, ["architecture-team"], false],
    ["dependencies", "package-lock.json", "engineers", 1, [], false],
    ["data-model", "prisma/schema.prisma", "engineers", 1, [], false],
  ];

  it.each(rows)("%s owns %s (A %s) at level %i", async (id, path, accountable, level, approvers, ticket) => {
    const area = policy.areas.find((a) => a.id === id)!;
    expect({ accountable: area.accountable, level: area.level, ticket: area.ticket }).toEqual({ accountable, level, ticket });

    const json = await explainFiles(PRESET, [path], ["--title", TICKET_TITLE]);
    expect(json.unowned).toEqual([]);
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([[id, level]]);
    expect(json.level).toBe(level);
    // Level 1 requires nothing; above it, the area's approvers sign, each a distinct person.
    if (level === 1) expect(json.requirements).toEqual([]);
    else expect(requirementsOf(json, id)).toEqual([[`${id}/base`, level, approvers, approvers.length]]);
    expect(json.ticket).toMatchObject({ required: ticket, pattern: TICKET_PATTERN, found: ticket ? ["LFXV2-302"] : [] });
  });

  it("ci-cd: a real GitHub Actions workflow change → level 2, platform-engineering, ticket required", async () => {
    const head = workflow.replace("      - run: npm run build\n", "      - run: npm run build\n      - run: npm test\n");
    const json = await explainRange(PRESET, { ".github/workflows/deploy.yml": workflow }, { ".github/workflows/deploy.yml": head }, ["--title", TICKET_TITLE]);
    expect(json.areas.map((a) => a.id)).toEqual(["ci-cd"]);
    expect(json.level).toBe(2);
    expect(json.requiredRoles).toEqual(["platform-engineering"]);
    expect(json.ticket).toMatchObject({ required: true, pattern: TICKET_PATTERN, found: ["LFXV2-302"] });
  });

  it("ci-cd covers every pipeline spelling the table lists", async () => {
    const json = await explainFiles(PRESET, [".github/actions/setup/action.yml", "Jenkinsfile", ".gitlab-ci.yml", ".circleci/config.yml"]);
    expect(json.areas.map((a) => [a.id, a.files.length])).toEqual([["ci-cd", 4]]);
    expect(json.unowned).toEqual([]);
  });

  it("deployment: a Dockerfile and a Kubernetes Deployment → level 2, platform-engineering, ticket required", async () => {
    const json = await explainRange(PRESET, { Dockerfile: dockerfile, "k8s/chat-api/deployment.yaml": deployment }, {
      Dockerfile: dockerfile.replace("node:20-bookworm-slim AS build", "node:22-bookworm-slim AS build"),
      "k8s/chat-api/deployment.yaml": deployment.replace("chat-api:1.14.2", "chat-api:1.15.0"),
      "services/backup/Dockerfile": dockerfile,
      "docker-compose.override.yml": "services:\n  nats:\n    image: nats:2.10\n",
    }, ["--title", TICKET_TITLE]);
    expect(json.areas.map((a) => a.id)).toEqual(["deployment"]);
    expect(json.areas[0]?.files.sort()).toEqual(["Dockerfile", "docker-compose.override.yml", "k8s/chat-api/deployment.yaml", "services/backup/Dockerfile"]);
    expect(json.level).toBe(2);
    expect(requirementsOf(json, "deployment")).toEqual([["deployment/base", 2, ["platform-engineering"], 1]]);
    expect(json.ticket.required).toBe(true);
  });

  it("environments: .env.production and staging config → level 2, platform-engineering, ticket required", async () => {
    const json = await explainRange(PRESET, { ".env.production": envProduction }, {
      ".env.production": `${envProduction}BACKUP_SCHEDULE=0 3 * * *\n`,
      "config/staging/nats.yaml": "url: nats://nats.nats-staging.svc:4222\n",
    }, ["--title", TICKET_TITLE]);
    expect(json.areas.map((a) => [a.id, a.files.sort()])).toEqual([["environments", [".env.production", "config/staging/nats.yaml"]]]);
    expect(json.level).toBe(2);
    expect(requirementsOf(json, "environments")).toEqual([["environments/base", 2, ["platform-engineering"], 1]]);
    expect(json.ticket.required).toBe(true);
  });

  it("iac: Terraform → level 2, platform-engineering, ticket required", async () => {
    const json = await explainRange(PRESET, { "terraform/nats/main.tf": mainTf }, {
      "terraform/nats/main.tf": mainTf.replace('version = "~> 5.40"', 'version = "~> 5.60"'),
      "terraform/nats/prod.tfvars": 'environment = "prod"\nregion      = "us-west-2"\n',
    }, ["--title", TICKET_TITLE]);
    expect(json.areas.map((a) => a.id)).toEqual(["iac"]);
    expect(json.level).toBe(2);
    expect(requirementsOf(json, "iac")).toEqual([["iac/base", 2, ["platform-engineering"], 1]]);
    expect(json.ticket.required).toBe(true);
  });

  it("network-access: a Terraform aws_security_group → level 3, platform-engineering + architecture-team (and iac)", async () => {
    const json = await explainRange(PRESET, { "terraform/nats/main.tf": mainTf }, { "terraform/nats/security_groups.tf": securityGroups }, ["--title", TICKET_TITLE]);
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([
      ["iac", 2],
      ["network-access", 3],
    ]);
    expect(json.level).toBe(3);
    expect(requirementsOf(json, "network-access")).toEqual([["network-access/base", 3, ["platform-engineering", "architecture-team"], 2]]);
    expect(json.requiredRoles).toEqual(["architecture-team", "platform-engineering"]);
    expect(json.ticket).toMatchObject({ required: true, found: ["LFXV2-302"] });
  });

  it("network-access: a Kubernetes NetworkPolicy and RBAC → level 3, platform-engineering + architecture-team", async () => {
    const json = await explainRange(PRESET, { "k8s/chat-api/deployment.yaml": deployment }, {
      "k8s/nats/networkpolicy.yaml": networkPolicy,
      "k8s/rbac/nats-backup.yaml": rbac,
    }, ["--title", TICKET_TITLE]);
    const network = json.areas.find((a) => a.id === "network-access");
    expect(network?.files.sort()).toEqual(["k8s/nats/networkpolicy.yaml", "k8s/rbac/nats-backup.yaml"]);
    expect(network?.level).toBe(3);
    expect(json.level).toBe(3);
    expect(requirementsOf(json, "network-access")).toEqual([["network-access/base", 3, ["platform-engineering", "architecture-team"], 2]]);
    expect(json.ticket.required).toBe(true);
  });

  it("network-access: IAM files, whatever the directory depth or case of NetworkPolicy", async () => {
    const json = await explainFiles(PRESET, ["infra/aws/iam/ci-deployer-policy.json", "k8s/nats/NetworkPolicy-allow-clients.yaml", "modules/vpc/nats-security-group.tf"]);
    expect(json.areas.find((a) => a.id === "network-access")?.files).toEqual([
      "infra/aws/iam/ci-deployer-policy.json",
      "k8s/nats/NetworkPolicy-allow-clients.yaml",
      "modules/vpc/nats-security-group.tf",
    ]);
    expect(json.level).toBe(3);
  });

  it("architecture: an ADR → level 2, architecture-team, no ticket", async () => {
    const json = await explainRange(PRESET, {}, { "docs/adr/0012-nats-jetstream-backups.md": adr, "docs/architecture/messaging.md": "# Messaging\n\nNATS JetStream.\n" }, ["--title", "Propose NATS backups"]);
    expect(json.areas.map((a) => [a.id, a.files.length])).toEqual([["architecture", 2]]);
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => [r.id, r.roles, r.count])).toEqual([["architecture/base", ["architecture-team"], 1]]);
    expect(json.ticket).toEqual({ required: false, pattern: TICKET_PATTERN, found: [], areas: [] });
    expect(ticketProblems(json)).toEqual([]);
  });

  it("dependencies: a minor bump in package.json stays at level 1 and needs nobody", async () => {
    const minor = pkg.replace('"zod": "^3.23.8"', '"zod": "^3.24.1"');
    const json = await explainRange(PRESET, { "package.json": pkg }, { "package.json": minor });
    expect(json.areas.map((a) => [a.id, a.level, a.changes.map((c) => c.kind)])).toEqual([["dependencies", 1, ["dependency-minor"]]]);
    expect(json.level).toBe(1);
    expect(json.requirements).toEqual([]);
    expect(json.ticket.required).toBe(false);
    expect(json.conclusion).toBe("success");
  });

  it("dependencies: dependency-added (new technology) → level 2, architecture-team", async () => {
    const addedNats = pkg.replace('"ioredis": "^5.4.1",', '"ioredis": "^5.4.1",\n    "nats": "^2.28.2",');
    const json = await explainRange(PRESET, { "package.json": pkg }, { "package.json": addedNats });
    expect(json.areas.map((a) => [a.id, a.level, a.changes.map((c) => c.kind)])).toEqual([["dependencies", 2, ["dependency-added"]]]);
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => [r.id, r.level, r.roles, r.count])).toEqual([["dependencies/new-technology", 2, ["architecture-team"], 1]]);
    expect(json.ticket.required).toBe(false);
  });

  it("data-model: an additive migration (CREATE TABLE) stays at level 1", async () => {
    const json = await explainRange(PRESET, { "prisma/schema.prisma": schema }, {
      "prisma/migrations/20261122080000_reactions/migration.sql": fixture("prs/add-table.migration.sql"),
    });
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([["data-model", 1]]);
    expect(json.areas[0]?.changes).toEqual([]);
    expect(json.level).toBe(1);
    expect(json.requirements).toEqual([]);
    expect(json.conclusion).toBe("success");
  });

  it("data-model: migration-destructive (DROP COLUMN in a Prisma migration.sql) → level 2, architecture-team", async () => {
    const json = await explainRange(PRESET, { "prisma/schema.prisma": schema }, {
      "prisma/migrations/20261120093000_drop_avatar/migration.sql": fixture("prs/drop-column.migration.sql"),
    });
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([["data-model", 2]]);
    expect(json.areas[0]?.changes.map((c) => c.kind)).toEqual(["migration-destructive"]);
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => [r.id, r.level, r.roles, r.count])).toEqual([["data-model/data-model-change", 2, ["architecture-team"], 1]]);
  });

  it("data-model: a field removed from schema.prisma is migration-destructive → level 2, architecture-team", async () => {
    const json = await explainRange(PRESET, { "prisma/schema.prisma": schema }, { "prisma/schema.prisma": schema.replace("  avatarUrl String?\n", "") });
    expect(json.areas[0]?.changes.map((c) => c.kind)).toContain("migration-destructive");
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([["data-model/data-model-change", ["architecture-team"]]]);
  });

  it("data-model: a plain migrations/ directory is the data model too", async () => {
    const json = await explainRange(PRESET, {}, { "migrations/V12__drop_avatar.sql": 'ALTER TABLE "User" DROP COLUMN "avatarUrl";\n' });
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([["data-model", 2]]);
    expect(json.requirements.map((r) => r.id)).toEqual(["data-model/data-model-change"]);
  });
});

describe("platform-engineering: network access read from infrastructure and deployment code", () => {
  const RULE = "network-access-in-code";
  const withSecurityGroup = `${mainTf}\n${securityGroups}`;
  const iacChanges = (json: ExplainJson) => json.areas.find((a) => a.id === "iac")?.changes.map((c) => [c.kind, c.detail]);

  it("a security group added to terraform/nats/main.tf → level 3, platform-engineering + architecture-team, ticket required", async () => {
    const json = await explainRange(PRESET, { "terraform/nats/main.tf": mainTf }, { "terraform/nats/main.tf": withSecurityGroup }, ["--title", TICKET_TITLE]);
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([["iac", 3]]);
    expect(iacChanges(json)).toEqual([["security-policy", "aws_security_group.nats added"]]);
    expect(json.level).toBe(3);
    // The rule's sign-off covers the area's own (platform-engineering), so it is the one listed.
    expect(requirementsOf(json, "iac")).toEqual([[`iac/${RULE}`, 3, ["platform-engineering", "architecture-team"], 2]]);
    expect(json.requiredRoles).toEqual(["architecture-team", "platform-engineering"]);
    expect(json.ticket).toMatchObject({ required: true, found: ["LFXV2-302"], areas: ["iac"] });
    expect(ticketProblems(json)).toEqual([]);
  });

  it("without a ticket key the same change fails on the ticket", async () => {
    const json = await explainRange(PRESET, { "terraform/nats/main.tf": mainTf }, { "terraform/nats/main.tf": withSecurityGroup }, ["--title", "Nats: open the client port"]);
    expect(json.level).toBe(3);
    expect(json.conclusion).toBe("failure");
    expect(ticketProblems(json).map((p) => p.message)).toEqual(["areas iac require a ticket reference in the title or body"]);
  });

  it("an IAM policy widened in Terraform → level 3", async () => {
    const iam = fixture("changes/terraform/main.tf");
    const head = iam.replace('Action   = ["s3:PutObject", "s3:AbortMultipartUpload"]', 'Action   = ["s3:*"]');
    const json = await explainRange(PRESET, { "terraform/nats/backup.tf": iam }, { "terraform/nats/backup.tf": head }, ["--title", TICKET_TITLE]);
    expect(iacChanges(json)).toEqual([["security-policy", "aws_iam_role_policy.nats_backup_writer policy changed"]]);
    expect(json.level).toBe(3);
    expect(requirementsOf(json, "iac")).toEqual([[`iac/${RULE}`, 3, ["platform-engineering", "architecture-team"], 2]]);
  });

  it("an S3-only change to main.tf stays level 2, platform-engineering", async () => {
    const head = mainTf.replace("    Service     = \"nats\"\n", "    Service     = \"nats\"\n    Backup      = \"jetstream\"\n");
    expect(head).not.toBe(mainTf);
    const json = await explainRange(PRESET, { "terraform/nats/main.tf": mainTf }, { "terraform/nats/main.tf": head }, ["--title", TICKET_TITLE]);
    expect(json.areas.map((a) => [a.id, a.level, a.changes])).toEqual([["iac", 2, []]]);
    expect(json.level).toBe(2);
    expect(requirementsOf(json, "iac")).toEqual([["iac/base", 2, ["platform-engineering"], 1]]);
  });

  it("deployment manifests are not raised by content: a NetworkPolicy in a file the network-access paths miss stays level 2", async () => {
    // Manifests' security findings also cover pod privileges and secrets wiring, which
    // PRESETS.md does not count as network access; the path globs decide there.
    const json = await explainRange(PRESET, { "k8s/chat-api/deployment.yaml": deployment }, { "k8s/redis/policies.yaml": networkPolicy }, ["--title", TICKET_TITLE]);
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([["deployment", 2]]);
    expect(json.areas[0]!.changes.map((c) => c.kind)).toContain("security-policy");
  });

  it("two distinct people sign: one platform-engineering, one architecture-team", async () => {
    const bound = await policyFrom(`extends: ${PRESET}\nroles:\n  platform-engineering: { users: [alan, trevor] }\n  architecture-team: { users: [ari, alan] }\n`);
    const files = [modified("terraform/nats/main.tf", mainTf, withSecurityGroup)];
    const facts = (reviews: ReturnType<typeof approval>[]) => prFacts(files, { author: "eve", title: TICKET_TITLE, reviews });
    expect(evaluate(bound, facts([approval("trevor")]), NOW).conclusion).toBe("failure");
    expect(evaluate(bound, facts([approval("alan")]), NOW).conclusion).toBe("failure");
    expect(evaluate(bound, facts([approval("trevor"), approval("ari")]), NOW).conclusion).toBe("success");
  });
});

describe("platform-engineering ticket reference ([A-Z][A-Z0-9]+-\\d+ in the title or body)", () => {
  it("finds the key in the title", async () => {
    const json = await explainFiles(PRESET, [".github/workflows/deploy.yml"], ["--title", TICKET_TITLE]);
    expect(json.ticket).toEqual({ required: true, pattern: TICKET_PATTERN, found: ["LFXV2-302"], areas: ["ci-cd"] });
    expect(ticketProblems(json)).toEqual([]);
  });

  it("finds keys in the body", async () => {
    const json = await explainFiles(PRESET, ["terraform/nats/main.tf"], ["--title", "Nats: automated backup", "--body", "Implements LFXV2-302.\nFollow-up: LFXV2-310 (restore drill)."]);
    expect(json.ticket.found).toEqual(["LFXV2-302", "LFXV2-310"]);
    expect(ticketProblems(json)).toEqual([]);
  });

  it("a title without a key leaves found empty, fails, and names the areas that need one", async () => {
    const json = await explainFiles(PRESET, [".github/workflows/deploy.yml", "k8s/nats/networkpolicy.yaml"], ["--title", "Nats: automated backup solution"]);
    expect(json.ticket).toMatchObject({ required: true, pattern: TICKET_PATTERN, found: [] });
    expect(json.conclusion).toBe("failure");
    expect(ticketProblems(json)).toEqual([
      expect.objectContaining({ severity: "error", message: "areas ci-cd, deployment, network-access require a ticket reference in the title or body" }),
    ]);
  });

  it("a lower-case key does not match the pattern", async () => {
    const json = await explainFiles(PRESET, ["config/staging/nats.yaml"], ["--title", "lfxv2-302 nats backup"]);
    expect(json.ticket.found).toEqual([]);
    expect(ticketProblems(json)).toHaveLength(1);
  });

  it("areas without the ticket flag never ask for one", async () => {
    const json = await explainFiles(PRESET, ["docs/adr/0012-nats.md", "package.json", "prisma/schema.prisma"], ["--title", "Propose NATS backups"]);
    expect(json.ticket.required).toBe(false);
    expect(ticketProblems(json)).toEqual([]);
  });

  it("with the sign-off in place, the ticket alone decides the check", async () => {
    const bound = await policyFrom(`extends: ${PRESET}\nroles:\n  platform-engineering: { users: [alan, antonia, trevor] }\n`);
    const files = [added(".github/workflows/deploy.yml", workflow)];
    const base = { author: "eve", reviews: [approval("trevor")] };

    const noKey = evaluate(bound, prFacts(files, { ...base, title: "Nats: automated backup solution" }), NOW);
    expect(noKey.requirements.every((r) => r.satisfied)).toBe(true);
    expect(noKey.conclusion).toBe("failure");
    expect(noKey.problems.filter((p) => p.severity === "error").map((p) => p.message)).toEqual(["areas ci-cd require a ticket reference in the title or body"]);

    const inTitle = evaluate(bound, prFacts(files, { ...base, title: TICKET_TITLE }), NOW);
    expect(inTitle.conclusion).toBe("success");
    expect(inTitle.problems).toEqual([]);

    const inBody = evaluate(bound, prFacts(files, { ...base, title: "Nats: automated backup solution", body: "Jira: https://linuxfoundation.atlassian.net/browse/LFXV2-302" }), NOW);
    expect(inBody.ticket.found).toEqual(["LFXV2-302"]);
    expect(inBody.conclusion).toBe("success");
  });
});

describe("platform-engineering sign-off and expedited process", () => {
  it("network-access needs two distinct people, one from each role", async () => {
    const bound = await policyFrom(`extends: ${PRESET}\nroles:\n  platform-engineering: { users: [alan, antonia, trevor] }\n  architecture-team: { users: [ari, alan] }\n`);
    const files = [added("terraform/nats/security_groups.tf", securityGroups)];
    const facts = (reviews: ReturnType<typeof approval>[]) => prFacts(files, { author: "eve", title: TICKET_TITLE, reviews });
    // alan holds both roles but is one person.
    expect(evaluate(bound, facts([approval("alan")]), NOW).conclusion).toBe("failure");
    expect(evaluate(bound, facts([approval("alan"), approval("trevor")]), NOW).conclusion).toBe("success");
    expect(evaluate(bound, facts([approval("trevor"), approval("antonia")]), NOW).conclusion).toBe("failure");
  });

  it("/emergency is accepted from platform-engineering, with the post-implementation review within 24 h", () => {
    expect(policy.emergency).toEqual({ roles: ["platform-engineering"], reviewWithinHours: 24, allowAuthor: false });
  });

  it("review SLA: 2 business days; expedited: 4 business hours (Mon–Fri)", () => {
    expect(policy.sla.review).toEqual({ businessDays: 2 });
    expect(policy.sla.expedited).toEqual({ businessHours: 4 });
    expect(policy.sla.workingDays).toEqual(["mon", "tue", "wed", "thu", "fri"]);
  });

  it("declares the seed's roles and binds nobody", () => {
    expect([...policy.roles.keys()]).toEqual(["product-owner", "engineers", "platform-engineering", "architecture-team", "engineering-management"]);
    expect([...policy.roles.values()].every((r) => r.users.length === 0 && r.teams.length === 0)).toBe(true);
  });
});

describe("platform-engineering: amending the policy (issue 10 item 3)", () => {
  // Seed 002, lines 214–216: "Platform Engineering has authority on infrastructure provisioning,
  // deployment approvals, and operational standards/compliance"; "Cross-functional Conflicts:
  // Escalate to management when decisions impact multiple domains". The policy sets every
  // domain's approvals, so an amendment needs both, as joint approval (level 3).
  const BINDINGS = `extends: ${PRESET}\nroles:\n  platform-engineering: { users: [alan, antonia, trevor] }\n  engineering-management: { users: [mona] }\n`;
  const REBOUND = BINDINGS.replace("[alan, antonia, trevor]", "[alan, antonia, trevor, eves-colleague]");

  it("rebinding the approving role → level 3, platform-engineering + engineering-management", async () => {
    const bound = await policyFrom(BINDINGS);
    const facts = (reviews: ReturnType<typeof approval>[]) =>
      prFacts([modified(".github/governance.yml", BINDINGS, REBOUND)], { author: "eve", title: TICKET_TITLE, reviews });
    const d = evaluate(bound, facts([]), NOW);
    expect(d.unowned).toEqual([]);
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
    expect(d.requirements.map((r) => [r.id, r.level, r.clauses])).toEqual([
      ["governance/base", 3, [{ roles: ["platform-engineering"], count: 1 }, { roles: ["engineering-management"], count: 1 }]],
    ]);
    expect(evaluate(bound, facts([approval("alan")]), NOW).conclusion).toBe("failure");
    expect(evaluate(bound, facts([approval("alan"), approval("mona")]), NOW).conclusion).toBe("success");
  });
});
