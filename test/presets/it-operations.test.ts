import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { planEscalations } from "../../src/evaluate/escalation.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, added, approval, comment, fixture, modified, prFacts } from "../helpers/facts.js";
import { explainRange, type ExplainJson } from "../helpers/git-repo.js";
import { policyFrom, preset } from "../helpers/policy.js";

/**
 * Seed 004 ("Roles and Responsibilities Framework: Product Owners, Engineers, and
 * IT/Operations"), and nothing else: one test per statement a pull request can
 * show, each naming the line it enforces, on the layouts repositories have
 * (a pnpm monorepo with apps/*, services/*, infra/, kubernetes/, deploy/,
 * .github/workflows and Terraform). Routing through the CLI as a user runs it
 * (`explain --json`); who may sign through `evaluate`.
 *
 * IT/Operations approves CI/CD, infrastructure, deployment, environments,
 * monitoring and alerting, backup and disaster recovery, infrastructure security
 * and access, and cost — one approval, never the author's own. Engineers decide
 * architecture, APIs and data models; Product Owners own the product
 * documentation. No architecture team, no review deadline, no expedited path,
 * no ticket.
 */

const PRESET = "it-operations";
const BINDINGS = `extends: ${PRESET}
roles:
  it-operations: { users: [olga, omar, ivan] }
  engineers: { users: [eve, erin] }
  product-owner: { users: [paula] }
  engineering-management: { users: [mona] }
`;
const ENGINEER = "eve";

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
const openapiBase = fixture("changes/openapi/chat-api.base.yaml");
const openapiBreaking = fixture("changes/openapi/chat-api.head-breaking.yaml");

const PROMETHEUS_RULES = `groups:
  - name: chat-api
    rules:
      - alert: ChatApiHighErrorRate
        expr: sum(rate(http_requests_total{job="chat-api",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="chat-api"}[5m])) > 0.05
        for: 10m
        labels: { severity: page }
`;
const BACKUP_SCRIPT = `#!/usr/bin/env bash
set -euo pipefail
pg_dump --format=custom "$DATABASE_URL" | aws s3 cp - "s3://acme-chat-backups/$(date +%F).dump"
`;

let dir: string;
let bound: string;
let policy: Policy;
let signers: Policy;
beforeAll(async () => {
  policy = await preset(PRESET);
  signers = await policyFrom(BINDINGS);
  dir = mkdtempSync(join(tmpdir(), "gg-itops-"));
  bound = join(dir, "governance.yml");
  writeFileSync(bound, BINDINGS);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const requirements = (json: ExplainJson) =>
  json.requirements.map((r) => [r.id, r.level, r.roles, r.count]);
const areasOf = (json: ExplainJson) => json.areas.map((a) => [a.id, a.level]);
const byEngineer = ["--author", ENGINEER];

describe("IT/Operations approves operational changes (seed 004 lines 66-81), one approval from IT/Operations", () => {
  it("line 66, CI/CD Management: a step added to .github/workflows/deploy.yml → it-operations", async () => {
    const head = workflow.replace(
      "      - run: npm run build\n",
      "      - run: npm run build\n      - run: npm test\n",
    );
    const json = await explainRange(
      bound,
      { ".github/workflows/deploy.yml": workflow },
      { ".github/workflows/deploy.yml": head },
      byEngineer,
    );
    expect(areasOf(json)).toEqual([["ci-cd", 2]]);
    expect(requirements(json)).toEqual([["ci-cd/base", 2, ["it-operations"], 1]]);
  });

  it("line 67, Infrastructure Provisioning: a provider bump in infra/terraform/main.tf → it-operations", async () => {
    const json = await explainRange(
      bound,
      { "infra/terraform/main.tf": mainTf },
      { "infra/terraform/main.tf": mainTf.replace('version = "~> 5.40"', 'version = "~> 5.60"') },
      byEngineer,
    );
    expect(areasOf(json)).toEqual([["iac", 2]]);
    expect(requirements(json)).toEqual([["iac/base", 2, ["it-operations"], 1]]);
  });

  it("line 68, Service Deployment: an image bump in services/notifications/deploy/, a Dockerfile in apps/api/, Helm values → it-operations", async () => {
    const values = "replicaCount: 3\nimage:\n  repository: ghcr.io/acme/chat-api\n  tag: 1.14.2\n";
    const json = await explainRange(
      bound,
      {
        "services/notifications/deploy/deployment.yaml": deployment,
        "apps/api/Dockerfile": dockerfile,
        "infra/helm/chat-api/values.yaml": values,
      },
      {
        "services/notifications/deploy/deployment.yaml": deployment.replace(
          "chat-api:1.14.2",
          "chat-api:1.15.0",
        ),
        "apps/api/Dockerfile": dockerfile.replace(
          "node:20-bookworm-slim AS build",
          "node:22-bookworm-slim AS build",
        ),
        "infra/helm/chat-api/values.yaml": values.replace("tag: 1.14.2", "tag: 1.15.0"),
      },
      byEngineer,
    );
    expect(json.areas.map((a) => [a.id, a.level, a.files.sort()])).toEqual([
      [
        "deployment",
        2,
        [
          "apps/api/Dockerfile",
          "infra/helm/chat-api/values.yaml",
          "services/notifications/deploy/deployment.yaml",
        ],
      ],
    ]);
    expect(requirements(json)).toEqual([["deployment/base", 2, ["it-operations"], 1]]);
  });

  it("line 69, Monitoring & Alerting: a Prometheus alert rule and a Grafana dashboard → it-operations", async () => {
    const json = await explainRange(
      bound,
      {},
      {
        "ops/prometheus/chat-api.rules.yml": PROMETHEUS_RULES,
        "apps/api/grafana/dashboards/chat-api.json": '{ "title": "Chat API", "panels": [] }\n',
      },
      byEngineer,
    );
    expect(json.areas.map((a) => [a.id, a.level, a.files.sort()])).toEqual([
      [
        "monitoring",
        2,
        ["apps/api/grafana/dashboards/chat-api.json", "ops/prometheus/chat-api.rules.yml"],
      ],
    ]);
    expect(json.unowned).toEqual([]);
    expect(requirements(json)).toEqual([["monitoring/base", 2, ["it-operations"], 1]]);
  });

  it("line 75, Infrastructure Security: a security group, a Kubernetes Role and a NetworkPolicy → it-operations, and nobody else", async () => {
    const json = await explainRange(
      bound,
      { "infra/terraform/main.tf": mainTf },
      {
        "infra/terraform/security_groups.tf": securityGroups,
        "kubernetes/base/rbac/chat-api.yaml": rbac,
        "kubernetes/base/networkpolicy.yaml": networkPolicy,
      },
      byEngineer,
    );
    expect(json.level).toBe(2);
    expect(json.requiredRoles).toEqual(["it-operations"]);
    expect(json.areas.find((a) => a.id === "network-access")?.files.sort()).toEqual([
      "infra/terraform/security_groups.tf",
      "kubernetes/base/networkpolicy.yaml",
      "kubernetes/base/rbac/chat-api.yaml",
    ]);
  });

  it("line 75: one IT/Operations approval covers every operational area a change touches", () => {
    const facts = prFacts(
      [
        added("infra/terraform/security_groups.tf", securityGroups),
        modified(".github/workflows/deploy.yml", workflow, `${workflow}# pinned\n`),
      ],
      { author: ENGINEER, reviews: [approval("omar")] },
    );
    const d = evaluate(signers, facts, NOW);
    expect(d.requirements.map((r) => [r.id, r.satisfied])).toEqual([
      ["ci-cd/base", true],
      ["iac/base", true],
      ["network-access/base", true],
    ]);
    expect(d.conclusion).toBe("success");
  });

  it("line 76, Capacity Planning: replicas 3 → 20 in infra/k8s/ → it-operations (no Finance in this document)", async () => {
    const json = await explainRange(
      bound,
      { "infra/k8s/deployment.yaml": deployment },
      { "infra/k8s/deployment.yaml": deployment.replace("replicas: 3", "replicas: 20") },
      byEngineer,
    );
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
      ["deployment", ["scaling-change", "cost-increase"]],
    ]);
    expect(json.level).toBe(2);
    expect(json.requiredRoles).toEqual(["it-operations"]);
  });

  it("lines 76 and 79, Capacity Planning and Cost Optimization: replicas in a directory no glob foresaw still reach it-operations", async () => {
    const json = await explainRange(
      bound,
      { "ops/chat/deployment.yaml": deployment },
      { "ops/chat/deployment.yaml": deployment.replace("replicas: 3", "replicas: 20") },
      byEngineer,
    );
    expect(json.unowned).toEqual([]);
    expect(json.areas.map((a) => [a.id, a.files])).toEqual([
      ["deployment", ["ops/chat/deployment.yaml"]],
    ]);
    expect(json.requiredRoles).toEqual(["it-operations"]);
  });

  it("line 77, Backup & Disaster Recovery: a backup script and a Velero schedule → it-operations", async () => {
    const json = await explainRange(
      bound,
      {},
      {
        "scripts/backup/pg-dump.sh": BACKUP_SCRIPT,
        "ops/velero/nightly.yaml":
          "apiVersion: velero.io/v1\nkind: Schedule\nmetadata:\n  name: nightly\nspec:\n  schedule: 0 3 * * *\n",
      },
      byEngineer,
    );
    expect(json.areas.map((a) => [a.id, a.level, a.files.sort()])).toEqual([
      ["backup-recovery", 2, ["ops/velero/nightly.yaml", "scripts/backup/pg-dump.sh"]],
    ]);
    expect(requirements(json)).toEqual([["backup-recovery/base", 2, ["it-operations"], 1]]);
  });

  it("line 78, Environment Management: .env.production and apps/api/ staging config → it-operations", async () => {
    const json = await explainRange(
      bound,
      { ".env.production": envProduction },
      {
        ".env.production": `${envProduction}BACKUP_SCHEDULE=0 3 * * *\n`,
        "apps/api/config/staging/nats.yaml": "url: nats://nats.nats-staging.svc:4222\n",
      },
      byEngineer,
    );
    expect(json.areas.map((a) => [a.id, a.files.sort()])).toEqual([
      ["environments", [".env.production", "apps/api/config/staging/nats.yaml"]],
    ]);
    expect(json.requiredRoles).toEqual(["it-operations"]);
  });

  it("line 78: a variable added to a Deployment under services/ is IT/Operations' to provision", async () => {
    const head = deployment.replace(
      "            - name: NODE_ENV\n",
      "            - name: NATS_URL\n              value: nats://nats:4222\n            - name: NODE_ENV\n",
    );
    const json = await explainRange(
      bound,
      { "services/notifications/deploy/deployment.yaml": deployment },
      { "services/notifications/deploy/deployment.yaml": head },
      byEngineer,
    );
    expect(json.areas[0]?.changes.map((c) => c.kind)).toContain("env-var-added");
    expect(json.requiredRoles).toEqual(["it-operations"]);
  });

  // Runbooks are level 1; what a manifest kept with one does still needs IT/Operations.
  const binding =
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: break-glass\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: cluster-admin\nsubjects:\n  - kind: Group\n    name: oncall\n";
  const withVariable = deployment.replace(
    "            - name: NODE_ENV\n",
    '            - name: REDIS_READONLY\n              value: "true"\n            - name: NODE_ENV\n',
  );
  it.each([
    [
      "line 76, replicas raised",
      "runbooks/redis/scale-up.yaml",
      deployment,
      deployment.replace("replicas: 3", "replicas: 5"),
      "capacity-and-cost",
    ],
    [
      "line 78, a new variable",
      "runbooks/redis/read-only.yaml",
      deployment,
      withVariable,
      "environment-variables",
    ],
    [
      "line 75, a ClusterRoleBinding",
      "runbooks/access/break-glass.yaml",
      null,
      binding,
      "infrastructure-security",
    ],
  ])(
    "%s in a manifest kept with a runbook → it-operations",
    async (_what, path, base, head, rule) => {
      const json = await explainRange(
        bound,
        base === null ? {} : { [path]: base },
        { [path]: head },
        byEngineer,
      );
      expect(json.areas.map((a) => [a.id, a.level])).toEqual([["runbooks", 2]]);
      expect(requirements(json)).toEqual([[`runbooks/${rule}`, 2, ["it-operations"], 1]]);
    },
  );

  it("line 81, Documentation & Runbooks: a runbook → IT/Operations are asked to review; nothing blocks", async () => {
    const d = evaluate(
      signers,
      prFacts(
        [added("docs/runbooks/redis-failover.md", "# Redis failover\n\n1. Promote the replica.\n")],
        { author: ENGINEER },
      ),
      NOW,
    );
    expect(d.areas.map((a) => [a.id, a.level])).toEqual([["runbooks", 1]]);
    // The responsible role, IT/Operations, is asked (one member, as for any courtesy request).
    expect(d.reviewersToRequest.users).toHaveLength(1);
    expect(["ivan", "olga", "omar"]).toContain(d.reviewersToRequest.users[0]);
    expect(d.conclusion).toBe("success");
  });
});

describe("who may sign: one IT/Operations approval, never the author's own", () => {
  const files = [
    modified(
      ".github/workflows/deploy.yml",
      workflow,
      workflow.replace(
        "      - run: npm run build\n",
        "      - run: npm run build\n      - run: npm test\n",
      ),
    ),
  ];
  const decide = (
    author: string,
    reviews: ReturnType<typeof approval>[],
    comments: ReturnType<typeof comment>[] = [],
  ) => evaluate(signers, prFacts(files, { author, reviews, comments }), NOW);

  it("an engineer's change: one it-operations approval suffices", () => {
    const d = decide(ENGINEER, [approval("omar")]);
    expect([d.level, d.conclusion]).toEqual([2, "success"]);
    expect(d.requirements.map((r) => r.id)).toEqual(["ci-cd/base"]);
  });

  it("line 59, engineers do not manage CI/CD pipelines: another engineer's approval does not count", () => {
    const d = decide(ENGINEER, [approval("erin")]);
    expect(d.conclusion).toBe("failure");
    expect(d.requirements[0]?.missing).toEqual([{ roles: ["it-operations"], count: 1 }]);
  });

  it("line 26, Product Owners do not configure or deploy infrastructure: a product owner's approval does not count", () => {
    expect(decide(ENGINEER, [approval("paula")]).conclusion).toBe("failure");
  });

  it("an it-operations member's own change needs another member: the author's review and /approve-level2 never count", () => {
    const own = decide("olga", [approval("olga")], [comment("olga", "/approve-level2")]);
    expect(own.conclusion).toBe("failure");
    expect(own.requirements[0]?.signatures).toEqual([]);
    // Another member is asked, never the author.
    const asked = decide("olga", []).reviewersToRequest.users;
    expect(asked).toHaveLength(1);
    expect(["ivan", "omar"]).toContain(asked[0]);
    expect(decide("olga", [approval("omar")]).conclusion).toBe("success");
  });

  it("the only it-operations member's own change goes to management (line 123), not through unsigned", async () => {
    const alone = await policyFrom(BINDINGS.replace("[olga, omar, ivan]", "[olga]"));
    const d = evaluate(alone, prFacts(files, { author: "olga" }), NOW);
    expect(d.requirements[0]?.escalations).toEqual([
      expect.objectContaining({ from: "it-operations", to: "engineering-management" }),
    ]);
    expect(
      evaluate(alone, prFacts(files, { author: "olga", reviews: [approval("mona")] }), NOW)
        .conclusion,
    ).toBe("success");
  });
});

describe("engineers decide architecture, APIs and data models (lines 46 and 121); there is no architecture team", () => {
  it("line 46: an ADR under docs/adr/ needs no sign-off", async () => {
    const json = await explainRange(
      bound,
      {},
      { "docs/adr/0012-nats-jetstream-backups.md": adr },
      byEngineer,
    );
    expect(areasOf(json)).toEqual([["architecture", 1]]);
    expect([json.level, json.requirements, json.conclusion]).toEqual([1, [], "success"]);
  });

  it("line 46: a breaking change to apps/api/openapi.yaml is the engineers' decision", async () => {
    const json = await explainRange(
      bound,
      { "apps/api/openapi.yaml": openapiBase },
      { "apps/api/openapi.yaml": openapiBreaking },
      byEngineer,
    );
    expect(
      json.areas.map((a) => [a.id, a.level, a.changes.some((c) => c.kind === "api-breaking")]),
    ).toEqual([["architecture", 1, true]]);
    expect([json.requirements, json.conclusion]).toEqual([[], "success"]);
  });

  it("line 46: a DROP COLUMN in apps/api/prisma/migrations/ and a field removed from schema.prisma need no sign-off", async () => {
    const json = await explainRange(
      bound,
      { "apps/api/prisma/schema.prisma": schema },
      {
        "apps/api/prisma/schema.prisma": schema.replace("  avatarUrl String?\n", ""),
        "apps/api/prisma/migrations/20250301090000_drop_avatar/migration.sql": fixture(
          "prs/drop-column.migration.sql",
        ),
      },
      byEngineer,
    );
    expect(areasOf(json)).toEqual([["data-model", 1]]);
    expect(json.areas[0]?.changes.map((c) => c.kind)).toContain("migration-destructive");
    expect([json.requirements, json.conclusion]).toEqual([[], "success"]);
  });

  it("line 52, Technology Evaluation: a new dependency in apps/api/package.json needs no sign-off", async () => {
    const json = await explainRange(
      bound,
      { "apps/api/package.json": pkg },
      {
        "apps/api/package.json": pkg.replace(
          '"ioredis": "^5.4.1",',
          '"ioredis": "^5.4.1",\n    "nats": "^2.28.2",',
        ),
      },
      byEngineer,
    );
    expect(json.areas.map((a) => [a.id, a.level, a.changes.map((c) => c.kind)])).toEqual([
      ["dependencies", 1, ["dependency-added"]],
    ]);
    expect([json.requirements, json.conclusion]).toEqual([[], "success"]);
  });

  it("the preset declares the document's roles only, and binds nobody", () => {
    expect([...policy.roles.keys()]).toEqual([
      "product-owner",
      "engineers",
      "it-operations",
      "engineering-management",
    ]);
    expect(
      [...policy.roles.values()].every((r) => r.users.length === 0 && r.teams.length === 0),
    ).toBe(true);
  });
});

describe("Product Owners own product documentation and requirements (lines 12 and 120)", () => {
  const spec = "# Reactions\n\nAs a member I can react to a message with an emoji.\n";
  const facts = (reviews: ReturnType<typeof approval>[]) =>
    prFacts([added("docs/product/reactions.md", spec)], { author: ENGINEER, reviews });

  it("a product specification in docs/product/ → the product owner approves", () => {
    const d = evaluate(signers, facts([]), NOW);
    expect(d.requirements.map((r) => [r.id, r.level, r.clauses])).toEqual([
      ["product-docs/base", 2, [{ roles: ["product-owner"], count: 1 }]],
    ]);
    expect(evaluate(signers, facts([approval("paula")]), NOW).conclusion).toBe("success");
  });

  it("line 86, IT/Operations does not make product decisions: its approval does not count there", () => {
    expect(evaluate(signers, facts([approval("omar")]), NOW).conclusion).toBe("failure");
  });
});

describe("what the document does not set, the preset does not set", () => {
  it("no ticket is required for any change", async () => {
    const json = await explainRange(
      bound,
      { "infra/terraform/main.tf": mainTf },
      {
        "infra/terraform/main.tf": `${mainTf}\n${securityGroups}`,
        ".github/workflows/deploy.yml": workflow,
      },
      [...byEngineer, "--title", "Open the NATS client port"],
    );
    expect(json.ticket).toEqual({ required: false, pattern: null, found: [], areas: [] });
    expect(json.problems.filter((p) => /ticket/i.test(p.message))).toEqual([]);
    expect(policy.ticket).toBeUndefined();
  });

  it("no review deadline: a sign-off pending for weeks escalates nowhere", () => {
    const decision = evaluate(
      signers,
      prFacts([added(".github/workflows/deploy.yml", workflow)], { author: ENGINEER }),
      NOW,
    );
    expect(decision.conclusion).toBe("failure");
    const weeksLater = new Date("2026-12-21T12:00:00Z");
    for (const expedited of [false, true]) {
      expect(
        planEscalations({
          decision,
          policy: signers,
          pendingSince: new Date("2026-11-23T09:00:00Z"),
          now: weeksLater,
          expedited,
          alreadyEscalated: [],
        }),
      ).toEqual([]);
    }
  });

  it("no expedited path: /emergency from an it-operations member is refused and the check still needs the approval", () => {
    const d = evaluate(
      signers,
      prFacts([added("infra/terraform/main.tf", mainTf)], {
        author: ENGINEER,
        comments: [comment("olga", "/emergency NATS is down")],
      }),
      NOW,
    );
    expect(d.emergency).toBeUndefined();
    expect(d.commands).toEqual([
      expect.objectContaining({
        login: "olga",
        counted: false,
        reason: "this policy authorises no role to use the emergency path",
      }),
    ]);
    expect(d.conclusion).toBe("failure");
  });
});

describe("amending the policy (seed 004 lines 122-123)", () => {
  // "IT/Operations has authority on infrastructure, deployment methods, and operational
  // procedures"; "Cross-functional Conflicts: Escalate to management when decisions impact
  // multiple domains". The policy sets every domain's approvals, so an amendment needs both.
  const REBOUND = BINDINGS.replace("[olga, omar, ivan]", "[olga, omar, ivan, eves-colleague]");

  it("rebinding the approving role → level 3, it-operations + engineering-management", () => {
    const facts = (reviews: ReturnType<typeof approval>[]) =>
      prFacts([modified(".github/governance.yml", BINDINGS, REBOUND)], {
        author: ENGINEER,
        reviews,
      });
    const d = evaluate(signers, facts([]), NOW);
    expect(d.unowned).toEqual([]);
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
    expect(d.requirements.map((r) => [r.id, r.level, r.clauses])).toEqual([
      [
        "governance/base",
        3,
        [
          { roles: ["it-operations"], count: 1 },
          { roles: ["engineering-management"], count: 1 },
        ],
      ],
    ]);
    expect(evaluate(signers, facts([approval("olga")]), NOW).conclusion).toBe("failure");
    expect(evaluate(signers, facts([approval("olga"), approval("mona")]), NOW).conclusion).toBe(
      "success",
    );
  });
});
