import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Policy } from "../../src/policy/model.js";
import { fixture } from "../helpers/facts.js";
import { explainFiles, explainRange } from "../helpers/git-repo.js";
import { preset } from "../helpers/policy.js";

/**
 * PRESETS.md, `chat-backend`: every row of both tables, through the CLI as a
 * user runs it (`explain --json`), on small real repositories.
 */

/** Seed 000's DRIs besides the Tech Architect: every role some row makes accountable ("A"). */
const DRIS = [
  "backend-lead",
  "sre-lead",
  "dba-lead",
  "security-lead",
  "qa-lead",
  "devops-lead",
  "product-owner",
  "legal",
  "incident-commander",
];

let policy: Policy;
beforeAll(async () => {
  policy = await preset("chat-backend");
});

describe("chat-backend areas (PRESETS.md table 1)", () => {
  // [area, a path the area owns, A, R, C, I, base level, escalation]
  const rows: [string, string, string, string[], string[], string[], number, string[]][] = [
    [
      "http-api",
      "src/api/v1/chat/messages.controller.ts",
      "backend-lead",
      ["backend-team"],
      ["frontend-team"],
      ["qa-team"],
      1,
      ["backend-lead", "tech-architect", "cto"],
    ],
    [
      "health-api",
      "src/api/v1/health/index.ts",
      "sre-lead",
      ["backend-team"],
      [],
      ["ops-team"],
      1,
      ["sre-lead", "tech-architect", "cto"],
    ],
    [
      "socket-gateway",
      "src/socket/rooms.ts",
      "backend-lead",
      ["backend-team"],
      ["frontend-team"],
      ["qa-team"],
      1,
      ["backend-lead", "sre-lead", "tech-architect"],
    ],
    [
      "prisma",
      "prisma/seed.ts",
      "backend-lead",
      ["backend-team"],
      ["dba-lead"],
      ["sre-team"],
      2,
      ["backend-lead", "dba-lead", "vp-engineering"],
    ],
    [
      "app-config",
      "config/default.json",
      "backend-lead",
      ["backend-team"],
      ["sre-lead"],
      [],
      2,
      ["sre-lead", "vp-engineering", "cto"],
    ],
    [
      "infra",
      "k8s/chat-api/deployment.yaml",
      "sre-lead",
      ["devops-team"],
      ["backend-lead"],
      ["finance"],
      2,
      ["sre-lead", "vp-engineering", "cto"],
    ],
    [
      "secrets",
      "deploy/secrets/chat-db.enc.yaml",
      "security-lead",
      ["sre-team"],
      ["backend-lead"],
      [],
      2,
      ["security-lead", "ciso"],
    ],
    [
      "docs",
      "docs/onboarding.md",
      "backend-lead",
      ["backend-team"],
      ["tech-writer"],
      ["frontend-team"],
      1,
      ["backend-lead", "tech-architect", "cto"],
    ],
    [
      "governance",
      ".github/governance.yml",
      "tech-architect",
      [],
      ["backend-lead"],
      ["legal"],
      3,
      ["tech-architect", "cto"],
    ],
    [
      "ci",
      ".github/workflows/ci.yml",
      "devops-lead",
      ["backend-team"],
      ["sre-lead"],
      [],
      2,
      ["devops-lead", "tech-architect"],
    ],
    [
      "lint",
      "eslint.config.js",
      "backend-lead",
      ["backend-team"],
      ["tech-architect"],
      [],
      2,
      ["backend-lead", "tech-architect"],
    ],
    [
      "coverage",
      "vitest.config.ts",
      "qa-lead",
      ["backend-team"],
      ["backend-lead"],
      [],
      2,
      ["qa-lead", "tech-architect"],
    ],
    [
      "security-scanning",
      ".github/dependabot.yml",
      "security-lead",
      ["devops-team"],
      [],
      ["backend-team"],
      2,
      ["security-lead", "ciso"],
    ],
    [
      "runbooks",
      "runbooks/redis-failover.md",
      "sre-lead",
      ["backend-team", "ops-team"],
      ["backend-lead"],
      [],
      1,
      ["sre-lead", "vp-engineering"],
    ],
    [
      "alerts",
      "monitoring/alerts/chat-api.rules.yml",
      "sre-lead",
      ["ops-team"],
      ["backend-lead"],
      [],
      2,
      ["sre-lead", "vp-engineering", "cto"],
    ],
    [
      "on-call",
      "oncall/schedule.yaml",
      "sre-lead",
      [],
      ["backend-lead"],
      [],
      2,
      ["sre-lead", "vp-engineering", "cto"],
    ],
    [
      "adr",
      "docs/adr/0007-use-nats.md",
      "tech-architect",
      [],
      ["backend-lead"],
      ["backend-team", "frontend-team", "sre-team", "qa-team", "devops-team"],
      2,
      ["tech-architect", "cto"],
    ],
    [
      "api-versioning",
      "docs/api/versioning.md",
      "tech-architect",
      [],
      ["backend-lead", "product-owner"],
      ["frontend-team"],
      2,
      ["tech-architect", "cto"],
    ],
    [
      "api-deprecation",
      "docs/api/DEPRECATIONS.md",
      "product-owner",
      [],
      ["backend-lead", "frontend-team"],
      [],
      2,
      ["product-owner", "tech-architect", "cto"],
    ],
    [
      "logging",
      "config/logging.json",
      "backend-lead",
      ["backend-team"],
      [],
      [],
      1,
      ["backend-lead", "tech-architect"],
    ],
    [
      "dependencies",
      "package-lock.json",
      "backend-lead",
      ["backend-team"],
      ["security-lead"],
      [],
      1,
      ["backend-lead", "tech-architect"],
    ],
  ];

  it.each(rows)(
    "%s owns %s (A %s) with its R/C/I, base level and escalation",
    async (id, path, a, r, c, i, level, escalation) => {
      const area = policy.areas.find((x) => x.id === id)!;
      expect({
        a: area.accountable,
        r: area.responsible,
        c: area.consulted,
        i: area.informed,
        level: area.level,
        escalation: area.escalation,
      }).toEqual({
        a,
        r,
        c,
        i,
        level,
        escalation,
      });
      const json = await explainFiles("chat-backend", [path]);
      expect(json.areas.map((x) => x.id)).toContain(id);
      expect(json.areas.find((x) => x.id === id)?.level).toBe(level);
      expect(json.unowned).toEqual([]);
      // Level 1 requires nothing, level 2 the area's accountable role, governance the amendment clause.
      const base = json.requirements.filter((q) => q.area === id);
      if (level === 1) expect(base).toEqual([]);
      else if (id === "governance") {
        expect(base.map((q) => [q.roles, q.count])).toEqual([
          [["tech-architect"], 1],
          [DRIS, 2],
        ]);
      } else expect(base.map((q) => [q.roles, q.count])).toEqual([[[a], 1]]);
    },
  );

  it("keeps health endpoints out of the HTTP API area and in health-api", async () => {
    for (const path of ["src/api/v1/health/index.ts", "src/api/v1/health.ts"]) {
      const json = await explainFiles("chat-backend", [path]);
      expect(json.areas.map((a) => a.id)).toEqual(["health-api"]);
    }
  });

  it("matches dotfiles and every OpenAPI spelling", async () => {
    const json = await explainFiles("chat-backend", [
      ".env.production.example",
      "api/openapi.yml",
      "services/chat/openapi.json",
      "charts/chat/values.yaml",
    ]);
    expect(json.areas.map((a) => a.id).sort()).toEqual(["app-config", "http-api", "infra"]);
  });

  it("reports unowned files as a warning at level 1 and requests backend-team", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gg-policy-"));
    try {
      const file = join(dir, "governance.yml");
      writeFileSync(file, "extends: chat-backend\nroles:\n  backend-team: { teams: [backend] }\n");
      const json = await explainFiles(file, ["scripts/load-test.k6.js"]);
      expect(json.unowned).toEqual(["scripts/load-test.k6.js"]);
      expect(json.level).toBe(1);
      expect(json.problems).toEqual([
        expect.objectContaining({
          severity: "warning",
          message: "1 changed file no area owns: scripts/load-test.k6.js",
        }),
      ]);
      expect(json.reviewersToRequest.teams).toEqual(["backend"]);
      expect(json.conclusion).toBe("success");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("chat-backend rules (PRESETS.md table 2) on real changes", () => {
  const repos: string[] = [];
  afterAll(() => repos.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const routerBase = fixture("repo/messages.router.ts");
  const deployment = fixture("repo/deployment.yaml");
  const pkg = fixture("repo/package.json");

  it("endpoint-added in http-api → level 2, backend-lead", async () => {
    const head = routerBase.replace(
      "export const messagesRouter = Router();\n",
      `export const messagesRouter = Router();\n\nmessagesRouter.get("/messages/:id/reactions", requireAuth, async (req, res) => {\n  res.json(await messageService.reactions(req.params.id));\n});\n`,
    );
    const json = await explainRange(
      "chat-backend",
      { "src/routes/messages.ts": routerBase },
      { "src/routes/messages.ts": head },
    );
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["http-api/endpoint-added", ["backend-lead"]],
    ]);
    expect(json.areas[0]?.changes.map((c) => c.kind)).toEqual(["endpoint-added"]);
  });

  it("endpoint-added in health-api → level 2, sre-lead (the area's accountable)", async () => {
    const base = `import { Router } from "express";\nexport const health = Router();\nhealth.get("/api/v1/health", (_req, res) => res.json({ ok: true }));\n`;
    const head = `${base}health.get("/api/v1/health/ready", async (_req, res) => res.json({ db: await ping() }));\n`;
    const json = await explainRange(
      "chat-backend",
      { "src/api/v1/health/routes.ts": base },
      { "src/api/v1/health/routes.ts": head },
    );
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["health-api/endpoint-added", 2, ["sre-lead"]],
    ]);
  });

  it("api-breaking (a removed route) in http-api → level 3, tech-architect + product-owner", async () => {
    const head = routerBase.replace(/messagesRouter\.post\("\/messages"[\s\S]*?\n\}\);\n/, "");
    const json = await explainRange(
      "chat-backend",
      { "src/routes/messages.ts": routerBase },
      { "src/routes/messages.ts": head },
    );
    expect(json.level).toBe(3);
    expect(json.requiredRoles).toEqual(["product-owner", "tech-architect"]);
    expect(json.requirements[0]).toMatchObject({
      id: "http-api/api-breaking",
      level: 3,
      roles: ["tech-architect", "product-owner"],
      count: 2,
    });
  });

  it("label breaking-change on the socket gateway → level 3, tech-architect + product-owner", async () => {
    const json = await explainFiles(
      "chat-backend",
      ["src/gateway/chat.gateway.ts"],
      ["--label", "breaking-change"],
    );
    expect(json.level).toBe(3);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["socket-gateway/api-breaking", ["tech-architect", "product-owner"]],
    ]);
  });

  it("migration-index in prisma → level 2, backend-lead with dba-lead's input required", async () => {
    const json = await explainRange(
      "chat-backend",
      { "prisma/schema.prisma": fixture("repo/schema.prisma") },
      {
        "prisma/migrations/20261121090000_message_index/migration.sql": fixture(
          "prs/add-index.migration.sql",
        ),
      },
    );
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["prisma/migration-index", ["backend-lead"]],
    ]);
    expect(json.requirements[0]?.reason).toContain("after DBA consultation");
    expect(json.consulted).toEqual(["dba-lead"]);
  });

  it("migration-destructive (DROP COLUMN) → level 3, dba-lead + backend-lead + sre-lead", async () => {
    const json = await explainRange(
      "chat-backend",
      { "prisma/schema.prisma": fixture("repo/schema.prisma") },
      {
        "prisma/schema.prisma": fixture("repo/schema.prisma").replace("  avatarUrl String?\n", ""),
        "prisma/migrations/20261120093000_drop_avatar/migration.sql": fixture(
          "prs/drop-column.migration.sql",
        ),
      },
    );
    expect(json.level).toBe(3);
    expect(json.requirements.map((r) => [r.id, r.roles, r.count])).toEqual([
      ["prisma/migration-destructive", ["dba-lead", "backend-lead", "sre-lead"], 3],
    ]);
    expect(
      json.areas[0]?.changes.filter((c) => c.kind === "migration-destructive").length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("a backward-compatible migration (CREATE TABLE) stays at prisma's base level 2", async () => {
    const json = await explainRange(
      "chat-backend",
      {},
      {
        "prisma/migrations/20261122080000_reactions/migration.sql": fixture(
          "prs/add-table.migration.sql",
        ),
      },
    );
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => r.id)).toEqual(["prisma/base"]);
  });

  it("dependency-added and dependency-minor → level 2, backend-lead", async () => {
    const added = pkg.replace(
      '"pino": "^9.5.0",',
      '"pino": "^9.5.0",\n    "rate-limiter-flexible": "^5.0.4",',
    );
    const json = await explainRange(
      "chat-backend",
      { "package.json": pkg },
      { "package.json": added },
    );
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["dependencies/dependency-update", 2, ["backend-lead"]],
    ]);
    const minor = pkg.replace('"zod": "^3.23.8"', '"zod": "^3.24.1"');
    const json2 = await explainRange(
      "chat-backend",
      { "package.json": pkg },
      { "package.json": minor },
    );
    expect(json2.areas[0]?.changes.map((c) => c.kind)).toEqual(["dependency-minor"]);
    expect(json2.level).toBe(2);
  });

  it("dependency-major → level 3, backend-lead + tech-architect", async () => {
    // Express, not Socket.IO: a Socket.IO major is also a protocol upgrade (test/presets/code-contracts.test.ts).
    const major = pkg.replace('"express": "^4.21.1"', '"express": "^5.1.0"');
    const json = await explainRange(
      "chat-backend",
      { "package.json": pkg },
      { "package.json": major },
    );
    expect(json.level).toBe(3);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["dependencies/dependency-major", ["backend-lead", "tech-architect"]],
    ]);
  });

  it("env-var-added in app-config → level 2, backend-lead", async () => {
    const env = fixture("repo/env.example");
    const json = await explainRange(
      "chat-backend",
      { ".env.example": env },
      { ".env.example": `${env}SENTRY_DSN=\n` },
    );
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
      ["app-config", ["env-var-added"]],
    ]);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["app-config/base", ["backend-lead"]],
    ]);
    expect(json.requirements[0]?.reason).toContain("new variable SENTRY_DSN");
  });

  it("env-var-added in infra → level 2, backend-lead besides the infra DRI", async () => {
    const head = deployment.replace(
      "            - name: NODE_ENV\n",
      "            - name: LOG_LEVEL\n              value: info\n            - name: NODE_ENV\n",
    );
    const json = await explainRange(
      "chat-backend",
      { "k8s/chat-api/deployment.yaml": deployment },
      { "k8s/chat-api/deployment.yaml": head },
    );
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["infra/base", ["sre-lead"]],
      ["infra/env-var-added", ["backend-lead"]],
    ]);
  });

  it("scaling-change in infra → level 2, sre-lead", async () => {
    const head = deployment.replace("replicas: 3", "replicas: 4");
    const json = await explainRange(
      "chat-backend",
      { "k8s/chat-api/deployment.yaml": deployment },
      { "k8s/chat-api/deployment.yaml": head },
    );
    expect(json.level).toBe(2);
    expect(json.areas[0]?.changes.map((c) => c.kind)).toEqual(["scaling-change"]);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([["infra/base", ["sre-lead"]]]);
  });

  it("cost-increase above $500/month (3 → 20 replicas of 1 vCPU + 2 GiB = +$544) → level 3, sre-lead + finance", async () => {
    const head = deployment.replace("replicas: 3", "replicas: 20");
    const json = await explainRange(
      "chat-backend",
      { "k8s/chat-api/deployment.yaml": deployment },
      { "k8s/chat-api/deployment.yaml": head },
    );
    expect(json.level).toBe(3);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["infra/cost-increase", ["sre-lead", "finance"]],
    ]);
    expect(json.requirements[0]?.reason).toContain("+$544.00/month");
  });

  it("a cost increase at or below $500/month (3 → 18 replicas = +$480) stays a level-2 scaling change", async () => {
    const head = deployment.replace("replicas: 3", "replicas: 18");
    const json = await explainRange(
      "chat-backend",
      { "k8s/chat-api/deployment.yaml": deployment },
      { "k8s/chat-api/deployment.yaml": head },
    );
    expect(json.level).toBe(2);
  });

  it("security-policy in infra (RBAC) → level 3, security-lead + sre-lead", async () => {
    const json = await explainRange(
      "chat-backend",
      { "k8s/chat-api/deployment.yaml": deployment },
      { "k8s/chat-api/rbac.yaml": fixture("repo/role.yaml") },
    );
    expect(json.level).toBe(3);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["infra/security-policy", ["security-lead", "sre-lead"]],
    ]);
  });

  it("security-policy in ci (workflow permissions) → level 3, security-lead + devops-lead", async () => {
    const ci = fixture("repo/ci.yml");
    const head = ci.replace(
      "jobs:\n",
      "permissions:\n  contents: write\n  id-token: write\n\njobs:\n",
    );
    const json = await explainRange(
      "chat-backend",
      { ".github/workflows/ci.yml": ci },
      { ".github/workflows/ci.yml": head },
    );
    expect(json.level).toBe(3);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["ci/security-policy", ["security-lead", "devops-lead"]],
    ]);
  });

  it("security-policy in secrets → level 3, one security-lead (the area's accountable is the same role)", async () => {
    const secret = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: chat-db\n  namespace: chat\ntype: Opaque\nstringData:\n  url: postgresql://chat@db:5432/chat\n`;
    const json = await explainRange("chat-backend", {}, { "deploy/secrets/chat-db.yaml": secret });
    const secrets = json.requirements.filter((r) => r.area === "secrets");
    expect(secrets.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["secrets/security-policy", 3, ["security-lead"]],
    ]);
  });

  it("amendment: any change to the governance policy → level 3, tech-architect + any 2 other DRIs", async () => {
    const json = await explainRange(
      "chat-backend",
      { ".github/governance.yml": "extends: chat-backend\n" },
      {
        ".github/governance.yml":
          "extends: chat-backend\nroles:\n  backend-lead: { users: [alice] }\n",
      },
    );
    expect(json.level).toBe(3);
    expect(json.requiredRoles).toEqual(["tech-architect"]);
    expect(json.requirements.map((r) => [r.roles, r.count])).toEqual([
      [["tech-architect"], 1],
      [DRIS, 2],
    ]);
  });

  it.each([
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    "docs/ownership-matrix.md",
    "OWNERSHIP.md",
    "docs/OWNERSHIP_MATRIX.md",
    "GOVERNANCE.md",
    "docs/governance/raci.md",
  ])(
    'Amendment Process, "Requires sign-off from Tech Architect + 2 DRIs": %s states governance',
    async (path) => {
      const json = await explainFiles("chat-backend", [path]);
      expect(json.level).toBe(3);
      expect(
        json.requirements.filter((r) => r.area === "governance").map((r) => [r.roles, r.count]),
      ).toEqual([
        [["tech-architect"], 1],
        [DRIS, 2],
      ]);
    },
  );

  it.each(["architecture", "vendor-migration", "sla-downgrade"])(
    "label %s → level 4: the change's approvers plus cto",
    async (label) => {
      const json = await explainFiles("chat-backend", ["src/socket/rooms.ts"], ["--label", label]);
      expect(json.level).toBe(4);
      expect(json.requiredRoles).toEqual(["backend-lead", "cto"]);
    },
  );

  it("a level-4 label keeps a breaking change's level-3 approvers and adds cto", async () => {
    const json = await explainFiles(
      "chat-backend",
      ["src/api/v2/rooms.ts"],
      ["--label", "breaking-change", "--label", "vendor-migration"],
    );
    expect(json.level).toBe(4);
    expect(json.requiredRoles).toEqual(["backend-lead", "cto", "product-owner", "tech-architect"]);
  });

  it("a manifest renamed out of k8s/ still counts under infra (both paths apply)", async () => {
    const json = await explainRange(
      "chat-backend",
      { "k8s/chat-api/deployment.yaml": deployment },
      {
        "manifests/chat-api.yaml": {
          from: "k8s/chat-api/deployment.yaml",
          content: deployment.replace("replicas: 3", "replicas: 5"),
        },
      },
    );
    expect(json.areas.map((a) => a.id)).toEqual(["infra"]);
    expect(json.areas[0]?.files).toEqual(["manifests/chat-api.yaml"]);
    expect(json.unowned).toEqual([]);
    expect(json.level).toBe(2);
  });

  it("a file in several areas gets every area, and the highest level wins", async () => {
    const json = await explainFiles("chat-backend", ["GOVERNANCE.md"]);
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([
      ["docs", 1],
      ["governance", 3],
    ]);
    expect(json.level).toBe(3);
  });

  it("the emergency powers and the SLA are as the seed says (§7 Incident Commander full authority; §1 hotfixes, §3 rollback, §8 CRITICAL patches; §4 no exceptions)", () => {
    expect(policy.emergency).toEqual({
      roles: ["incident-commander"],
      reviewWithinHours: 24,
      allowAuthor: false,
      scoped: [
        {
          role: "backend-lead",
          description: expect.stringContaining("hotfixes to the API"),
          areas: ["http-api"],
          rules: [],
          labels: [],
        },
        {
          role: "dba-lead",
          description: expect.stringContaining("rollback only"),
          areas: ["prisma"],
          rules: [],
          labels: ["rollback"],
        },
        {
          role: "security-lead",
          description: expect.stringContaining("CRITICAL vulnerabilities"),
          areas: ["dependencies", "security-scanning"],
          rules: [],
          labels: ["critical-vulnerability"],
        },
      ],
      exclusive: {
        roles: ["incident-commander"],
        rules: ["security-policy"],
        areas: ["governance"],
      },
    });
    expect(policy.sla.review).toEqual({ businessDays: 2 });
    expect(policy.sla.workingDays).toEqual(["mon", "tue", "wed", "thu", "fri"]);
  });
});

describe("seed 000 statements a pull request can show (issue 11 §4)", () => {
  it('§5 "Architecture Decision Records (ADRs): Tech Architect (A), Backend Lead (C)"', async () => {
    const json = await explainFiles("chat-backend", ["docs/adr/0007-use-nats-for-fanout.md"]);
    expect(json.level).toBe(2);
    expect(json.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["adr/base", ["tech-architect"]],
    ]);
    expect(json.consulted).toContain("backend-lead");
  });

  it('Level 1 "Log level adjustments": the logger\'s level needs no sign-off, even under config/', async () => {
    const base = `{\n  "level": "info",\n  "redact": ["req.headers.authorization"]\n}\n`;
    for (const path of [
      "config/logging.json",
      "src/common/logger.ts",
      "apps/api/src/config/logger.ts",
    ]) {
      const json = await explainRange(
        "chat-backend",
        { [path]: base },
        { [path]: base.replace('"info"', '"debug"') },
      );
      expect(json.level).toBe(1);
      expect(json.requirements).toEqual([]);
      expect(json.unowned).toEqual([]);
    }
  });

  it('§1 "API versioning strategy: Tech Architect" and "Deprecation timelines: Product Owner (A)"', async () => {
    const versioning = await explainFiles("chat-backend", ["docs/api/versioning.md"]);
    expect(versioning.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["api-versioning/base", ["tech-architect"]],
    ]);
    expect(versioning.consulted).toEqual(expect.arrayContaining(["backend-lead", "product-owner"]));
    const deprecation = await explainFiles("chat-backend", ["docs/api/DEPRECATIONS.md"]);
    expect(deprecation.requirements.map((r) => [r.id, r.roles])).toEqual([
      ["api-deprecation/base", ["product-owner"]],
    ]);
    expect(deprecation.consulted).toEqual(
      expect.arrayContaining(["backend-lead", "frontend-team"]),
    );
  });

  it('§7 "Alert definitions and thresholds: SRE Lead (A), Backend Lead (C)"', async () => {
    for (const path of [
      "monitoring/alerts/chat-api.rules.yml",
      "deploy/prometheus-rules/chat.yaml",
      "k8s/chat-api/alerts.yaml",
    ]) {
      const json = await explainFiles("chat-backend", [path]);
      expect(
        json.requirements.filter((r) => r.area === "alerts").map((r) => [r.id, r.roles]),
      ).toEqual([["alerts/base", ["sre-lead"]]]);
      expect(json.consulted).toContain("backend-lead");
    }
    // Application code named after alerts (a chat feature) is not an alert definition.
    const feature = await explainFiles("chat-backend", ["src/alerts/alerts.service.ts"]);
    expect(feature.areas.map((a) => a.id)).not.toContain("alerts");
  });

  it('§7 "On-call rotation schedule: SRE Lead" and "On-call policy changes: SRE Lead + Backend Lead joint approval"', async () => {
    const schedule = await explainFiles("chat-backend", ["oncall/schedule.yaml"]);
    expect(schedule.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["on-call/base", 2, ["sre-lead"]],
    ]);
    const policyChange = await explainFiles("chat-backend", ["oncall/escalation-policy.yaml"]);
    expect(policyChange.level).toBe(3);
    expect(policyChange.requirements.map((r) => [r.id, r.level, r.roles, r.count])).toEqual([
      ["on-call/on-call-policy", 3, ["sre-lead", "backend-lead"], 2],
    ]);
  });

  it('§5/§7 "Runbooks and incident response guides: SRE Lead (A)": maintenance is a documentation update (level 1)', async () => {
    const json = await explainFiles("chat-backend", [
      "runbooks/redis-failover.md",
      "docs/incident-response/p0.md",
    ]);
    expect(json.level).toBe(1);
    expect(json.areas.map((a) => a.id)).toEqual(["docs", "runbooks"]);
    expect(json.requirements).toEqual([]);
  });

  it('Level 4 "Compliance/legal framework changes": a compliance label needs Legal/Compliance as well as the CTO', async () => {
    const json = await explainFiles(
      "chat-backend",
      ["src/socket/rooms.ts"],
      ["--label", "compliance"],
    );
    expect(json.level).toBe(4);
    expect(json.requiredRoles).toEqual(["backend-lead", "cto", "legal"]);
  });
});
