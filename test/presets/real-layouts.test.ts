import { beforeAll, describe, expect, it } from "vitest";
import type { Policy } from "../../src/policy/model.js";
import { fixture } from "../helpers/facts.js";
import { explainRange } from "../helpers/git-repo.js";
import { preset } from "../helpers/policy.js";

/**
 * Issue 11 §1: the presets on repositories as people lay them out, not only on
 * the paths of their own examples. Two file lists as checked in — a NestJS
 * service with Prisma and Kubernetes manifests, and a pnpm/Turborepo monorepo
 * with apps/, packages/, services/ and infra/ — routed by each preset; then the
 * issue's three changes through the CLI in those layouts, and in layouts no
 * glob foresaw, where what changed finds its owner. Each scenario names the
 * line of the governance document (../shared/seeds/) it enforces.
 */

type PresetName = "chat-backend" | "platform-engineering" | "it-operations";
const policies = {} as Record<PresetName, Policy>;
beforeAll(async () => {
  for (const name of ["chat-backend", "platform-engineering", "it-operations"] as const)
    policies[name] = await preset(name);
});

/** Files by the areas their paths fall in (a file in two areas is listed under both); "unowned" for none. */
function routed(name: PresetName, files: readonly string[]): Record<string, string[]> {
  const policy = policies[name];
  const out: Record<string, string[]> = {};
  for (const file of files) {
    const areas = policy.index.match(file).map((i) => policy.areas[i]!.id);
    for (const area of areas.length > 0 ? areas : ["unowned"]) (out[area] ??= []).push(file);
  }
  return out;
}

const NESTJS = [
  ".codecov.yml",
  ".dockerignore",
  ".env.example",
  ".eslintrc.js",
  ".github/CODEOWNERS",
  ".github/dependabot.yml",
  ".github/workflows/ci.yml",
  ".github/workflows/deploy.yml",
  ".gitignore",
  ".prettierrc",
  "Dockerfile",
  "README.md",
  "docker-compose.yml",
  "k8s/deployment.yaml",
  "k8s/hpa.yaml",
  "k8s/service.yaml",
  "nest-cli.json",
  "package-lock.json",
  "package.json",
  "prisma/migrations/20240105120000_init/migration.sql",
  "prisma/migrations/migration_lock.toml",
  "prisma/schema.prisma",
  "prisma/seed.ts",
  "renovate.json",
  "src/app.module.ts",
  "src/auth/auth.controller.ts",
  "src/auth/auth.module.ts",
  "src/auth/auth.service.ts",
  "src/auth/dto/login.dto.ts",
  "src/auth/guards/jwt-auth.guard.ts",
  "src/chat/chat.controller.ts",
  "src/chat/chat.gateway.ts",
  "src/chat/chat.module.ts",
  "src/chat/chat.service.ts",
  "src/chat/dto/create-message.dto.ts",
  "src/config/configuration.ts",
  "src/health/health.controller.ts",
  "src/health/health.module.ts",
  "src/main.ts",
  "src/prisma/prisma.service.ts",
  "src/users/users.controller.ts",
  "src/users/users.service.ts",
  "src/websocket/events.gateway.ts",
  "src/websocket/websocket.module.ts",
  "src/websocket/ws-auth.middleware.ts",
  "test/app.e2e-spec.ts",
  "test/jest-e2e.json",
  "tsconfig.build.json",
  "tsconfig.json",
];

const MONOREPO = [
  ".changeset/config.json",
  ".codecov.yml",
  ".github/CODEOWNERS",
  ".github/dependabot.yml",
  ".github/workflows/ci.yml",
  ".github/workflows/release.yml",
  ".npmrc",
  "apps/api/.env.example",
  "apps/api/Dockerfile",
  "apps/api/nest-cli.json",
  "apps/api/package.json",
  "apps/api/prisma/migrations/20250301090000_drop_avatar/migration.sql",
  "apps/api/prisma/schema.prisma",
  "apps/api/src/app.module.ts",
  "apps/api/src/chat/chat.controller.ts",
  "apps/api/src/chat/chat.gateway.ts",
  "apps/api/src/chat/chat.service.ts",
  "apps/api/src/chat/dto/send-message.dto.ts",
  "apps/api/src/config/env.validation.ts",
  "apps/api/src/health/health.controller.ts",
  "apps/api/src/main.ts",
  "apps/api/src/websocket/presence.gateway.ts",
  "apps/api/test/jest-e2e.json",
  "apps/api/tsconfig.json",
  "apps/web/.eslintrc.json",
  "apps/web/next.config.mjs",
  "apps/web/package.json",
  "apps/web/src/app/page.tsx",
  "apps/web/src/lib/socket.ts",
  "docker-compose.yml",
  "infra/argocd/chat-api.application.yaml",
  "infra/helm/chat-api/Chart.yaml",
  "infra/helm/chat-api/templates/deployment.yaml",
  "infra/helm/chat-api/values-production.yaml",
  "infra/helm/chat-api/values.yaml",
  "infra/k8s/deployment.yaml",
  "infra/k8s/hpa.yaml",
  "infra/terraform/main.tf",
  "infra/terraform/production.tfvars",
  "infra/terraform/variables.tf",
  "kubernetes/base/kustomization.yaml",
  "manifests/redis.yaml",
  "packages/db/package.json",
  "packages/db/prisma/schema.prisma",
  "packages/db/src/index.ts",
  "packages/eslint-config/index.js",
  "packages/ui/package.json",
  "packages/ui/src/button.tsx",
  "pnpm-lock.yaml",
  "pnpm-workspace.yaml",
  "renovate.json",
  "services/notifications/Dockerfile",
  "services/notifications/deploy/deployment.yaml",
  "services/notifications/package.json",
  "services/notifications/src/main.ts",
  "skaffold.yaml",
  "turbo.json",
];

describe("chat-backend routes real layouts by the matrix (seed 000 §1–§8)", () => {
  it("a NestJS service: controllers and DTOs are the HTTP API, gateways and src/websocket the socket gateway, health its own", () => {
    expect(routed("chat-backend", NESTJS)).toEqual({
      coverage: [".codecov.yml", "test/jest-e2e.json"],
      infra: [
        ".dockerignore",
        "Dockerfile",
        "docker-compose.yml",
        "k8s/deployment.yaml",
        "k8s/hpa.yaml",
        "k8s/service.yaml",
      ],
      "app-config": [".env.example", "src/config/configuration.ts"],
      lint: [".eslintrc.js", ".prettierrc"],
      governance: [".github/CODEOWNERS"],
      "security-scanning": [".github/dependabot.yml", "renovate.json"],
      ci: [".github/workflows/ci.yml", ".github/workflows/deploy.yml"],
      docs: ["README.md"],
      dependencies: ["package-lock.json", "package.json"],
      prisma: [
        "prisma/migrations/20240105120000_init/migration.sql",
        "prisma/migrations/migration_lock.toml",
        "prisma/schema.prisma",
        "prisma/seed.ts",
      ],
      "http-api": [
        "src/auth/auth.controller.ts",
        "src/auth/dto/login.dto.ts",
        "src/chat/chat.controller.ts",
        "src/chat/dto/create-message.dto.ts",
        "src/users/users.controller.ts",
      ],
      "socket-gateway": [
        "src/chat/chat.gateway.ts",
        "src/websocket/events.gateway.ts",
        "src/websocket/websocket.module.ts",
        "src/websocket/ws-auth.middleware.ts",
      ],
      "health-api": ["src/health/health.controller.ts", "src/health/health.module.ts"],
      // Modules, services and build settings have no row in the matrix: they stay visible as unowned.
      unowned: [
        ".gitignore",
        "nest-cli.json",
        "src/app.module.ts",
        "src/auth/auth.module.ts",
        "src/auth/auth.service.ts",
        "src/auth/guards/jwt-auth.guard.ts",
        "src/chat/chat.module.ts",
        "src/chat/chat.service.ts",
        "src/main.ts",
        "src/prisma/prisma.service.ts",
        "src/users/users.service.ts",
        "test/app.e2e-spec.ts",
        "tsconfig.build.json",
        "tsconfig.json",
      ],
    });
  });

  it("a monorepo: apps/*, packages/*, services/* and infra/, kubernetes/, manifests/ trees, Helm values, Argo CD, tfvars, skaffold", () => {
    expect(routed("chat-backend", MONOREPO)).toEqual({
      coverage: [".codecov.yml", "apps/api/test/jest-e2e.json"],
      governance: [".github/CODEOWNERS"],
      "security-scanning": [".github/dependabot.yml", "renovate.json"],
      ci: [".github/workflows/ci.yml", ".github/workflows/release.yml"],
      dependencies: [
        ".npmrc",
        "apps/api/package.json",
        "apps/web/package.json",
        "packages/db/package.json",
        "packages/ui/package.json",
        "pnpm-lock.yaml",
        "pnpm-workspace.yaml",
        "services/notifications/package.json",
      ],
      "app-config": ["apps/api/.env.example", "apps/api/src/config/env.validation.ts"],
      infra: [
        "apps/api/Dockerfile",
        "docker-compose.yml",
        "infra/argocd/chat-api.application.yaml",
        "infra/helm/chat-api/Chart.yaml",
        "infra/helm/chat-api/templates/deployment.yaml",
        "infra/helm/chat-api/values-production.yaml",
        "infra/helm/chat-api/values.yaml",
        "infra/k8s/deployment.yaml",
        "infra/k8s/hpa.yaml",
        "infra/terraform/main.tf",
        "infra/terraform/production.tfvars",
        "infra/terraform/variables.tf",
        "kubernetes/base/kustomization.yaml",
        "manifests/redis.yaml",
        "services/notifications/Dockerfile",
        "services/notifications/deploy/deployment.yaml",
        "skaffold.yaml",
      ],
      prisma: [
        "apps/api/prisma/migrations/20250301090000_drop_avatar/migration.sql",
        "apps/api/prisma/schema.prisma",
        "packages/db/prisma/schema.prisma",
      ],
      "http-api": [
        "apps/api/src/chat/chat.controller.ts",
        "apps/api/src/chat/dto/send-message.dto.ts",
      ],
      "socket-gateway": [
        "apps/api/src/chat/chat.gateway.ts",
        "apps/api/src/websocket/presence.gateway.ts",
      ],
      "health-api": ["apps/api/src/health/health.controller.ts"],
      lint: ["apps/web/.eslintrc.json"],
      unowned: [
        ".changeset/config.json",
        "apps/api/nest-cli.json",
        "apps/api/src/app.module.ts",
        "apps/api/src/chat/chat.service.ts",
        "apps/api/src/main.ts",
        "apps/api/tsconfig.json",
        "apps/web/next.config.mjs",
        "apps/web/src/app/page.tsx",
        "apps/web/src/lib/socket.ts",
        "packages/db/src/index.ts",
        "packages/eslint-config/index.js",
        "packages/ui/src/button.tsx",
        "services/notifications/src/main.ts",
        "turbo.json",
      ],
    });
  });

  it("migrations of any tool are the schema area's, documents about migrating are not", () => {
    expect(
      routed("chat-backend", [
        "db/migrations/0042_drop_sessions.sql",
        "src/database/migrations/1700000000000-AddReactions.ts",
        "docs/migrations/v2-to-v3.md",
        "prisma/schema/message.prisma",
      ]),
    ).toEqual({
      prisma: [
        "db/migrations/0042_drop_sessions.sql",
        "src/database/migrations/1700000000000-AddReactions.ts",
        "prisma/schema/message.prisma",
      ],
      docs: ["docs/migrations/v2-to-v3.md"],
    });
  });
});

describe("platform-engineering and it-operations route the same layouts' operational files (seed 002 lines 157–162, seed 004 lines 66–78)", () => {
  // Identical for both presets: only who approves differs.
  const operational = {
    "ci-cd": [".codecov.yml", ".github/workflows/ci.yml", ".github/workflows/release.yml"],
    governance: [".github/CODEOWNERS"],
    dependencies: [
      ".github/dependabot.yml",
      ".npmrc",
      "apps/api/package.json",
      "apps/web/package.json",
      "packages/db/package.json",
      "packages/ui/package.json",
      "pnpm-lock.yaml",
      "pnpm-workspace.yaml",
      "renovate.json",
      "services/notifications/package.json",
    ],
    environments: ["apps/api/.env.example"],
    deployment: [
      "apps/api/Dockerfile",
      "docker-compose.yml",
      "infra/argocd/chat-api.application.yaml",
      "infra/helm/chat-api/Chart.yaml",
      "infra/helm/chat-api/templates/deployment.yaml",
      "infra/helm/chat-api/values-production.yaml",
      "infra/helm/chat-api/values.yaml",
      "infra/k8s/deployment.yaml",
      "infra/k8s/hpa.yaml",
      "kubernetes/base/kustomization.yaml",
      "manifests/redis.yaml",
      "services/notifications/Dockerfile",
      "services/notifications/deploy/deployment.yaml",
      "skaffold.yaml",
    ],
    "data-model": [
      "apps/api/prisma/migrations/20250301090000_drop_avatar/migration.sql",
      "apps/api/prisma/schema.prisma",
      "packages/db/prisma/schema.prisma",
    ],
    // Terraform under infra/ is infrastructure as code, not also deployment configuration.
    iac: [
      "infra/terraform/main.tf",
      "infra/terraform/production.tfvars",
      "infra/terraform/variables.tf",
    ],
  };

  it.each(["platform-engineering", "it-operations"] as const)(
    "%s: a monorepo's pipelines, deployments, environments and IaC each have their area",
    (name) => {
      const { unowned, ...owned } = routed(name, MONOREPO);
      expect(owned).toEqual(operational);
      // Application code is the engineers' to decide; nothing operational is left unowned.
      expect(
        unowned!.filter((f) => /infra|deploy|k8s|\.ya?ml$|Dockerfile|\.tf|\.github/.test(f)),
      ).toEqual([]);
    },
  );
});

describe("the issue's three changes reach the document's approvers in a NestJS or monorepo layout (chat-backend)", () => {
  const controller = `import { Body, Controller, Delete, Get, Param, Post } from "@nestjs/common";
import { ChatService } from "./chat.service";
import { CreateMessageDto } from "./dto/create-message.dto";

@Controller("chat")
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Get("rooms/:roomId/messages")
  list(@Param("roomId") roomId: string) {
    return this.chat.messages(roomId);
  }

  @Post("rooms/:roomId/messages")
  send(@Param("roomId") roomId: string, @Body() dto: CreateMessageDto) {
    return this.chat.send(roomId, dto);
  }

  @Delete("messages/:id")
  remove(@Param("id") id: string) {
    return this.chat.remove(id);
  }
}
`;
  const withoutDelete = controller.replace(
    /\n {2}@Delete\("messages\/:id"\)[\s\S]*?\n {2}\}\n/,
    "\n",
  );
  const deployment = fixture("repo/deployment.yaml");
  const migration = fixture("prs/drop-column.migration.sql");

  it.each(["src/chat/chat.controller.ts", "apps/api/src/chat/chat.controller.ts"])(
    "a route removed in %s → level 3, tech-architect + product-owner (line 47: breaking changes)",
    async (path) => {
      expect(withoutDelete).not.toContain("@Delete");
      const json = await explainRange(
        "chat-backend",
        { [path]: controller },
        { [path]: withoutDelete },
      );
      expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
        ["http-api", ["api-breaking"]],
      ]);
      expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
        ["http-api/api-breaking", 3, ["tech-architect", "product-owner"]],
      ]);
      expect(json.conclusion).toBe("failure");
    },
  );

  it("a DROP COLUMN in apps/api/prisma/migrations/ → level 3, dba-lead + backend-lead + sre-lead (line 90: breaking migrations)", async () => {
    const json = await explainRange(
      "chat-backend",
      {},
      { "apps/api/prisma/migrations/20250301090000_drop_avatar/migration.sql": migration },
    );
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["prisma/migration-destructive", 3, ["dba-lead", "backend-lead", "sre-lead"]],
    ]);
  });

  it("replicas 3 → 20 in infra/k8s/deployment.yaml (+$544/month) → level 3, sre-lead + finance (line 112: Finance above $500/month)", async () => {
    const json = await explainRange(
      "chat-backend",
      { "infra/k8s/deployment.yaml": deployment },
      { "infra/k8s/deployment.yaml": deployment.replace("replicas: 3", "replicas: 20") },
    );
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["infra/cost-increase", 3, ["sre-lead", "finance"]],
    ]);
    expect(json.requirements[0]!.reason).toContain("+$544.00/month");
  });

  it("replicas 3 → 4 in services/notifications/deploy/ (+$32/month) → level 2, sre-lead (line 250: scaling adjustments)", async () => {
    const path = "services/notifications/deploy/deployment.yaml";
    const json = await explainRange(
      "chat-backend",
      { [path]: deployment },
      { [path]: deployment.replace("replicas: 3", "replicas: 4") },
    );
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
      ["infra", ["scaling-change"]],
    ]);
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["infra/base", 2, ["sre-lead"]],
    ]);
  });

  it("a new endpoint on the NestJS health controller → level 2, sre-lead (line 40: /api/v1/health is the SRE Lead's)", async () => {
    const health = `import { Controller, Get } from "@nestjs/common";\n\n@Controller("health")\nexport class HealthController {\n  @Get()\n  check() {\n    return { ok: true };\n  }\n}\n`;
    const head = health.replace(
      "\n}\n",
      `\n  @Get("ready")\n  ready() {\n    return { db: true };\n  }\n}\n`,
    );
    const json = await explainRange(
      "chat-backend",
      { "src/health/health.controller.ts": health },
      { "src/health/health.controller.ts": head },
    );
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["health-api/endpoint-added", 2, ["sre-lead"]],
    ]);
  });
});

describe("in layouts no glob foresaw, what changed finds its owner (chat-backend `owns`)", () => {
  const deployment = fixture("repo/deployment.yaml");
  const router = fixture("repo/messages.router.ts");

  it("replicas 3 → 20 in ops/chat/deployment.yaml → infra: sre-lead + finance (line 112), and the path is named as having no owner", async () => {
    const json = await explainRange(
      "chat-backend",
      { "ops/chat/deployment.yaml": deployment },
      { "ops/chat/deployment.yaml": deployment.replace("replicas: 3", "replicas: 20") },
    );
    expect(json.areas.map((a) => [a.id, a.files])).toEqual([
      ["infra", ["ops/chat/deployment.yaml"]],
    ]);
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["infra/cost-increase", 3, ["sre-lead", "finance"]],
    ]);
    expect(json.unowned).toEqual([]);
    expect(json.problems.filter((p) => p.severity === "warning")).toEqual([
      expect.objectContaining({
        severity: "warning",
        message:
          "1 changed file no area's paths match, owned only through what changed: ops/chat/deployment.yaml (infra: scaling-change, cost-increase)",
      }),
    ]);
  });

  it("a DROP COLUMN in database/sql/ → prisma: dba-lead + backend-lead + sre-lead (line 90)", async () => {
    const json = await explainRange(
      "chat-backend",
      {},
      { "database/sql/0042_drop_avatar.sql": fixture("prs/drop-column.migration.sql") },
    );
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["prisma/migration-destructive", 3, ["dba-lead", "backend-lead", "sre-lead"]],
    ]);
  });

  it("an Express route removed in server/messages.ts → http-api: tech-architect + product-owner (line 47)", async () => {
    const head = router.replace(/messagesRouter\.post\("\/messages"[\s\S]*?\n\}\);\n/, "");
    const json = await explainRange(
      "chat-backend",
      { "server/messages.ts": router },
      { "server/messages.ts": head },
    );
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["http-api/api-breaking", 3, ["tech-architect", "product-owner"]],
    ]);
  });

  it("a file that carries nothing any area owns stays unowned, at level 1 (line 17: no orphaned components, shown as a warning)", async () => {
    const json = await explainRange(
      "chat-backend",
      { "ops/chat/deployment.yaml": deployment },
      { "ops/chat/deployment.yaml": deployment.replace("image: ", "image:  ") },
    );
    expect([json.level, json.unowned, json.areas]).toEqual([1, ["ops/chat/deployment.yaml"], []]);
  });

  it("platform-engineering: replicas in ops/chat/deployment.yaml → deployment, platform-engineering with a ticket (seed 002 line 159)", async () => {
    const json = await explainRange(
      "platform-engineering",
      { "ops/chat/deployment.yaml": deployment },
      { "ops/chat/deployment.yaml": deployment.replace("replicas: 3", "replicas: 20") },
      ["--title", "LFXV2-302 scale chat"],
    );
    expect(json.requirements.map((r) => [r.id, r.level, r.roles])).toEqual([
      ["deployment/base", 2, ["platform-engineering"]],
    ]);
    expect(json.ticket).toMatchObject({ required: true, found: ["LFXV2-302"] });
  });

  it("it-operations: a DROP COLUMN in database/sql/ → the data-model area (seed 004 line 47: engineers design the data models)", async () => {
    const json = await explainRange(
      "it-operations",
      {},
      { "database/sql/0042_drop_avatar.sql": fixture("prs/drop-column.migration.sql") },
    );
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
      ["data-model", ["migration-destructive"]],
    ]);
    expect(json.unowned).toEqual([]);
  });
});

describe("a kind found in a file another area owns by path still reaches its owner (chat-backend)", () => {
  it("a DROP COLUMN in a rollback runbook's SQL (docs, runbooks) also needs prisma's DBA + Backend + SRE leads (seed 000 line 90)", async () => {
    const path = "docs/runbooks/rollback.sql";
    const json = await explainRange(
      "chat-backend",
      {},
      { [path]: fixture("prs/drop-column.migration.sql") },
    );
    expect(json.areas.map((a) => a.id)).toEqual(["prisma", "docs", "runbooks"]);
    expect(
      json.requirements.filter((r) => r.area === "prisma").map((r) => [r.id, r.level, r.roles]),
    ).toEqual([["prisma/migration-destructive", 3, ["dba-lead", "backend-lead", "sre-lead"]]]);
    expect([json.level, json.unowned]).toEqual([3, []]);
  });
});

describe("every change kind a preset's rules name has an owning area, so it reaches that owner in any layout", () => {
  it.each(["chat-backend", "platform-engineering", "it-operations"] as const)("%s", (name) => {
    const policy = policies[name];
    const named = [...new Set(policy.rules.flatMap((r) => r.when.kinds))].sort();
    const owned = new Set(policy.areas.flatMap((a) => a.owns ?? []));
    expect(named.filter((k) => !owned.has(k))).toEqual([]);
    expect(named.length).toBeGreaterThan(2);
  });
});
